"""The VAE engine: encode and reconstruct your own image, or interpolate between two images in latent space.

One image gives a PNG of the original (as the model sees it: cropped, resized, grey for a grey
model) beside its reconstruction, and a JSON file with its latent code (mean and log-variance).
Two images give the decoded path between their latent means as a strip PNG and a GIF.
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import torch
from PIL import Image, ImageOps

from studio.core.atomic import atomic_write_text
from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.image_io import open_rgb
from studio.core.progress import CancelToken, Reporter
from studio.core.results import VaeResult
from studio.core.specs.training import VaeSpec
from studio.engines.context import EngineContext
from studio.engines.common.sampling import enlarge, make_grid, to_images, walk_strip
from studio.engines.output_files import output_path, safe_model_stem, save_gif, save_png


def load_model(ctx: EngineContext, name: str):
    """The whole VAE (encoder too) called ``name``; ModelError for a model of another kind."""
    from studio.engines.vae.model import load_vae

    entry = ctx.registry.resolve(name, task="image")
    if entry.type != "studio_vae":
        raise ModelError(_("{name} is not a VAE: encoding and interpolating images needs one (train one with "
                           "the VAE family).").format(name=entry.name))
    vae = ctx.cache.get_or_load(("studio_vae_full", entry.path, ctx.device),
                                lambda: load_vae(Path(entry.path)).to(ctx.device))
    return vae, entry.name


def to_tensor(path: str, size: int, channels: int) -> torch.Tensor:
    """An image file as the model's input: centre-cropped square, resized, in [-1, 1], (1, C, S, S)."""
    image = ImageOps.fit(open_rgb(path), (size, size), Image.LANCZOS)
    if channels == 1:
        image = image.convert("L")
    data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).float()
    data = data.view(size, size, channels).permute(2, 0, 1)
    return (data / 127.5 - 1.0)[None]


def run(spec: VaeSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> VaeResult:
    t0 = time.perf_counter()
    spec.validate()
    vae, name = load_model(ctx, spec.model)
    cfg = vae.config
    inputs = [to_tensor(p, cfg.image_size, cfg.channels).to(ctx.device) for p in spec.images]
    stem = safe_model_stem(name)
    base = VaeResult(model=name, size=cfg.image_size)
    with torch.inference_mode():
        mus, logvars = zip(*(vae.encoder(x) for x in inputs))
        if len(inputs) == 1:
            recon = vae.decoder(mus[0])
            pair = [enlarge(im, spec.scale) for im in to_images(torch.cat([inputs[0], recon]))]
            out = save_png(make_grid(pair, columns=2), output_path(ctx.outputs, f"{stem}-reconstruction", ".png"),
                           spec, f"Original and VAE reconstruction, Model: {name}")
            code = output_path(ctx.outputs, f"{stem}-latent", ".json")
            atomic_write_text(code, json.dumps({"model": name, "image": spec.images[0],
                                                "mean": [round(float(v), 6) for v in mus[0][0]],
                                                "logvar": [round(float(v), 6) for v in logvars[0][0]]}) + "\n")
            error = float((recon - inputs[0]).abs().mean()) * 127.5
            reporter.progress(1, 1)
            return dataclasses.replace(base, outputs=(str(out), str(code)), latent=str(code),
                                       mean_abs_error=round(error, 2), seconds=round(time.perf_counter() - t0, 3))
        frames = []
        for i in range(spec.frames):
            if cancel.cancelled:
                return dataclasses.replace(base, cancelled=True)
            t = i / (spec.frames - 1)
            frames += to_images(vae.decoder((1 - t) * mus[0] + t * mus[1]))  # a straight line between the means
            reporter.progress(i + 1, spec.frames)
    frames = [enlarge(f, spec.scale) for f in frames]
    desc = f"VAE interpolation, {len(frames)} frames, Model: {name}"
    gif = save_gif(frames, output_path(ctx.outputs, f"{stem}-interpolation", ".gif"), bounce=True)
    png = save_png(walk_strip(frames), output_path(ctx.outputs, f"{stem}-interpolation", ".png"), spec, desc)
    return dataclasses.replace(base, outputs=(str(png), str(gif)), frames=len(frames),
                               seconds=round(time.perf_counter() - t0, 3))
