"""Which torch device to run on, and how much memory it has in use."""
from __future__ import annotations

import torch


def pick_device(preference: str = "auto") -> str:
    """'cuda', 'mps' or 'cpu': the preference when available, else the best available."""
    if preference not in ("", "auto"):
        return preference
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def default_dtype(device: str) -> torch.dtype:
    """fp16 on GPUs (half the memory, faster); fp32 on CPU where fp16 is slow or unsupported."""
    return torch.float16 if device in ("cuda", "mps") else torch.float32


def memory_in_use(device: str) -> int:
    """Bytes allocated on the device (process RSS for the CPU)."""
    if device == "cuda" and torch.cuda.is_available():
        return int(torch.cuda.memory_allocated())
    import psutil

    return int(psutil.Process().memory_info().rss)
