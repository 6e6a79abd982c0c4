"""Models: the registry, identification from file headers, built-in entries, hashes and the capability table."""
