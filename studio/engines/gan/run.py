"""The GAN engine: a seed grid, or a latent walk between two seeds exported as GIF and strip."""
from __future__ import annotations

import dataclasses
import time

import torch

from studio.core.models.builtin_models import FACES_NAME
from studio.core.progress import CancelToken, Reporter
from studio.core.results import FacesResult
from studio.core.specs.image import GanSpec
from studio.engines.common.latent import load_generator
from studio.engines.common.sampling import (Generator, enlarge, generate, latent_for_seed, make_grid, walk_latents,
                                            walk_strip)
from studio.engines.context import EngineContext
from studio.engines.output_files import output_path, safe_model_stem, save_gif, save_png

CHUNK = 16  # images per forward pass between progress reports / cancel checks


def _generator(spec: GanSpec, ctx: EngineContext) -> tuple[Generator, str]:
    return load_generator(ctx, spec.model or FACES_NAME)


def _sample(gen: Generator, latents: torch.Tensor, reporter: Reporter, cancel: CancelToken,
            grid_columns: int | None = None) -> list | None:
    """Images for the latents in chunks; None when cancelled. Previews: the grid so far, or the last frame."""
    images = []
    total = len(latents)
    for i in range(0, total, CHUNK):
        if cancel.cancelled:
            return None
        images += generate(gen, latents[i:i + CHUNK])
        reporter.progress(min(i + CHUNK, total), total)
        if reporter.wants_preview():
            reporter.preview(images[-1] if grid_columns is None else make_grid(images, grid_columns))
    return images


def run(spec: GanSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> FacesResult:
    """Generate the spec's images; outputs are PNGs (and a GIF for a walk) under the outputs folder."""
    t0 = time.perf_counter()
    gen, model_name = _generator(spec, ctx)
    dim = gen.config.latent_dim
    stem = safe_model_stem(model_name)
    base = FacesResult(model=model_name, seeds=tuple(spec.seeds), size=gen.config.image_size)

    if spec.walk_to_seed is not None:
        a, b = latent_for_seed(spec.seeds[0], dim), latent_for_seed(spec.walk_to_seed, dim)
        frames = _sample(gen, walk_latents(a, b, spec.frames), reporter, cancel)
        if frames is None:
            return dataclasses.replace(base, cancelled=True)
        frames = [enlarge(f, spec.scale) for f in frames]
        desc = f"Latent walk, seed {spec.seeds[0]} to {spec.walk_to_seed}, {len(frames)} frames, Model: {model_name}"
        gif = save_gif(frames, output_path(ctx.outputs, f"{stem}-walk-{spec.seeds[0]}-{spec.walk_to_seed}", ".gif"))
        strip = walk_strip(frames)
        png = save_png(strip, output_path(ctx.outputs, f"{stem}-walk-{spec.seeds[0]}-{spec.walk_to_seed}", ".png"),
                       spec, desc)
        return dataclasses.replace(base, outputs=(str(png), str(gif)), frames=len(frames),
                                   seconds=round(time.perf_counter() - t0, 3))

    z = torch.stack([latent_for_seed(s, dim) for s in spec.seeds])
    images = _sample(gen, z, reporter, cancel, spec.columns)
    if images is None:
        return dataclasses.replace(base, cancelled=True)
    images = [enlarge(im, spec.scale) for im in images]
    if len(images) == 1:
        out = images[0]
        name, desc = f"{stem}-{spec.seeds[0]}", f"Seed: {spec.seeds[0]}, Model: {model_name}"
    else:
        out = make_grid(images, spec.columns)
        name = f"{stem}-grid-{spec.seeds[0]}"
        desc = f"Grid of {len(images)}, Seeds: {', '.join(map(str, spec.seeds))}, Model: {model_name}"
    png = save_png(out, output_path(ctx.outputs, name, ".png"), spec, desc)
    return dataclasses.replace(base, outputs=(str(png),), count=len(images),
                               seconds=round(time.perf_counter() - t0, 3))

