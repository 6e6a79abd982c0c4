"""Tiled super-resolution: memory stays bounded by the tile size, not the image size.

Each tile is run with ``pad`` pixels of surrounding context and only its centre is kept, so seams
vanish (the result matches an untiled run up to the network's receptive field beyond the pad).
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


def upscale_array(model: Upscaler, image: np.ndarray, tile: int = 256, pad: int = 16, device: str = "cpu",
                  cancel: CancelToken | None = None, on_tile: TileCallback | None = None) -> np.ndarray | None:
    """Upscale an RGB uint8 array (H, W, 3) tile by tile; None when cancelled.

    ``on_tile(done, total, output_so_far)`` is called after each tile.
    """
    h, w = image.shape[:2]
    s = model.scale
    out = np.zeros((h * s, w * s, 3), dtype=np.uint8)
    total = tile_count(w, h, tile)
    dtype = next(model.parameters()).dtype
    for i, (x0, y0, x1, y1) in enumerate(tile_boxes(w, h, tile)):
        if cancel is not None and cancel.cancelled:
            return None
        px0, py0, px1, py1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
        patch = torch.from_numpy(np.ascontiguousarray(image[py0:py1, px0:px1])).to(device)
        x = patch.permute(2, 0, 1)[None].to(dtype) / 255.0
        y = forward_padded(model, x)[0]
        y = y[:, (y0 - py0) * s:(y1 - py0) * s, (x0 - px0) * s:(x1 - px0) * s]
        out[y0 * s:y1 * s, x0 * s:x1 * s] = (y.float().clamp(0, 1) * 255.0).round().to(torch.uint8) \
            .permute(1, 2, 0).cpu().numpy()
        if on_tile is not None:
            on_tile(i + 1, total, out)
    return out
