"""Stores: the SQLite queue and gallery (one database file, one schema module)."""
