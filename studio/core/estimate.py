"""A rough duration estimate for a job before it runs, to warn when it will take very long on this device.

Measured first: every text-to-image job records how long one denoising step took (``ImageResult.step_seconds``,
model loading and decoding left out) and on which device, in the history. The median speed of the model's
newest images on the same kind of device is the estimate's base (:func:`measured_speed`): a small model's
step costs what it cost here, not what a Stable Diffusion UNet's would.

Without a measurement (a model's first image here), a Stable-Diffusion-class UNet is assumed: a step costs
about ``CPU_SECONDS_PER_STEP_512`` seconds at 512×512 on a desktop CPU, a GPU ~30× less.

Either way the cost grows with the pixel count to the power 1.5 (self-attention grows faster than the
convolutions). It is meant to tell "a minute" from "an hour", not to be exact: the warning says "about".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from studio.core.store.gallery import GalleryEntry, GalleryStore
from studio.core.i18n import _
from studio.core.progress import format_seconds
from studio.core.specs.image import ImageSpec
from studio.core.specs.base import Spec

CPU_SECONDS_PER_STEP_512 = 3.0
GPU_SPEEDUP = 30.0
WARN_AFTER_S = 300.0
"""Jobs estimated to take longer than this (5 minutes) are announced before they start."""
SIZE_EXPONENT = 1.5
LOOK_BACK = 50
"""How many of the model's newest history images are searched for a measured speed."""
MEDIAN_OF = 5
"""How many measurements (the newest) the typical speed is the median of."""


@dataclass(frozen=True)
class StepSpeed:
    """One denoising step of a model, as measured: ``seconds`` at ``width``×``height`` on ``device``."""

    seconds: float
    width: int
    height: int
    device: str


def _device_kind(device: str) -> str:
    return device.split(":", 1)[0]  # "cuda:1" runs like "cuda"


def _measurement(e: GalleryEntry, model: str, device: str) -> StepSpeed | None:
    """The step speed an entry's result recorded, if it is a text-to-image of ``model`` on ``device``'s kind."""
    info = e.info
    seconds = info.get("step_seconds")
    width = info.get("native_width") or info.get("width")  # before any upscale: the size the model drew
    height = info.get("native_height") or info.get("height")
    if (e.model != model or info.get("operation") or not isinstance(seconds, (int, float)) or seconds <= 0
            or _device_kind(str(info.get("device", ""))) != _device_kind(device)
            or not isinstance(width, int) or not isinstance(height, int) or width <= 0 or height <= 0):
        return None
    return StepSpeed(float(seconds), width, height, str(info["device"]))


def speed_of(entries: Iterable[GalleryEntry], model: str, device: str) -> StepSpeed | None:
    """The typical measured step speed among ``entries`` (newest first) of ``model`` on ``device``'s kind: the
    median, by cost per pixel, of its newest MEDIAN_OF measurements (one run on a busy machine is not the rule)."""
    found: list[StepSpeed] = []
    for e in entries:
        m = _measurement(e, model, device)
        if m is not None:
            found.append(m)
            if len(found) == MEDIAN_OF:
                break
    if not found:
        return None
    found.sort(key=lambda m: m.seconds / (m.width * m.height) ** SIZE_EXPONENT)
    return found[len(found) // 2]


def measured_speed(gallery: GalleryStore, model: str, device: str) -> StepSpeed | None:
    """How fast ``model`` (its registry name) ran its text-to-image jobs here; None when never measured."""
    if not model:
        return None
    return speed_of(gallery.search(model=model, kind=ImageSpec.kind, media="image", limit=LOOK_BACK), model, device)


def _short(seconds: float) -> str:
    """A step's time: "0.042 s", "3.1 s", "1:05"."""
    return f"{seconds:.2g} s" if seconds < 10 else format_seconds(seconds)


def _steps(spec: ImageSpec) -> int:
    return spec.steps if spec.init_image is None else max(1, int(spec.steps * spec.strength))


def seconds_per_step(spec: ImageSpec, device: str, measured: StepSpeed | None = None) -> float:
    """About how long one step of ``spec`` takes: ``measured`` scaled to the spec's size, else the SD prior."""
    pixels = spec.width * spec.height
    if measured is not None:
        return measured.seconds * (pixels / (measured.width * measured.height)) ** SIZE_EXPONENT
    per_step = CPU_SECONDS_PER_STEP_512 * (pixels / (512 * 512)) ** SIZE_EXPONENT
    return per_step if device.startswith("cpu") else per_step / GPU_SPEEDUP


def estimate_seconds(spec: Spec, device: str, measured: StepSpeed | None = None) -> float | None:
    """About how long ``spec`` takes on ``device`` ("cpu", "cuda", "mps"); None when not estimated."""
    if not isinstance(spec, ImageSpec):
        return None
    return seconds_per_step(spec, device, measured) * _steps(spec)


def long_job_warning(spec: Spec, device: str, measured: StepSpeed | None = None) -> str:
    """One line announcing a job estimated to take longer than WARN_AFTER_S on ``device``; "" otherwise.
    ``measured``: the model's own speed here (:func:`measured_speed`), else an SD-class model is assumed."""
    seconds = estimate_seconds(spec, device, measured)
    if seconds is None or seconds < WARN_AFTER_S or not isinstance(spec, ImageSpec):
        return ""
    where = _("the CPU") if device.startswith("cpu") else device
    line = _("{w}×{h} with {steps} steps on {where} will take about {total} ({per_step} per step); "
             "a smaller size and the upscaler are much faster.").format(
        w=spec.width, h=spec.height, steps=spec.steps, where=where, total=format_seconds(seconds),
        per_step=_short(seconds / max(1, _steps(spec))))
    if measured is not None:
        line += " " + _("(From this model's last image here: {per_step} per step at {w}×{h}.)").format(
            per_step=_short(measured.seconds), w=measured.width, h=measured.height)
    return line
