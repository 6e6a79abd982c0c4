"""Which torch device to run on, and how much memory it has in use.

Torch is imported on first need: an engine host with an explicit CPU device starts without it.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def _available(device: str) -> bool:
    kind, _, index = device.partition(":")
    if kind == "cpu":
        return not index
    import torch

    if kind == "cuda":
        if not torch.cuda.is_available():
            return False
        return not index or (index.isdigit() and int(index) < torch.cuda.device_count())
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        return not index and mps is not None and mps.is_available()
    return False


def pick_device(preference: str = "auto") -> str:
    """'cuda', 'mps' or 'cpu': the preference when available, else the best available (with a log line:
    a setting naming a GPU this machine lacks must not fail every job)."""
    if preference not in ("", "auto"):
        if _available(preference):
            return preference
        log.warning("device %r from the settings is not available here; using the best available", preference)
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def default_dtype(device: str) -> "torch.dtype":
    """fp16 on GPUs (half the memory, faster); fp32 on CPU where fp16 is slow or unsupported."""
    import torch

    return torch.float16 if device in ("cuda", "mps") else torch.float32


def memory_in_use(device: str) -> int:
    """Bytes allocated on the device (process RSS for the CPU)."""
    if device.startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            return int(torch.cuda.memory_allocated())
    import psutil

    return int(psutil.Process().memory_info().rss)
