"""A caption from an installed image-to-text model (BLIP, GIT, Florence-2 through transformers).

``find_captioner`` picks the model a describe job uses ("" = the first installed one, "none" = none);
``caption`` loads it once (cached in the engine context) and writes one short caption, greedily, so the
same image always gets the same caption.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.registry import CAPTION_TYPES, TYPE_LABELS, ModelEntry
from studio.core.specs.base import NO_CLIP

MAX_CAPTION_TOKENS = 30


@dataclass
class Captioner:
    model: torch.nn.Module
    processor: object
    name: str

    @property
    def components(self) -> dict[str, torch.nn.Module]:
        return {"model": self.model}


def find_captioner(ctx, name: str) -> ModelEntry | None:
    """The captioning model the job names (checked), the first installed one for "", None for "none"."""
    if name == NO_CLIP:
        return None
    if not name:
        return ctx.registry.default("caption")
    entry = ctx.registry.resolve(name)
    if entry.type not in CAPTION_TYPES:
        raise ModelError(_("{name} is a {kind} model, not an image captioning model (BLIP, GIT or Florence-2).")
                         .format(name=entry.name, kind=_(TYPE_LABELS.get(entry.type, entry.type))))
    return entry


def load_captioner(ctx, entry: ModelEntry) -> Captioner:
    def load() -> Captioner:
        from transformers import AutoModelForImageTextToText, AutoProcessor

        try:
            processor = AutoProcessor.from_pretrained(entry.path, local_files_only=True)
            model = AutoModelForImageTextToText.from_pretrained(entry.path, local_files_only=True,
                                                                use_safetensors=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(_("The captioning model {name} cannot be loaded: {error}").format(
                name=entry.name, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from exc
        return Captioner(model.to(ctx.device).eval().requires_grad_(False), processor, entry.title)

    return ctx.cache.get_or_load(("captioner", entry.path, ctx.device), load)


@torch.no_grad()
def caption(captioner: Captioner, image) -> str:
    """One caption of a PIL image (greedy decoding, at most MAX_CAPTION_TOKENS new tokens)."""
    inputs = captioner.processor(images=image, return_tensors="pt").to(captioner.model.device)
    out = captioner.model.generate(**inputs, max_new_tokens=MAX_CAPTION_TOKENS, do_sample=False, num_beams=1)
    text = captioner.processor.batch_decode(out, skip_special_tokens=True)[0]
    return " ".join(text.split())
