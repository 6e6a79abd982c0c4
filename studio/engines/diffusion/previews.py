"""Step previews: the current clean-image estimate as a small RGB picture, cheaply.

Latent models: a fixed linear map latent→RGB per model family (the factors ComfyUI publishes,
~1 ms), or TAESD (a tiny VAE decoder, diffusers ``AutoencoderTiny``) when its weights are in
the models folder. Pixel-space models (3 channels): the clamped prediction itself.
The estimate is the scheduler's x0 prediction when it exposes one (sharp from the first step),
else the noisy latents.
"""
from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import Any

import torch

from studio.core.errors import ModelError
from studio.core.models.families import FAMILIES
from studio.core.i18n import _
from studio.engines.pipelines.schedulers import x0_source

log = logging.getLogger(__name__)

# Rows: latent channels; columns: R, G, B. Applied to the scaled latents the denoiser works on; one entry per
# latent space, read from the capability table (studio.core.models.families).
LATENT_RGB: dict[str, tuple[list[list[float]], list[float]]] = {
    key: ([list(row) for row in fam.latent_rgb], list(fam.latent_rgb_bias))
    for key, fam in FAMILIES.items() if fam.latent_rgb}
TAESD_FOLDERS = {"sd": ("taesd",), "sd1": ("taesd",), "sd2": ("taesd",), "sdxl": ("taesdxl",),
                 "sd3": ("taesd3",), "flux": ("taef1",), "chroma": ("taef1",), "zimage": ("taef1",)}
"""Tiny decoders (diffusers AutoencoderTiny) by latent space, as madebyollin names them."""


class X0Tap:
    """Wraps a scheduler's ``step`` to keep its latest clean-image (x0) prediction."""

    def __init__(self, scheduler: Any) -> None:
        self.x0: torch.Tensor | None = None
        self._scheduler = scheduler
        self._source = x0_source(scheduler)
        self._step = scheduler.step
        # Pipelines inspect step()'s signature to decide whether to pass `generator` and `eta`;
        # without this, ancestral samplers would silently draw from the global RNG.
        self.__signature__ = inspect.signature(scheduler.step)
        scheduler.step = self  # an instance attribute shadows the method for this job only

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self._step(*args, **kwargs)
        x0 = None
        if self._source == "output":
            if isinstance(out, tuple):
                x0 = out[1] if len(out) > 1 else None
            else:  # LCM names its x0 "denoised"
                x0 = getattr(out, "pred_original_sample", None)
                x0 = getattr(out, "denoised", None) if x0 is None else x0
        elif self._source == "model_outputs":
            outputs = getattr(self._scheduler, "model_outputs", None)
            x0 = outputs[-1] if outputs else None
        self.x0 = x0
        return out


def find_taesd(folders: list[Path], family: str) -> Path | None:
    """A TAESD folder for the family (named taesd/taesdxl, config ``_class_name`` AutoencoderTiny)."""
    for folder in folders:
        for name in TAESD_FOLDERS.get(family, ()):
            cand = folder / name
            try:
                config = json.loads((cand / "config.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if config.get("_class_name") == "AutoencoderTiny":
                return cand
    return None


def load_taesd(path: Path, device: str, dtype: torch.dtype):
    """The TAESD decoder at ``path`` after the same check as every model (ModelError when unusable).

    Only ``.safetensors`` weights are read: a pickle (``.bin``) beside them, or instead of them, is never
    passed to ``torch.load``.
    """
    from diffusers import AutoencoderTiny

    from studio.core.models.identify import identify_path

    entry = identify_path(Path(path), "path")
    if entry.type != "taesd" or entry.status != "ok":
        raise ModelError(_("The TAESD preview model in {folder} cannot be used ({reason}); the quick preview is "
                           "shown instead.").format(folder=path, reason=entry.reason or entry.type))
    return AutoencoderTiny.from_pretrained(str(path), local_files_only=True, use_safetensors=True,
                                           dtype=dtype).to(device).eval()


def _to_image(rgb01: torch.Tensor, size: tuple[int, int]):
    """(3,h,w) in [0,1] → PIL image resized to ``size`` (width, height)."""
    from PIL import Image

    arr = (rgb01.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    img = Image.fromarray(arr, "RGB")
    if img.size == size:
        return img
    if size[0] >= 4 * img.width and size[1] >= 4 * img.height:
        # Smooth to half the size, then double by pixel repetition: looks the same at preview
        # quality and costs a third of a full bilinear upscale (0.8 vs 2.2 ms at 512 px).
        return img.resize((size[0] // 2, size[1] // 2), Image.BILINEAR).resize(size, Image.NEAREST)
    return img.resize(size, Image.BILINEAR)


class Previewer:
    """Turns the state after a step into a preview image (first image of the batch)."""

    def __init__(self, family: str, channels: int, size: tuple[int, int], taesd: Any = None) -> None:
        self.size = size
        self.channels = channels
        self.taesd = taesd
        self.kind = "taesd" if taesd is not None else ("pixels" if channels == 3 else "linear")
        fam = FAMILIES.get(family)
        self._patch = fam.latent_patch if fam is not None else 1
        factors, bias = LATENT_RGB.get(family, LATENT_RGB["sd"])
        self._factors = torch.tensor(factors)
        self._bias = torch.tensor(bias)

    def _unpack(self, z: torch.Tensor) -> torch.Tensor:
        """(C, h, w) latents; packed sequences (Flux, Qwen-Image: N tokens of C·p·p) are unpacked."""
        if z.dim() != 2:
            return z[:, 0] if z.dim() == 4 else z  # (C, frames, h, w) video-style latents: the first frame
        n, d = z.shape
        p = self._patch if d % (self._patch ** 2) == 0 else 1
        w_over_h = self.size[0] / max(1, self.size[1])
        h = max(1, round((n / w_over_h) ** 0.5))
        w = n // h
        if h * w != n:
            return z.T.reshape(d, 1, n)
        return z.reshape(h, w, d // (p * p), p, p).permute(2, 0, 3, 1, 4).reshape(d // (p * p), h * p, w * p)

    @torch.no_grad()
    def render(self, latents: torch.Tensor, x0: torch.Tensor | None = None):
        """A PIL preview of x0 (preferred) or of the latents."""
        z = (x0 if x0 is not None and x0.shape == latents.shape else latents)[:1]
        if self.kind == "taesd":
            img = self.taesd.decode(z.to(self.taesd.dtype)).sample[0]
            return _to_image((img.float() + 1) / 2, self.size)
        z = self._unpack(z[0].float().cpu())
        if self.kind == "pixels":
            return _to_image((z + 1) / 2, self.size)
        if z.shape[0] == self._factors.shape[0]:
            rgb = torch.einsum("chw,cr->rhw", z, self._factors) + self._bias[:, None, None]
            return _to_image((rgb + 1) / 2, self.size)
        # Unknown latent layout: show the first three channels, normalised, so something moves.
        rgb = z[:3] if z.shape[0] >= 3 else z[:1].expand(3, -1, -1)
        lo, hi = rgb.amin(), rgb.amax()
        return _to_image((rgb - lo) / (hi - lo + 1e-6), self.size)
