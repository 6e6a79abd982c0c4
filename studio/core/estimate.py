"""A rough duration estimate for a job before it runs, to warn when it will take very long on this device.

The cost model is deliberately simple: a Stable-Diffusion-class UNet step costs about
``CPU_SECONDS_PER_STEP_512`` seconds at 512×512 on a desktop CPU and grows with the pixel count to
the power 1.5 (self-attention grows faster than the convolutions). A GPU is counted ~30× faster.
It is meant to tell "a minute" from "an hour", not to be exact: the warning says "about".
"""
from __future__ import annotations

from studio.core.i18n import _
from studio.core.progress import format_seconds
from studio.core.specs import ImageSpec, Spec

CPU_SECONDS_PER_STEP_512 = 3.0
GPU_SPEEDUP = 30.0
WARN_AFTER_S = 300.0
"""Jobs estimated to take longer than this (5 minutes) are announced before they start."""


def estimate_seconds(spec: Spec, device: str) -> float | None:
    """About how long ``spec`` takes on ``device`` ("cpu", "cuda", "mps"); None when not estimated."""
    if not isinstance(spec, ImageSpec):
        return None
    per_step = CPU_SECONDS_PER_STEP_512 * ((spec.width * spec.height) / (512 * 512)) ** 1.5
    if not device.startswith("cpu"):
        per_step /= GPU_SPEEDUP
    steps = spec.steps if spec.init_image is None else max(1, int(spec.steps * spec.strength))
    return per_step * steps


def long_job_warning(spec: Spec, device: str) -> str:
    """One line announcing a job estimated to take longer than WARN_AFTER_S on ``device``; "" otherwise."""
    seconds = estimate_seconds(spec, device)
    if seconds is None or seconds < WARN_AFTER_S or not isinstance(spec, ImageSpec):
        return ""
    where = _("the CPU") if device.startswith("cpu") else device
    return _("{w}×{h} with {steps} steps on {where} will take about {total} ({per_step} per step); "
             "a smaller size and the upscaler are much faster.").format(
        w=spec.width, h=spec.height, steps=spec.steps, where=where, total=format_seconds(seconds),
        per_step=format_seconds(seconds / max(1, spec.steps)))
