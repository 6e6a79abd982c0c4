"""Load image pipelines from local folders (through the model cache) with clear errors for broken models."""
from __future__ import annotations

import hashlib
import importlib
import json
import logging
import struct
import threading
from pathlib import Path
from typing import Any

import torch

from studio.core.atomic import atomic_write_text
from studio.core.errors import ModelError
from studio.core.registry import ModelEntry
from studio.engines.context import EngineContext
from studio.engines.devices import default_dtype

log = logging.getLogger(__name__)

STUDIO_PIPELINE_MODULE = "studio.engines.pipelines.studio_pipeline"
SINGLE_FILE_MODULE = "studio.engines.diffusion.single_file"
HASH_MAX_BYTES = 256 * 2**20
"""Weights files larger than this are not hashed inline (the model manager's hash cache does it)."""


def resolve(ctx: EngineContext, name_or_path: str) -> ModelEntry:
    """The registry entry for an image model (ModelError when missing or unusable)."""
    return ctx.registry.resolve(name_or_path, task="image")


def family_of(entry: ModelEntry, pipe: Any) -> str:
    """'sdxl', 'sd' or 'studio' (decides preview factors and prompt encoding)."""
    cls = type(pipe).__name__
    if "XL" in cls or entry.family == "sdxl":
        return "sdxl"
    if entry.type == "studio_pipeline" or entry.family == "studio":
        return "studio"
    return "sd"


def load_pipeline(ctx: EngineContext, entry: ModelEntry) -> tuple[Any, dict[str, Any]]:
    """(pipeline, facts) for ``entry`` from the cache, loading it on first use.

    facts: family, channels (latent channels of the denoiser), dtype, scheduler_config (the model's
    own), lock (held while a job uses the pipeline).
    """
    dtype = default_dtype(ctx.device)
    key = ("image-pipeline", entry.type, str(Path(entry.path).resolve()), ctx.device, str(dtype))
    return ctx.cache.get_or_load(key, lambda: _load(entry, ctx.device, dtype))


def _quiet_library_progress_bars() -> None:
    """The studio reports loading itself; the libraries' own tqdm bars would only clutter stderr."""
    import diffusers.utils.logging as dlog
    import transformers.utils.logging as tlog

    dlog.disable_progress_bar()
    tlog.disable_progress_bar()
    # transformers warns about torchvision (kept out of the studio on purpose) on every pipeline import.
    if tlog.get_verbosity() < tlog.ERROR:
        tlog.set_verbosity_error()


def _load(entry: ModelEntry, device: str, dtype: torch.dtype) -> tuple[Any, dict[str, Any]]:
    _quiet_library_progress_bars()
    if entry.type == "sd_single_file":
        try:
            single_file = importlib.import_module(SINGLE_FILE_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name == SINGLE_FILE_MODULE:
                raise ModelError("Single-file checkpoints are not supported yet; use a diffusers folder.") from exc
            raise
        pipe = single_file.load(entry, device, dtype)
    elif entry.type in ("diffusers", "studio_pipeline"):
        pipe = _load_folder(Path(entry.path), entry, dtype)
    else:
        raise ModelError(f"Model {entry.name!r} is a {entry.type} model; the diffusion engine cannot run it.")
    try:
        pipe = pipe.to(device)
    except RuntimeError as exc:
        raise ModelError(f"Cannot move {entry.name!r} to {device}: {str(exc).splitlines()[0]}") from exc
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)  # the studio reports progress itself
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    channels = int(getattr(getattr(denoiser, "config", None), "in_channels", 4) or 4)
    facts = {"family": family_of(entry, pipe), "channels": channels, "dtype": dtype, "lock": threading.Lock(),
             "scheduler_config": dict(pipe.scheduler.config) if getattr(pipe, "scheduler", None) else {}}
    return pipe, facts


def _pipeline_class(folder: Path, entry: ModelEntry, index: dict[str, Any]):
    from diffusers import DiffusionPipeline

    if entry.type != "studio_pipeline":
        return DiffusionPipeline
    cls_name = str(index.get("_class_name", ""))
    try:
        module = importlib.import_module(STUDIO_PIPELINE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("studio"):
            raise ModelError(f"{entry.name!r} needs the studio's own pipeline, which this build lacks.") from exc
        raise
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ModelError(f"{entry.name!r} uses pipeline class {cls_name!r}, unknown to this version of the studio.")
    return cls


def _load_folder(folder: Path, entry: ModelEntry, dtype: torch.dtype) -> Any:
    if not folder.is_dir():
        raise ModelError(f"Model folder not found: {folder}")
    index_file = folder / "model_index.json"
    if not index_file.is_file():
        raise ModelError(f"{folder.name} is not a diffusers pipeline folder (it has no model_index.json).")
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"{folder.name}/model_index.json is not valid JSON ({exc}).") from exc
    missing = [k for k, v in index.items()
               if not k.startswith("_") and isinstance(v, list) and v and v[0] and not (folder / k).is_dir()]
    if missing:
        raise ModelError(f"{folder.name} is incomplete: components missing: {', '.join(missing)}.")
    cls = _pipeline_class(folder, entry, index)
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, use_safetensors=True, dtype=dtype)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError, EnvironmentError) as exc:
        bad = find_broken_safetensors(folder)
        if bad is not None:
            raise ModelError(f"{bad.relative_to(folder)} in {folder.name} is truncated or corrupt; "
                             f"download or copy it again.") from exc
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"Cannot load {folder.name}: {first}") from exc


def safetensors_problem(path: Path) -> str | None:
    """Why ``path`` is not a complete .safetensors file, or None when its header and size agree."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            raw = fh.read(8)
            if len(raw) < 8:
                return "shorter than a header"
            (n,) = struct.unpack("<Q", raw)
            if n > min(size - 8, 100 * 2**20):
                return "header length is impossible"
            header = json.loads(fh.read(n))
    except (OSError, ValueError) as exc:
        return f"unreadable header ({exc})"
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)]
    if 8 + n + max(ends, default=0) != size:
        return "size does not match its header"
    return None


def find_broken_safetensors(folder: Path) -> Path | None:
    """The first .safetensors file under ``folder`` that is truncated or corrupt."""
    for f in sorted(folder.rglob("*.safetensors")):
        if safetensors_problem(f) is not None:
            return f
    return None


def _weights_file(entry: ModelEntry) -> Path | None:
    p = Path(entry.path)
    if p.is_file():
        return p
    for rel in ("unet/diffusion_pytorch_model.safetensors", "transformer/diffusion_pytorch_model.safetensors"):
        if (p / rel).is_file():
            return p / rel
    return None


def model_hash(ctx: EngineContext, entry: ModelEntry) -> str:
    """The short AutoV2 hash (first 10 hex of SHA-256) of the model's main weights file, or "".

    Uses a hash the model manager recorded in the entry when there is one; otherwise hashes
    files up to HASH_MAX_BYTES, remembered in ``cache/image-model-hashes.json`` by path, size and
    mtime; bigger files are omitted rather than blocking the job.
    """
    for key in ("autov2", "sha256"):
        value = str(entry.details.get(key, "") or "")
        if value:
            return value[:10].lower()
    f = _weights_file(entry)
    if f is None:
        return ""
    st = f.stat()
    if st.st_size > HASH_MAX_BYTES:
        return ""
    memo_file = ctx.paths.cache / "image-model-hashes.json"
    memo_key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict):
        memo = {}
    if memo_key not in memo:
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(2**20), b""):
                h.update(block)
        memo[memo_key] = h.hexdigest()[:10]
        try:
            atomic_write_text(memo_file, json.dumps(memo, indent=0, sort_keys=True))
        except OSError as exc:  # a memo that cannot be saved only costs a re-hash next time
            log.warning("cannot save %s: %s", memo_file, exc)
    return str(memo[memo_key])
