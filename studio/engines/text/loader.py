"""Load a causal language model and its tokenizer as a transformers (torch) model.

Two kinds of model: a transformers folder (``config.json`` + weights + tokenizer files), and a GGUF
file. Generating with a GGUF runs it natively with llama.cpp (``llama_gguf``); this loader is the
GGUF's torch view, for what needs the weights as tensors (training a LoRA on a GGUF base, perplexity):
transformers de-quantizes a GGUF on every load (~15 s for SmolLM2), so the first load converts it once
into a float32 safetensors folder under ``<cache>/converted/<stem>-<fingerprint>`` and later loads
read that copy (well under a second).
"""
from __future__ import annotations

import os

# Tokenizer worker threads starve torch on small CPUs; must be set before `tokenizers` loads.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.models.registry import ModelEntry
from studio.engines.context import EngineContext
from studio.engines.text.frugal import check_fits, precision_label, quantize_int8, text_dtype
from studio.engines.models.gguf_convert import converted_folder, ensure_converted

log = logging.getLogger(__name__)
DEFAULT_CONTEXT = 2048


@dataclass
class LoadedLM:
    """A model ready to generate: the torch module, its tokenizer and its context length."""

    model: Any
    tokenizer: Any
    name: str
    path: str
    context_length: int
    device: str
    precision: str = ""
    """What its weights compute in: "float32", "bfloat16", "int8 dynamic" (TextResult.precision)."""

    @property
    def components(self) -> dict[str, Any]:
        """What the model cache measures to keep its memory budget (same shape as a diffusers pipeline)."""
        return {"model": self.model}

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))


def context_length_of(model: Any, tokenizer: Any) -> int:
    """The longest sequence the model reads: from the config, else the tokenizer, else a default."""
    cfg = getattr(model, "config", None)
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx"):
        v = getattr(cfg, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    v = getattr(tokenizer, "model_max_length", None)
    if isinstance(v, int) and 0 < v < 10**7:
        return v
    return DEFAULT_CONTEXT


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_folder(folder: Path, name: str, device: str, budget_bytes: int = 0) -> LoadedLM:
    """A transformers causal-LM folder in the precision ``device`` computes natively (bf16 on a CPU that has
    it, else float32); ModelError when it is not one, cannot be read, or needs more than ``budget_bytes``."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the studio reports its own progress; tqdm bars garble the CLI

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise ModelError(_("{name} is not a transformers model folder (config.json is missing).").format(name=name))
    try:
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
    except (ValueError, OSError, KeyError) as exc:
        raise ModelError(_("{name} has an unreadable config.json: {error}").format(
            name=name, error=_first_line(exc))) from exc
    archs = getattr(config, "architectures", None) or []
    if archs and not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        raise ModelError(_("{name} is not a causal language model (it is a {architecture}).").format(
            name=name, architecture=archs[0]))
    dtype = text_dtype(device)
    check_fits(folder, name, dtype, budget_bytes)  # refused before loading, with the numbers
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise ModelError(_("{name} has no usable tokenizer: {error}").format(
            name=name, error=_first_line(exc))) from exc
    try:
        # use_safetensors: a pickle (.bin) in the folder is never unpickled, even with weights_only.
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, use_safetensors=True,
                                                     dtype=dtype)
    except (ValueError, OSError, KeyError, RuntimeError) as exc:
        raise ModelError(_("{name} could not be loaded as a text model: {error}").format(
            name=name, error=_first_line(exc))) from exc
    model.to(device)
    model.eval()
    if model.generation_config.pad_token_id is None:
        # Without one, generate() warns on every call and picks eos itself.
        eos = model.generation_config.eos_token_id
        model.generation_config.pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (
            eos[0] if isinstance(eos, list) else eos)
    return LoadedLM(model=model, tokenizer=tokenizer, name=name, path=str(folder),
                    context_length=context_length_of(model, tokenizer), device=device,
                    precision=precision_label(dtype, False))


def load_entry(entry: ModelEntry, ctx: EngineContext, reporter: Reporter | None = None,
               cancel: CancelToken | None = None) -> LoadedLM:
    """Load a registry entry of type ``causal_lm`` or ``gguf`` (converting a GGUF once; cancellable then)."""
    reporter = reporter or NullReporter()
    path = Path(entry.path)
    if not entry.usable:  # the registry's safety check (pickles, broken files) holds for every load
        raise ModelError(_("Model {name!r} cannot be used: {reason}").format(name=entry.name, reason=entry.reason))
    if entry.type == "gguf":
        folder = ensure_converted(path, ctx.paths, reporter, display_name=entry.name, cancel=cancel)
        lm = load_folder(folder, entry.name, ctx.device, ctx.cache.budget_bytes)
        lm.path = str(path)
        return lm
    if entry.type == "causal_lm":  # its progress: the bytes read (the model cache's load events)
        return load_folder(path, entry.name, ctx.device, ctx.cache.budget_bytes)
    if entry.type == "text_lora":  # an adapter trained by the studio, applied to its base model
        from studio.engines.text.adapters import load_text_lora

        return load_text_lora(entry, ctx, reporter)
    raise ModelError(_("Model {model!r} is a {type} model, not a text model.").format(
        model=entry.name, type=entry.type))


def get_text_model(entry: ModelEntry, ctx: EngineContext, reporter: Reporter | None = None,
                   cancel: CancelToken | None = None) -> LoadedLM:
    """The loaded model for ``entry`` from the context's cache (loading it on first use); int8 (dynamic
    quantisation of its Linear layers) on a CPU when Settings.text_int8 is on."""
    int8 = bool(getattr(ctx.settings, "text_int8", False)) and ctx.device == "cpu"
    key = ("text", entry.path, ctx.device) + (("int8",) if int8 else ())

    def load() -> LoadedLM:
        lm = load_entry(entry, ctx, reporter, cancel)
        if int8:
            lm.model, lm.precision = quantize_int8(lm.model), precision_label(None, True)
        return lm

    # A GGUF is read as its safetensors copy (made on first use): those are the bytes the load reads.
    source = converted_folder(ctx.paths, Path(entry.path)) if entry.type == "gguf" else entry.path
    return ctx.cache.get_or_load(key, load, source=source, what=entry.name)


__all__ = ["LoadedLM", "load_folder", "load_entry", "get_text_model", "context_length_of", "converted_folder"]
