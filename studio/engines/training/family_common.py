"""Small pieces the GAN, VAE, DDPM and LoRA trainers share: datasets, batches, LoRA-only checkpoints."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch

from studio.core.errors import StudioError
from studio.core.i18n import _


def load_images(trainer: Any, channels: int | None = None, any_size: bool = False):
    """The spec's dataset at ``spec.size`` (images kept on the trainer's device; bad files are reported).

    ``any_size``: the model checks its own size (the fully-connected GAN draws MNIST's 28 px); else the
    side must be a power of two from 16 to 128, as convolutions halve it."""
    from studio.engines.datasets import load_dataset

    size = trainer.spec.size
    if not any_size and (size < 16 or size > 128 or size & (size - 1)):
        raise StudioError(_("Image size must be a power of two from 16 to 128 (got {size}).").format(size=size))
    ch = trainer.params.get("image_channels") or channels
    ds = load_dataset(trainer.spec.data, size=size, channels=int(ch) if ch else None, reporter=trainer.reporter,
                      limit=trainer.params.get("limit"))
    if trainer.params.get("flip"):
        ds.images = torch.cat([ds.images, ds.images.flip(-1)])
        if ds.captions:
            ds.captions = ds.captions * 2
    ds.images = ds.images.to(trainer.device)
    trainer.reporter.log(_("Dataset {dataset}: {count} images, {channels} channel(s), {size}×{size} px.").format(
        dataset=ds.name or trainer.spec.data, count=len(ds), channels=ds.channels, size=ds.size))
    return ds


def draw_batch(trainer: Any, ds: Any, step: int) -> torch.Tensor:
    """A batch in [-1, 1] for ``step``, drawn with the step's own generator (resume-exact)."""
    gc = trainer.cpu_generator(step)
    idx = torch.randint(0, len(ds), (trainer.spec.batch,), generator=gc)
    x, _ = ds.batch(idx, gc)
    return x.to(trainer.device, torch.float32)


class TrainableParams:
    """The trainable parameters of a (mostly frozen) model, as a checkpointable module look-alike.

    LoRA checkpoints then hold only the adapter weights (kilobytes), not the frozen base model.
    """

    def __init__(self, named: Iterable[tuple[str, torch.nn.Parameter]]) -> None:
        self.params = {n: p for n, p in named if p.requires_grad}

    def parameters(self) -> list[torch.nn.Parameter]:
        return list(self.params.values())

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {n: p.detach() for n, p in self.params.items()}

    def load_state_dict(self, state: Mapping[str, torch.Tensor]) -> None:
        missing = set(self.params) - set(state)
        if missing:
            raise StudioError(_("The checkpoint lacks {count} trained weights (e.g. {example}); it was made "
                                "with other settings.").format(count=len(missing), example=sorted(missing)[0]))
        with torch.no_grad():
            for n, p in self.params.items():
                p.copy_(state[n].to(p.device, p.dtype))


def warmup_lambda(warmup: int):
    """LR multiplier: linear warm-up over ``warmup`` steps, then constant."""
    warmup = max(0, int(warmup))
    return _Warmup(warmup)


class _Warmup:
    def __init__(self, warmup: int) -> None:
        self.warmup = warmup

    def __call__(self, step: int) -> float:
        return 1.0 if step >= self.warmup else (step + 1) / self.warmup


@torch.no_grad()
def recalibrated(module: torch.nn.Module, inputs: Iterable[torch.Tensor], call=None) -> torch.nn.Module:
    """An eval-mode copy of ``module`` whose batch-norm statistics are exact averages over ``inputs``.

    The running averages kept while training lag behind the weights (momentum 0.1, starting from
    mean 0 / variance 1), which makes eval-mode samples of a young model washed out; recomputing them
    for the current weights makes the saved model generate what the train-mode model draws.
    """
    import copy

    twin = copy.deepcopy(module)
    norms = [m for m in twin.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    twin.train()
    for x in inputs:
        twin(x) if call is None else call(twin, x)
    for m in norms:
        m.momentum = 0.1
    return twin.eval()
