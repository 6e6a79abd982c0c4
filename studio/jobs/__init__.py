"""The worker pool: QThreads that run engine functions and turn reporter calls into Qt signals."""
