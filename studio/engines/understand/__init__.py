"""Text understanding engines: fill-mask and classify jobs, and loading their models."""
