"""A DeepCache-style UNet feature cache (Ma et al. 2023, "DeepCache: Accelerating Diffusion Models for Free").

A UNet's deep blocks change slowly from one denoising step to the next. Every ``interval``-th step the
whole UNet runs and the output of its deep part (the features entering the last ``depth`` up blocks) is
kept; in the steps between, only the shallow part runs — ``conv_in``, the first ``depth`` down blocks
(their skip connections) and the last ``depth`` up blocks — and the deep blocks return what they gave at
the last full step, without computing anything. Faster, and the image differs slightly.

It hooks the blocks of a diffusers ``UNet2DConditionModel`` (their ``forward``, set on the instance and
removed again by :func:`disable`), so the UNet's own ``forward`` runs unchanged. Steps are told apart by
the timestep: a call with a new timestep is a new step; a timestep higher than the last one starts a new
image. The ``deepcache`` package on PyPI (0.1.1, 2023) does the same by wrapping every layer's
``forward`` keyed on the scheduler's timestep list; it is unmaintained, so the studio keeps its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

ATTR = "_studio_feature_cache"
"""The attribute of a UNet that holds its :class:`FeatureCache` while the cache is on."""


@dataclass
class FeatureCache:
    """The state of the cache on one UNet: which step it is at and the deep blocks' last outputs."""

    interval: int
    depth: int
    step: int = -1
    last_t: float | None = None
    key: tuple[Any, ...] = ()
    """Shape, dtype and device of the last step's input: a change (another size, batch) forces a full step."""
    outputs: dict[tuple[int, int], Any] = field(default_factory=dict)
    """Output of each deep block at the last full step, by (call within the step, block position in
    :func:`_deep_blocks`): a pipeline that calls the UNet twice per step (conditional, unconditional) keeps both."""
    call: int = 0
    """Which call of the UNet within the current step this is."""
    full_steps: int = 0
    shallow_steps: int = 0
    full_now: bool = True
    handle: Any = None
    blocks: list[torch.nn.Module] = field(default_factory=list)

    def begin_call(self, sample: torch.Tensor, timestep: Any) -> None:
        """Called before every UNet forward: decides whether this step is a full one."""
        t = float(timestep.flatten()[0]) if isinstance(timestep, torch.Tensor) else float(timestep)
        key = (tuple(sample.shape), sample.dtype, sample.device)
        if self.last_t is None or t > self.last_t or key != self.key:
            self.step, self.outputs = -1, {}  # a new image (or another size): start with a full step
        if t != self.last_t or self.step < 0:
            self.step, self.call = self.step + 1, 0
            full = self.step % self.interval == 0
            self.full_steps += full
            self.shallow_steps += not full
        else:
            self.call += 1
        # A call with nothing kept for it (the first step, a new call within the step) runs in full.
        self.full_now = self.step % self.interval == 0 or any(
            (self.call, i) not in self.outputs for i in range(len(self.blocks)))
        self.last_t, self.key = t, key


def _deep_blocks(unet: Any, depth: int) -> list[torch.nn.Module]:
    """The blocks a shallow step does not compute: down blocks after the first ``depth``, the mid block,
    and the up blocks before the last ``depth``."""
    blocks = list(unet.down_blocks)[depth:]
    if unet.mid_block is not None:
        blocks.append(unet.mid_block)
    return blocks + list(unet.up_blocks)[:len(unet.up_blocks) - depth]


def depth_problem(unet: Any, depth: int) -> str | None:
    """Why ``depth`` does not fit this UNet (None when it does); English, for the engine's own checks."""
    n = len(getattr(unet, "down_blocks", ()))
    if not 1 <= depth < n or len(unet.up_blocks) != n:
        return f"depth {depth} needs 1 ≤ depth < {n} (the UNet's down blocks)"
    return None


def _wrap(cache: FeatureCache, index: int, block: torch.nn.Module) -> None:
    original = block.forward  # the class's bound forward: the instance attribute set here shadows it

    def forward(*args: Any, **kwargs: Any) -> Any:
        if not cache.full_now:
            return cache.outputs[cache.call, index]  # a shallow step: what it gave at the last full step
        out = original(*args, **kwargs)
        cache.outputs[cache.call, index] = out
        return out

    block.forward = forward


def enable(unet: Any, interval: int, depth: int) -> FeatureCache:
    """Turn the cache on for ``unet`` (a ``UNet2DConditionModel``); :func:`disable` turns it off."""
    disable(unet)
    problem = depth_problem(unet, depth)
    if problem or interval < 1:
        raise ValueError(problem or f"interval {interval} must be at least 1")
    cache = FeatureCache(interval=interval, depth=depth, blocks=_deep_blocks(unet, depth))
    for index, block in enumerate(cache.blocks):
        _wrap(cache, index, block)

    def before(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        sample = args[0] if args else kwargs["sample"]
        cache.begin_call(sample, args[1] if len(args) > 1 else kwargs["timestep"])

    cache.handle = unet.register_forward_pre_hook(before, with_kwargs=True)
    setattr(unet, ATTR, cache)
    return cache


def disable(unet: Any) -> None:
    """Turn the cache off: the blocks' own ``forward`` again, the kept features dropped."""
    cache = getattr(unet, ATTR, None)
    if not isinstance(cache, FeatureCache):
        return
    cache.handle.remove()
    for block in cache.blocks:
        block.__dict__.pop("forward", None)
    cache.outputs.clear()
    delattr(unet, ATTR)


def active(unet: Any) -> FeatureCache | None:
    """The cache on ``unet``, if on (its step counts tell a test or a benchmark what was skipped)."""
    cache = getattr(unet, ATTR, None)
    return cache if isinstance(cache, FeatureCache) else None
