"""Apply LoRA files to a diffusers pipeline, refusing ones made for another base family.

The check uses what the model manager read from the LoRA's header (the cross-attention width
of its attention layers: 768 SD 1.x, 1024 SD 2.x, 2048 SDXL) against the pipeline's UNet, so a
mismatch is one clear sentence instead of a shape error deep inside diffusers.
"""
from __future__ import annotations

import logging
from typing import Any, Sequence

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.keypatterns import FAMILY_LABELS, family_for_dim
from studio.core.models.families import PIPELINE_FAMILY, family_label, lora_fits
from studio.core.models.registry import ModelEntry

log = logging.getLogger(__name__)


def lora_problem(lora: ModelEntry, pipe: Any) -> str:
    """Why ``lora`` cannot be applied to ``pipe`` ('' when it fits)."""
    if lora.type != "lora":
        return _("{model} is not a LoRA (it is {type}).").format(model=lora.name, type=lora.type)
    if not lora.usable:
        return _("{model} cannot be used: {reason}").format(model=lora.name, reason=lora.reason)
    base_family = PIPELINE_FAMILY.get(type(pipe).__name__, "")
    if base_family:  # a 2024–26 family: the capability table says which LoRAs fit (diffusers maps the keys)
        if lora_fits(base_family, lora.family):
            return ""
        return _("{model} is a LoRA for {family}; this model is {base}.").format(
            model=lora.name, family=family_label(lora.family), base=family_label(base_family))
    unet = getattr(pipe, "unet", None)
    width = getattr(getattr(unet, "config", None), "cross_attention_dim", None)
    width = width[0] if isinstance(width, (list, tuple)) else width
    want = lora.details.get("cross_attention_dim")
    is_xl = hasattr(pipe, "text_encoder_2")
    lora_label = FAMILY_LABELS.get(lora.family, lora.family) or _("another model")
    base_label = FAMILY_LABELS.get(family_for_dim(width), "") or _("a model with text width {width}").format(
        width=width)
    if lora.family == "sdxl" and not is_xl or (lora.family in ("sd1", "sd2") and is_xl):
        return _("{model} is a LoRA for {family}; this model is {base}.").format(
            model=lora.name, family=lora_label, base="SDXL" if is_xl else base_label)
    if want is not None and width is not None and int(want) != int(width):
        return _("{model} is a LoRA for {family} (text width {want}); this model is {base} (width {width}).").format(
            model=lora.name, family=lora_label, want=want, base=base_label, width=width)
    return ""


def apply_loras(pipe: Any, loras: Sequence[tuple[ModelEntry, float]]) -> list[str]:
    """Load and activate ``loras`` (entry, weight) on ``pipe``; returns the adapter names.

    Raises ModelError for a LoRA of the wrong family or one diffusers cannot map."""
    names, weights = [], []
    for i, (entry, weight) in enumerate(loras):
        problem = lora_problem(entry, pipe)
        if problem:
            raise ModelError(problem)
        name = f"lora{i}"
        try:
            pipe.load_lora_weights(entry.path, adapter_name=name)
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            log.exception("LoRA %s failed to load", entry.path)
            raise ModelError(_("{model} does not fit this model: {error}").format(
                model=entry.name, error=str(exc).splitlines()[0][:160])) from exc
        names.append(name)
        weights.append(float(weight))
    if names:
        pipe.set_adapters(names, adapter_weights=weights)
    return names


def remove_loras(pipe: Any) -> None:
    """Undo ``apply_loras`` so a cached pipeline is clean for the next job."""
    if hasattr(pipe, "unload_lora_weights"):
        pipe.unload_lora_weights()
