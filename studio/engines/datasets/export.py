"""Data augmentation: a trained model's images, N per prompt (or label), as a captioned dataset folder.

The folder (``<home>/datasets/<name>``) holds ``<label>-<n>.png`` with a same-stem ``.txt`` caption,
the layout every image trainer reads. Diffusion models (Stable Diffusion, the studio's text-to-image
and DDPM models) are sampled through the image engine's own pipeline code, GANs and VAEs through
the GAN engine's generators; seeds are ``seed, seed+1, …`` so a dataset can be made again exactly.
The folder is written beside its final name and renamed when complete: a cancelled or failed run
leaves nothing half made, and an existing dataset is never replaced.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.models.swap import new_work_folder
from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.results import DatasetResult, ImageResult
from studio.core.specs.base import MAX_SEED
from studio.core.specs.training import DatasetSpec
from studio.core.specs.image import GanSpec, ImageSpec
from studio.engines.context import EngineContext

UNCONDITIONAL = ("gan", "studio_vae", "studio_ddpm")


def _diffusion_images(ctx: EngineContext, entry: Any, spec: DatasetSpec, prompt: str,
                      cancel: CancelToken) -> Iterator[Any]:
    """``spec.count`` images for ``prompt`` from a diffusion model, with its recommended settings."""
    from studio.engines.diffusion.generate import _generate, pipeline_for_job
    from studio.engines.diffusion.loader import load_pipeline

    rec = entry.details.get("recommended") or {}
    size = int(entry.details.get("default_size") or 512)
    base = ImageSpec(prompt=prompt, model=entry.name, steps=spec.steps or int(rec.get("steps") or 20),
                     guidance=float(rec.get("guidance") or 7.5), scheduler=str(rec.get("scheduler") or "euler"),
                     width=size, height=size).clean()
    pipe, facts = load_pipeline(ctx, entry)
    quiet = NullReporter()
    for k in range(spec.count):
        one = base.replace(seed=(spec.seed + k) % (MAX_SEED + 1))
        with pipeline_for_job(ctx, pipe, facts, one.loras):
            out = _generate(one, quiet, cancel, ctx, entry, pipe, facts, quiet.log)
        if isinstance(out, ImageResult):  # cancelled
            return
        yield out[0]


def _generator_images(ctx: EngineContext, entry: Any, spec: DatasetSpec) -> Iterator[Any]:
    from studio.engines.gan.run import _generator
    from studio.engines.gan.sampling import images_for_seeds

    gen, _name = _generator(GanSpec(model=entry.name), ctx)
    for k in range(spec.count):
        yield images_for_seeds(gen, [(spec.seed + k) % (MAX_SEED + 1)])[0]


def run(spec: DatasetSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> DatasetResult:
    t0 = time.perf_counter()
    spec.validate()
    target = ctx.paths.datasets / spec.out.strip()
    if target.exists():
        raise SpecError(_("A dataset called {name} already exists ({path}); choose another name.").format(
            name=spec.out, path=target))
    entry = ctx.registry.resolve(spec.model, task="image")
    unconditional = entry.type in UNCONDITIONAL
    if unconditional and spec.prompts:
        raise SpecError(_("{model} draws without a prompt: leave the prompts empty (its images are captioned "
                          "with its name).").format(model=entry.title))
    labels = list(spec.prompts) or [entry.title if unconditional else ""]
    if not unconditional and not spec.prompts:
        raise SpecError(_("Give the prompts (one per line) whose images the dataset should hold."))
    total = spec.count * len(labels)
    tmp = new_work_folder(target)  # a fresh hidden folder: nothing already there is removed
    done = 0
    try:
        for li, label in enumerate(labels):
            images: Callable[[], Iterator[Any]] = (
                (lambda: _diffusion_images(ctx, entry, spec, label, cancel)) if entry.type not in ("gan", "studio_vae")
                else (lambda: _generator_images(ctx, entry, spec)))
            for k, image in enumerate(images()):
                stem = f"{li:03d}-{k:05d}"
                image.convert("RGB").save(tmp / f"{stem}.png")
                (tmp / f"{stem}.txt").write_text(label + "\n", encoding="utf-8")
                done += 1
                reporter.progress(done, total, _("image {done} of {total}").format(done=done, total=total))
                if cancel.cancelled:
                    break
            if cancel.cancelled:
                break
        if cancel.cancelled:
            shutil.rmtree(tmp, ignore_errors=True)
            return DatasetResult(cancelled=True, images=done)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return DatasetResult(outputs=(str(target),), images=done, folder=str(target), model=entry.name,
                         seconds=round(time.perf_counter() - t0, 3))
