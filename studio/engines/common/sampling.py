"""Sampling latent models (a GAN's generator, a VAE's decoder): one latent per seed, spherical latent walks,
and image grids (of PIL images, or of tensors in [-1, 1] for trainers)."""
from __future__ import annotations

import math
from typing import Sequence

import torch
from PIL import Image

Generator = torch.nn.Module
"""A latent model: maps (N, config.latent_dim) latents to (N, C, H, W) images in [-1, 1]."""


def latent_for_seed(seed: int, latent_dim: int) -> torch.Tensor:
    """The latent vector (latent_dim,) of a seed: the same on every machine and in any batch."""
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    return torch.randn(latent_dim, generator=g)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: stays at the norm Gaussian latents have, unlike a straight line."""
    an, bn = a / a.norm(), b / b.norm()
    omega = torch.arccos(torch.clamp((an * bn).sum(), -1.0, 1.0))
    if omega.abs() < 1e-6:  # (nearly) the same direction: a straight line is exact enough
        return (1 - t) * a + t * b
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def walk_latents(a: torch.Tensor, b: torch.Tensor, frames: int) -> torch.Tensor:
    """``frames`` latents from ``a`` to ``b`` inclusive."""
    if frames < 2:
        return a[None]
    return torch.stack([slerp(a, b, i / (frames - 1)) for i in range(frames)])


def to_images(batch: torch.Tensor) -> list[Image.Image]:
    """Generator output in [-1, 1] (N, C, H, W) → PIL images (RGB, or L for one channel)."""
    arr = ((batch.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()
    arr = arr.permute(0, 2, 3, 1).numpy()
    if arr.shape[-1] == 1:
        return [Image.fromarray(a[:, :, 0], "L") for a in arr]
    return [Image.fromarray(a, "RGB") for a in arr]


@torch.inference_mode()
def generate(gen: Generator, latents: torch.Tensor, batch: int = 64) -> list[Image.Image]:
    """Images for latents (N, latent_dim), in batches so memory stays small."""
    gen.eval()
    device = next(gen.parameters()).device
    out: list[Image.Image] = []
    for i in range(0, len(latents), batch):
        out += to_images(gen(latents[i:i + batch].to(device)))
    return out


def images_for_seeds(gen: Generator, seeds: Sequence[int]) -> list[Image.Image]:
    z = torch.stack([latent_for_seed(s, gen.config.latent_dim) for s in seeds])
    return generate(gen, z)


def make_grid(images: Sequence[Image.Image], columns: int = 0, padding: int = 2,
              background: tuple[int, int, int] = (24, 24, 24)) -> Image.Image:
    """Tile same-size images in rows of ``columns`` (0: as square as possible)."""
    if not images:
        raise ValueError("no images for a grid")
    n = len(images)
    cols = columns if columns > 0 else math.ceil(math.sqrt(n))
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    w, h = images[0].size
    grid = Image.new("RGB", (cols * w + (cols + 1) * padding, rows * h + (rows + 1) * padding), background)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        grid.paste(im.convert("RGB"), (padding + c * (w + padding), padding + r * (h + padding)))
    return grid


def enlarge(image: Image.Image, scale: int) -> Image.Image:
    """Bigger for viewing (Lanczos); scale 1 returns the image as is."""
    if scale <= 1:
        return image
    return image.resize((image.width * scale, image.height * scale), Image.LANCZOS)


def to_grid(x: torch.Tensor, nrow: int | None = None, pad: int = 2, scale: int = 1):
    """A PIL image tiling (N, C, H, W) tensors in [-1, 1], ``nrow`` per row (default: square)."""
    x = x.detach().float().cpu().clamp(-1, 1)
    n, c, h, w = x.shape
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    rows = int(math.ceil(n / nrow))
    grid = torch.full((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), -1.0)
    for i in range(n):
        r, col = divmod(i, nrow)
        grid[:, pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = x[i]
    arr = ((grid + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
    img = Image.fromarray(arr[:, :, 0] if c == 1 else arr, "L" if c == 1 else "RGB")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    return img


def walk_strip(frames: list, most: int = 12) -> Image.Image:
    """One row of at most ``most`` evenly spaced frames, first and last included."""
    n = len(frames)
    picks = [frames[round(i * (n - 1) / (most - 1))] for i in range(most)] if n > most else frames
    return make_grid(picks, columns=len(picks))
