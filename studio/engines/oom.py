"""Out-of-memory handling shared by the engines: recognise one, free memory, and the test-only injection."""
from __future__ import annotations

import gc
import os

import torch

INJECT_OOM_ENV = "STUDIO_INJECT_OOM"
"""Tests only: the number of attempts of a job that hit a (real) torch.OutOfMemoryError at their first step."""


def injected_ooms() -> int:
    """How many attempts of this job hit an injected out-of-memory (0 unless a test sets INJECT_OOM_ENV)."""
    raw = os.environ.get(INJECT_OOM_ENV, "")
    return int(raw) if raw.isdigit() else 0


def injected_error() -> torch.OutOfMemoryError:
    return torch.OutOfMemoryError(f"CUDA out of memory (injected by {INJECT_OOM_ENV}).")


def is_oom(exc: BaseException) -> bool:
    """True for a CUDA/MPS/CPU out-of-memory raised by torch (typed, or the message older builds raise)."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def free_memory(device: str) -> None:
    """Give back what a failed attempt held: Python garbage first, then the allocator's cached blocks."""
    gc.collect()
    if str(device).startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif str(device).startswith("mps") and hasattr(torch, "mps"):
        torch.mps.empty_cache()
