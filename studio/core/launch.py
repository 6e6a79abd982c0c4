"""Where this process stands in an ``accelerate launch`` / ``torchrun`` launch, from the environment the
launcher sets for each process (``WORLD_SIZE``, ``RANK``): pure Python, so the CLI can ask too."""
from __future__ import annotations

import os


def world_size() -> int:
    """The number of processes of this launch (torchrun / accelerate launch set WORLD_SIZE; 1 outside one)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def process_rank() -> int:
    """This process's rank in the launch (0 outside one)."""
    try:
        return int(os.environ.get("RANK", "0")) if world_size() > 1 else 0
    except ValueError:
        return 0


def launch_tag() -> str:
    """``p<rank>`` inside a launch, else "": put in the names of files every process writes into one folder."""
    return f"p{process_rank()}" if world_size() > 1 else ""
