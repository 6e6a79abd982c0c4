"""Img2img and inpainting for pixel-space diffusion (the studio's own models: no VAE, the UNet draws pixels).

img2img is SDEdit: the source image is noised to the level the strength picks and denoised from
there. Inpainting re-imposes the known pixels (noised to the next step's level) after every
step, RePaint-style, so the model only invents what the mask covers; outpainting is inpainting on
an extended canvas. This mirrors what diffusers' latent pipelines do (``get_timesteps``,
``add_noise``, the 4-channel inpaint branch), on pixels instead of VAE latents.
The caller (``studio.engines.diffusion.edit``) still blends the result back so that every pixel
outside the mask keeps its exact value at the image's own resolution.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image


@dataclass(frozen=True)
class PixelEdit:
    """The source pixels and what to keep, at the model's native size."""

    source: torch.Tensor
    """(B, C, H, W) in [-1, 1]."""
    keep: torch.Tensor | None
    """(B, 1, H, W): 1 where the source is kept (outside the mask), 0 where the model paints; None: img2img."""
    strength: float


def prepare(image: Any, mask_image: Any, strength: float, size: tuple[int, int], channels: int, batch: int,
            device: torch.device, dtype: torch.dtype) -> PixelEdit | None:
    """The edit an ``image``/``mask_image``/``strength`` call asks for at the model's (height, width); None
    for plain generation."""
    if image is None:
        if mask_image is not None:
            raise ValueError("a mask needs an image to edit")
        return None
    src = image.convert("L" if channels == 1 else "RGB").resize((size[1], size[0]), Image.Resampling.LANCZOS)
    arr = np.asarray(src, dtype=np.float32) / 127.5 - 1.0
    arr = arr[..., None] if arr.ndim == 2 else arr
    source = torch.from_numpy(arr).permute(2, 0, 1)[None].repeat(batch, 1, 1, 1).to(device, dtype)
    keep = None
    if mask_image is not None:
        # BOX then "> 0": a pixel the mask touches at all is repainted (a thin stroke survives the downscale).
        small = np.asarray(mask_image.convert("L").resize((size[1], size[0]), Image.Resampling.BOX)) > 0
        keep = torch.from_numpy((~small).astype(np.float32))[None, None].repeat(batch, 1, 1, 1).to(device, dtype)
    return PixelEdit(source, keep, float(strength))


def timesteps(scheduler: Any, steps: int, edit: PixelEdit | None, device: torch.device) -> torch.Tensor:
    """The scheduler's timesteps for this run: all of them, or the last ``strength`` part for an edit."""
    scheduler.set_timesteps(steps, device=device)
    if edit is None:
        return scheduler.timesteps
    run = min(int(steps * edit.strength), steps)
    start = max(steps - run, 0) * scheduler.order
    if hasattr(scheduler, "set_begin_index"):  # sigma-indexed schedulers start counting from here
        scheduler.set_begin_index(start)
    return scheduler.timesteps[start:]


def start(scheduler: Any, edit: PixelEdit | None, noise: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """The first sample: pure noise, or (an edit) the source noised to the first timestep's level."""
    if edit is None or edit.strength >= 1.0 or len(ts) == 0:
        return noise * scheduler.init_noise_sigma
    return scheduler.add_noise(edit.source, noise, ts[:1].repeat(noise.shape[0]))


def reimpose(scheduler: Any, edit: PixelEdit | None, noise: torch.Tensor, sample: torch.Tensor,
             ts: torch.Tensor, i: int) -> torch.Tensor:
    """After step ``i``: the known pixels put back, noised to the next step's level (exact after the last)."""
    if edit is None or edit.keep is None:
        return sample
    known = edit.source
    if i < len(ts) - 1:
        known = scheduler.add_noise(edit.source, noise, ts[i + 1:i + 2].repeat(noise.shape[0]))
    return edit.keep * known + (1 - edit.keep) * sample
