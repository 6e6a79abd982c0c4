"""Tiled super-resolution: memory stays bounded by the tile size, not the image size.

Each tile is run with at least ``pad`` pixels of surrounding context and only its centre is kept, so
seams vanish (the result matches an untiled run up to the network's receptive field beyond the pad).
The output is assembled in a uint8 array (3 bytes per output pixel, the least it can take).
"""
from __future__ import annotations

import math
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from studio.core.progress import CancelToken
from studio.engines.upscale.arch import Upscaler

TileCallback = Callable[[int, int, np.ndarray], None]


def tile_boxes(width: int, height: int, tile: int) -> Iterator[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of each tile, row by row; edge tiles are smaller."""
    for y0 in range(0, height, tile):
        for x0 in range(0, width, tile):
            yield x0, y0, min(x0 + tile, width), min(y0 + tile, height)


def _window(a0: int, a1: int, size: int, span: int, pad: int) -> tuple[int, int]:
    """The input range fed for tile [a0, a1): ``span`` wide, slid inside the image at its edges.

    Every tile of a large image then has the same input shape (oneDNN/cuDNN plan each new shape once,
    which costs seconds on a CPU) and edge tiles get their context from further inside.
    """
    span = min(size, span)
    start = min(max(a0 - pad, 0), size - span)
    return start, start + span


def tile_count(width: int, height: int, tile: int) -> int:
    return math.ceil(width / tile) * math.ceil(height / tile)


def _multiple(model: Upscaler) -> int:
    """Input sides the network needs to be a multiple of (pixel-unshuffle models)."""
    return {1: 4, 2: 2}.get(model.config.net_scale, 1) if model.config.arch == "rrdbnet" else 1


@torch.inference_mode()
def forward_padded(model: Upscaler, x: torch.Tensor) -> torch.Tensor:
    """model(x) for any input size: pads to the network's multiple (replicate) and crops back."""
    m = _multiple(model)
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    y = model(x)
    s = model.scale
    return y[..., : h * s, : w * s]


def cpu_has_fast_bf16() -> bool:
    """True on CPUs with AMX tiles (Sapphire Rapids and later), where bf16 convolutions run ~5× faster."""
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool(probe and probe())
    except RuntimeError:
        return False


def pick_compute_dtype(device: str, preference: str = "auto") -> torch.dtype | None:
    """Autocast dtype for inference: fp16 on GPUs, bf16 on AMX CPUs, None (fp32) otherwise or for "fp32"."""
    if preference == "fp32":
        return None
    if device.startswith(("cuda", "mps")):
        return torch.float16
    if preference == "bf16" or (preference == "auto" and cpu_has_fast_bf16()):
        return torch.bfloat16
    return None


def upscale_array(model: Upscaler, image: np.ndarray, tile: int = 256, pad: int = 16, device: str = "cpu",
                  cancel: CancelToken | None = None, on_tile: TileCallback | None = None,
                  compute_dtype: torch.dtype | None = None) -> np.ndarray | None:
    """Upscale an RGB uint8 array (H, W, 3) tile by tile; None when cancelled.

    ``on_tile(done, total, output_so_far)`` is called after each tile; ``compute_dtype`` turns on autocast.
    """
    h, w = image.shape[:2]
    s = model.scale
    out = np.zeros((h * s, w * s, 3), dtype=np.uint8)
    total = tile_count(w, h, tile)
    dtype = next(model.parameters()).dtype  # the input follows the weights; autocast handles the rest
    for i, (x0, y0, x1, y1) in enumerate(tile_boxes(w, h, tile)):
        if cancel is not None and cancel.cancelled:
            return None
        px0, px1 = _window(x0, x1, w, tile + 2 * pad, pad)
        py0, py1 = _window(y0, y1, h, tile + 2 * pad, pad)
        patch = torch.from_numpy(np.array(image[py0:py1, px0:px1])).to(device)  # a writable copy
        x = patch.permute(2, 0, 1)[None].to(dtype) / 255.0
        with torch.autocast(device.split(":")[0], dtype=compute_dtype, enabled=compute_dtype is not None):
            y = forward_padded(model, x)[0]
        y = y[:, (y0 - py0) * s:(y1 - py0) * s, (x0 - px0) * s:(x1 - px0) * s]
        out[y0 * s:y1 * s, x0 * s:x1 * s] = (y.float().clamp(0, 1) * 255.0).round().to(torch.uint8) \
            .permute(1, 2, 0).cpu().numpy()
        if on_tile is not None:
            on_tile(i + 1, total, out)
    return out
