"""The engine host protocol: typed frames, remote engine requests and TLS."""
