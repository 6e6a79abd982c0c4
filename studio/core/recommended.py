"""Generation settings a model recommends (studio models ship them in ``studio_model.json``; few-step models
and LoRAs get them from ``studio.core.few_step``)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from studio.core.families import caps_of
from studio.core.registry import ModelEntry
from studio.core.specs import MAX_SIDE, MIN_SIDE, SCHEDULERS, TIMESTEP_SPACINGS, ImageSpec


def _family_defaults(entry: ModelEntry) -> dict[str, Any]:
    """A 2024–26 family's own steps, CFG and size (the capability table), for models that ship none."""
    caps = caps_of(entry)
    return {"steps": caps.steps, "guidance": caps.cfg, "size": caps.size} if caps.flow else {}


def image_side(entry: ModelEntry) -> int:
    """The model's own image size within what an ImageSpec allows; 512 when it declares none."""
    details = entry.details or {}
    side = details.get("default_size") or details.get("sample_size_px") or _family_defaults(entry).get("size") or 512
    return max(MIN_SIDE, min(MAX_SIDE, int(side) // 8 * 8))


def sampling_settings(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The ImageSpec fields a recommendation sets for sampling (steps, guidance, scheduler, timestep spacing),
    those it states with a usable value only."""
    out: dict[str, Any] = {}
    if isinstance(rec.get("steps"), int) and not isinstance(rec.get("steps"), bool):
        out["steps"] = int(rec["steps"])
    if isinstance(rec.get("guidance"), (int, float)) and not isinstance(rec.get("guidance"), bool):
        out["guidance"] = float(rec["guidance"])
    if rec.get("scheduler") in SCHEDULERS:
        out["scheduler"] = str(rec["scheduler"])
    if "scheduler" in out or rec.get("timestep_spacing"):  # a sampler chosen with the model's own spacing resets it
        spacing = str(rec.get("timestep_spacing") or "")
        out["timestep_spacing"] = spacing if spacing in TIMESTEP_SPACINGS else ""
    return out


def recommended_image_spec(entry: ModelEntry, prompt: str, seed: int, steps: int | None = None,
                           loras: Iterable[ModelEntry] = (), **overrides: Any) -> ImageSpec:
    """An ImageSpec for ``entry`` at its own size, with the steps/guidance/scheduler/upscaler it recommends
    (a 2024–26 family that ships none: its own, from the capability table).

    ``loras``: the job's LoRA entries; a few-step one (an LCM-LoRA) recommends the sampling settings instead.
    """
    from studio.core.few_step import recommendation

    rec = (entry.details or {}).get("recommended") or _family_defaults(entry)
    side = image_side(entry)
    values: dict[str, Any] = dict(prompt=prompt, model=entry.name, seed=seed, width=side, height=side, steps=20,
                                  guidance=7.5, scheduler="euler",
                                  upscale=str(rec.get("upscale") or ""))  # small models are shown upscaled
    values.update(sampling_settings(rec))
    values.update(sampling_settings(recommendation(loras)[1]))
    if steps is not None:
        values["steps"] = int(steps)
    values.update(overrides)
    return ImageSpec(**values)
