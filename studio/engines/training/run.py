"""The training engine entry point: ``run(spec, reporter, cancel, ctx)`` dispatching on ``spec.family``."""
from __future__ import annotations

import importlib

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.results import TrainResult
from studio.core.specs.training import TrainSpec

FAMILIES: dict[str, str] = {
    "text2img": "studio.engines.training.text2img:Text2ImgTrainer",
    "gan": "studio.engines.training.gan:GanTrainer",
    "vae": "studio.engines.training.vae:VaeTrainer",
    "ddpm": "studio.engines.training.ddpm:DdpmTrainer",
    "lora": "studio.engines.training.lora_diffusion:DiffusionLoraTrainer",
    "text_lora": "studio.engines.training.lora_text:TextLoraTrainer",
    "clip": "studio.engines.training.clip:ClipTrainer",
    "mlm": "studio.engines.training.mlm:MlmTrainer",
    "classifier": "studio.engines.training.classifier:ClassifierTrainer",
}


def trainer_class(family: str):
    target = FAMILIES.get(family)
    if target is None:
        raise StudioError(_("Unknown training family {family!r}; choose one of: {families}.").format(
            family=family, families=', '.join(sorted(FAMILIES))))
    module, _sep, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def run(spec: TrainSpec, reporter: Reporter, cancel: CancelToken, ctx) -> TrainResult:
    """Train ``spec.family`` on ``spec.data``; the model lands in the studio's models folder as ``spec.out``."""
    if not isinstance(spec, TrainSpec):
        raise StudioError(_("The training engine was given a job that is not a training job."))
    spec.validate()  # unknown parameters fail before anything loads
    return trainer_class(spec.family)(spec, reporter, cancel, ctx).fit()
