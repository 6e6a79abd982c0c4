"""Route a spec to its engine function by kind. Engines are imported on first use."""
from __future__ import annotations

import importlib
from typing import Callable

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.results import JobResult
from studio.core.specs.base import Spec
from studio.engines.context import EngineContext

ENGINES: dict[str, str] = {
    "image": "studio.engines.diffusion.generate:run",
    "text": "studio.engines.text.generate:run",
    "upscale": "studio.engines.upscale.run:run",
    "train": "studio.engines.training.run:run",
    "gan": "studio.engines.gan.run:run",
    "guided": "studio.engines.clip.guided:run",
    "download": "studio.engines.download_job:run",
    "convert": "studio.engines.models.convert:run",
    "export_single_file": "studio.engines.models.sd_keys:run",
    "vae": "studio.engines.vae.run:run",
    "dataset": "studio.engines.dataset_export:run",
    "evaluate": "studio.engines.evaluate:run",
    "grid": "studio.engines.grid:run",
    "fill_mask": "studio.engines.understand.run:fill_mask",
    "classify": "studio.engines.understand.run:classify",
    "describe": "studio.engines.clip.describe:run",
}

EngineFn = Callable[[Spec, Reporter, CancelToken, EngineContext], JobResult]


def engine_for(kind: str) -> EngineFn:
    target = ENGINES.get(kind)
    if target is None:
        raise StudioError(_("No engine for jobs of kind {kind!r}.").format(kind=kind))
    module, _sep, name = target.partition(":")  # not `_`: that is the translation function here
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("studio"):
            raise StudioError(_("The {kind} engine is not available in this build.").format(kind=kind)) from exc
        raise


def run_spec(spec: Spec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> JobResult:
    """Validate ``spec`` and run it on its engine, under the content filter (the one place every job
    passes, from the window's engine host and the CLI alike)."""
    from studio.engines.content_guard import run_guarded

    from studio.engines.load_meter import job_reporter

    for warning in spec.validate():
        reporter.log(warning)
    with job_reporter(reporter):  # every model load of the job reports its bytes read to it
        return run_guarded(spec, reporter, cancel, ctx, engine_for(spec.kind))
