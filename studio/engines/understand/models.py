"""Loading text-understanding models: a base to fine-tune (encoder or causal LM), masked LMs, classifiers.

A base is a studio model (mlm, classifier, language model, the built-in SmolLM2 GGUF through its
converted copy) or any local transformers folder. Its ``config.json`` decides the kind: an encoder
(BERT-like: masked-LM architectures) gets full fine-tuning, a causal LM a LoRA; anything else is
refused with one line.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.progress import NullReporter, Reporter
from studio.core.text_understanding import CLASSIFIER_TYPE, MLM_TYPE

ENCODER, DECODER = "encoder", "decoder"


@dataclass(frozen=True)
class BaseModel:
    name: str
    folder: Path
    kind: str
    """ENCODER or DECODER."""


def base_kind(folder: Path, name: str) -> str:
    """ENCODER or DECODER from the folder's config.json; ModelError for a model that is neither."""
    from transformers.models.auto.modeling_auto import (MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
                                                        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
                                                        MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES)

    try:
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(_("{name} has no readable config.json; it is not a transformers model.").format(
            name=name)) from exc
    mtype = str(cfg.get("model_type", ""))
    archs = [str(a) for a in cfg.get("architectures") or []]
    if mtype in MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES:
        if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs) or (
                mtype in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES and mtype not in MODEL_FOR_MASKED_LM_MAPPING_NAMES):
            return DECODER
        if mtype in MODEL_FOR_MASKED_LM_MAPPING_NAMES or any("Masked" in a or "Sequence" in a for a in archs):
            return ENCODER
    raise ModelError(_("{name} ({kind}) is neither a text encoder (BERT-like) nor a language model; a classifier "
                       "needs one of those.").format(name=name, kind=mtype or (archs[0] if archs else "unknown")))


def resolve_base(name: str, ctx: Any, reporter: Reporter | None = None) -> BaseModel:
    """The model a classifier starts from: a folder path, or a model the registry knows."""
    reporter = reporter or NullReporter()
    if not name:
        raise ModelError(_("Choose the model to fine-tune (--base): an mlm model, a BERT-like encoder or a "
                           "language model."))
    p = Path(name).expanduser()
    if p.is_dir() and (p / "config.json").is_file() and not (p / "studio_model.json").is_file():
        return BaseModel(p.name, p, base_kind(p, p.name))
    entry = ctx.registry.resolve(name)
    if entry.type == CLASSIFIER_TYPE:
        card = json.loads((Path(entry.path) / "studio_model.json").read_text(encoding="utf-8"))
        if card.get("lora"):
            raise ModelError(_("{name} is a LoRA classifier; fine-tune its base model instead.").format(name=entry.name))
        folder = Path(entry.path)
    elif entry.type == "gguf":
        from studio.engines.models.gguf_convert import ensure_converted

        folder = ensure_converted(Path(entry.path), ctx.paths, reporter, display_name=entry.name)
    elif entry.type in (MLM_TYPE, "causal_lm"):
        folder = Path(entry.path)
    else:
        raise ModelError(_("{name} is a {type} model: neither a text encoder nor a language model.").format(
            name=entry.name, type=entry.type))
    return BaseModel(entry.name, folder, base_kind(folder, entry.name))


def load_masked_lm(name: str, ctx: Any):
    """(model, tokenizer) of a masked LM the studio trained (or a local BERT-like folder)."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    entry = ctx.registry.resolve(name)
    if entry.type != MLM_TYPE:
        raise ModelError(_("{name} is not a masked-language model (train one with the mlm family).").format(
            name=entry.name))

    def load():
        folder = Path(entry.path)
        tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModelForMaskedLM.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
        return model.to(ctx.device).eval(), tok

    return ctx.cache.get_or_load(("masked_lm", entry.path, ctx.device), load)


@dataclass
class LoadedClassifier:
    model: Any
    tokenizer: Any
    labels: list[str]
    max_length: int


def load_classifier_folder(folder: Path, device: str = "cpu") -> LoadedClassifier:
    """A classifier folder the studio wrote: a full model, or a LoRA adapter over its recorded base."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    card = json.loads((folder / "studio_model.json").read_text(encoding="utf-8"))
    labels = [str(x) for x in card.get("labels", [])]
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    if card.get("lora"):
        from peft import PeftModel

        base = Path(str(card.get("base_path", "")))
        if not (base / "config.json").is_file():
            raise ModelError(_("The base model of {name} is gone ({path}).").format(name=folder.name, path=str(base)))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base), num_labels=len(labels), local_files_only=True, use_safetensors=True)
        model.config.pad_token_id = tok.pad_token_id
        model = PeftModel.from_pretrained(model, str(folder))
    else:
        model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True,
                                                                   use_safetensors=True)
    return LoadedClassifier(model.to(device).eval(), tok, labels, int(card.get("max_length", 128)))


def load_classifier(name: str, ctx: Any) -> LoadedClassifier:
    """The cached classifier called ``name`` (ModelError when it is not one)."""
    entry = ctx.registry.resolve(name)
    if entry.type != CLASSIFIER_TYPE:
        raise ModelError(_("{name} is not a text classifier (train one with the classifier family).").format(
            name=entry.name))
    return ctx.cache.get_or_load(("text_classifier", entry.path, ctx.device),
                                 lambda: load_classifier_folder(Path(entry.path), ctx.device))
