"""Training: a shared loop (checkpoints, resume, cancel, metrics, sample grids) and one trainer per family."""
