"""Generation settings a model recommends (studio models ship them in ``studio_model.json``)."""
from __future__ import annotations

from typing import Any

from studio.core.registry import ModelEntry
from studio.core.specs import MAX_SIDE, MIN_SIDE, SCHEDULERS, ImageSpec


def image_side(entry: ModelEntry) -> int:
    """The model's own image size within what an ImageSpec allows; 512 when it declares none."""
    details = entry.details or {}
    side = details.get("default_size") or details.get("sample_size_px") or 512
    return max(MIN_SIDE, min(MAX_SIDE, int(side) // 8 * 8))


def recommended_image_spec(entry: ModelEntry, prompt: str, seed: int, steps: int | None = None,
                           **overrides: Any) -> ImageSpec:
    """An ImageSpec for ``entry`` at its own size, with the steps/guidance/scheduler/upscaler it recommends."""
    rec = (entry.details or {}).get("recommended") or {}
    side = image_side(entry)
    scheduler = str(rec.get("scheduler", "euler"))
    values: dict[str, Any] = dict(
        prompt=prompt, model=entry.name, seed=seed, width=side, height=side,
        steps=int(steps if steps is not None else rec.get("steps", 20)),
        guidance=float(rec.get("guidance", 7.5)),
        scheduler=scheduler if scheduler in SCHEDULERS else "euler",
        upscale=str(rec.get("upscale") or ""))  # small models are shown upscaled (e.g. Studio Fashion)
    values.update(overrides)
    return ImageSpec(**values)
