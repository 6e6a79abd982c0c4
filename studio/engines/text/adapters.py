"""Text LoRAs trained by the studio (type "text_lora"): the base model with the peft adapter merged in."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.progress import NullReporter, Reporter
from studio.core.models.registry import ModelEntry


def base_entry(entry: ModelEntry, ctx: Any) -> ModelEntry:
    """The base model an adapter folder names (its recorded path first, then its name)."""
    try:
        card = json.loads((Path(entry.path) / "studio_model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(_("{model} has no readable studio_model.json.").format(model=entry.name)) from exc
    base_path, base = str(card.get("base_path") or ""), str(card.get("base") or "")
    for ref in (base_path, base):
        if not ref or (ref == base_path and not Path(ref).exists()):
            continue
        try:
            found = ctx.registry.resolve(ref, task="text")
        except ModelError:
            continue
        if found.type != "text_lora":
            return found
    raise ModelError(_("The base model of the LoRA {model} ({base}) is not installed.").format(
        model=entry.name, base=base or base_path or _("unknown")))


def load_text_lora(entry: ModelEntry, ctx: Any, reporter: Reporter | None = None):
    """A LoadedLM: the base model loaded afresh with the adapter merged into its weights (no slowdown)."""
    from peft import PeftModel

    from studio.engines.text.loader import load_entry

    from peft.utils import SAFETENSORS_WEIGHTS_NAME as ADAPTER_WEIGHTS

    reporter = reporter or NullReporter()
    if not (Path(entry.path) / ADAPTER_WEIGHTS).is_file():  # peft would fall back to a pickled adapter_model.bin
        raise ModelError(_("The LoRA {name} has no {file}; pickled adapters are never loaded.").format(
            name=entry.name, file=ADAPTER_WEIGHTS))
    lm = load_entry(base_entry(entry, ctx), ctx, reporter)
    try:
        model = PeftModel.from_pretrained(lm.model, entry.path, is_trainable=False)
    except (ValueError, OSError, KeyError, RuntimeError) as exc:
        raise ModelError(_("The LoRA {model} does not fit its base model: {error}").format(
            model=entry.name, error=str(exc).splitlines()[0][:160])) from exc
    lm.model = model.merge_and_unload().eval()
    lm.name, lm.path = entry.name, entry.path
    return lm
