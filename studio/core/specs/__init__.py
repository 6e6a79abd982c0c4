"""Specs: what a job asks for (one frozen dataclass per job kind), their checks, grids and prompt syntax."""
