"""Out-of-memory handling shared by the engines: recognise one, free memory, and the test-only injection."""
from __future__ import annotations

import contextlib
import gc
import os
import traceback
from typing import Any, Iterator

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


@contextlib.contextmanager
def oom_at_first_forward(model: Any, fail: bool) -> Iterator[None]:
    """Tests only: when ``fail``, ``model``'s first forward raises the injected out-of-memory (in whatever
    thread runs it, as a real one would)."""
    if not fail:
        yield
        return

    def boom(_module: Any, _args: Any) -> None:
        raise injected_error()

    handle = model.register_forward_pre_hook(boom)
    try:
        yield
    finally:
        handle.remove()


def free_memory(device: str, exc: BaseException | None = None) -> None:
    """Give back what a failed attempt held: Python garbage first, then the allocator's cached blocks.

    ``exc``: the out-of-memory caught; its traceback's finished frames still hold the failed attempt's
    tensors (activations, a KV cache), so their locals are cleared first.
    """
    if exc is not None and exc.__traceback__ is not None:
        traceback.clear_frames(exc.__traceback__)  # frames still running are skipped by clear_frames
    gc.collect()
    if str(device).startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif str(device).startswith("mps") and hasattr(torch, "mps"):
        torch.mps.empty_cache()
