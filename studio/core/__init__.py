"""Pure-Python core: job specs, settings, paths, stores. Imports neither Qt nor torch."""
