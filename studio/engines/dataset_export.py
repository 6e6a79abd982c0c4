"""Data augmentation: a trained model's images, N per prompt (or label), as a captioned dataset folder.

The folder (``<home>/datasets/<name>``) holds ``<label>-<n>.png`` with a same-stem ``.txt`` caption,
the layout every image trainer reads. Diffusion models (Stable Diffusion, the studio's text-to-image
and DDPM models) are sampled through the image engine's own pipeline code, GANs and VAEs as latent
models (:mod:`studio.engines.common.latent`); seeds are ``seed, seed+1, …`` so a dataset can be made again exactly.
The folder is written beside its final name and renamed when complete: a cancelled or failed run
leaves nothing half made, and an existing dataset is never replaced.

Under ``accelerate launch`` / ``torchrun`` each process makes its share of the images into the same
hidden folder (the main process makes it; every process needs the same studio home), and the main
process renames it once all are done. A process that dies leaves the finished images in that folder,
which the error line names.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.models.swap import new_work_folder
from studio.core.models.recommended import recommended_image_spec
from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.results import DatasetResult, ImageResult
from studio.core.specs.base import MAX_SEED
from studio.core.specs.training import DatasetSpec
from studio.engines.context import EngineContext
from studio.engines.launch import Launch, LaunchLost

UNCONDITIONAL = ("gan", "studio_vae", "studio_ddpm")


def _diffusion_maker(ctx: EngineContext, entry: Any, spec: DatasetSpec,
                     cancel: CancelToken) -> Callable[[str, int], Any]:
    """A function (prompt, seed) -> image from a diffusion model at its own size and recommended settings
    (None: cancelled)."""
    from studio.engines.diffusion.generate import _generate, pipeline_for_job
    from studio.engines.diffusion.loader import load_pipeline

    pipe, facts = load_pipeline(ctx, entry)
    quiet = NullReporter()

    def make(prompt: str, seed: int) -> Any:
        one = recommended_image_spec(entry, prompt, seed, steps=spec.steps or None, upscale="").clean()
        with pipeline_for_job(ctx, pipe, facts, one.loras):
            out = _generate(one, quiet, cancel, ctx, entry, pipe, facts, quiet.log)
        return None if isinstance(out, ImageResult) else out[0]  # an ImageResult: cancelled

    return make


def _generator_maker(ctx: EngineContext, entry: Any) -> Callable[[str, int], Any]:
    from studio.engines.common.latent import load_generator
    from studio.engines.common.sampling import images_for_seeds

    gen, _name = load_generator(ctx, entry.name)
    return lambda _prompt, seed: images_for_seeds(gen, [seed])[0]


def _kept(folder: Path, exc: LaunchLost) -> LaunchLost:
    """The launch's failure, saying where the images already made are kept (the dataset was not made)."""
    made = len(list(folder.glob("*.png"))) if folder.is_dir() else 0
    return LaunchLost(_("{reason} The dataset was not made; the {n} images already made are kept in {folder}.")
                      .format(reason=exc, n=made, folder=folder))


def run(spec: DatasetSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> DatasetResult:
    t0 = time.perf_counter()
    spec.validate()
    launch = Launch.start(ctx)  # one process, or this process's share of an accelerate/torchrun launch
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
    # Item i is image i % count of prompt i // count: its file name and seed come from i alone.
    mine = launch.share(total)
    tmp = Path(launch.broadcast(str(new_work_folder(target)) if launch.is_main else ""))
    if not tmp.is_dir():  # a process on another machine: the studio home must be shared
        raise LaunchLost(_("Process {rank} of {n} cannot see the dataset folder {folder}: every process of a launch "
                           "needs the same studio home (a shared folder).").format(rank=launch.rank, n=launch.size,
                                                                                 folder=tmp))
    if launch.distributed:
        reporter.log(_("{n} processes share the {total} images ({mine} in this one).").format(
            n=launch.size, total=total, mine=len(mine)))
    done = 0
    try:
        if mine:
            make = (_generator_maker(ctx, entry) if entry.type in ("gan", "studio_vae")
                    else _diffusion_maker(ctx, entry, spec, cancel))
        for i in mine:
            if cancel.cancelled:
                break
            li, k = divmod(i, spec.count)
            image = make(labels[li], (spec.seed + k) % (MAX_SEED + 1))
            if image is None:
                break
            stem = f"{li:03d}-{k:05d}"
            image.convert("RGB").save(tmp / f"{stem}.png")
            (tmp / f"{stem}.txt").write_text(labels[li] + "\n", encoding="utf-8")
            done += 1
            reporter.progress(done, len(mine), _("image {done} of {total}").format(done=done, total=len(mine)))
            launch.maybe_die(done)
        shares = launch.gather((done, cancel.cancelled))  # also the barrier: every share is written
    except LaunchLost as exc:  # another process died: what was made stays where it is
        raise _kept(tmp, exc) from exc
    except BaseException:
        if not launch.distributed:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    made = sum(n for n, _c in shares)
    if not launch.is_main:
        return DatasetResult(images=done, folder="", model=entry.name)
    if any(c for _n, c in shares):
        shutil.rmtree(tmp, ignore_errors=True)
        return DatasetResult(cancelled=True, images=made)
    tmp.rename(target)
    return DatasetResult(outputs=(str(target),), images=made, folder=str(target), model=entry.name,
                         seconds=round(time.perf_counter() - t0, 3))
