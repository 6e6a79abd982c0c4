"""Load image pipelines from local folders (through the model cache) with clear errors for broken models."""
from __future__ import annotations

import importlib
import json
import logging
import struct
import threading
from pathlib import Path
from typing import Any

import torch

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.families import FAMILIES, NEW_FAMILIES, PIPELINE_FAMILY
from studio.core.models.caps import DIFFUSION_TYPES
from studio.core.models.registry import ModelEntry
from studio.engines.context import EngineContext
from studio.engines.devices import default_dtype

log = logging.getLogger(__name__)

STUDIO_PIPELINE_MODULE = "studio.engines.pipelines.studio_pipeline"
UNCONDITIONAL_PIPELINE = "studio.engines.pipelines.unconditional:StudioDDPMPipeline"
"""Runs the studio's DDPM folders (plain DDPMPipeline on disk) with any scheduler and step callbacks."""
SINGLE_FILE_MODULE = "studio.engines.models.single_file"
HASH_MAX_BYTES = 256 * 2**20
"""Weights files larger than this are not hashed inline (the model manager's hash cache does it)."""




def resolve(ctx: EngineContext, name_or_path: str) -> ModelEntry:
    """The registry entry for a diffusion model; the default one when empty (ModelError if none)."""
    if name_or_path:
        entry = ctx.registry.resolve(name_or_path, task="image")
        if entry.type not in DIFFUSION_TYPES:
            raise ModelError(_("Model {model!r} is a {type} model, not a diffusion pipeline.").format(
                model=entry.name, type=entry.type))
        return entry
    usable = [e for e in ctx.registry.scan() if e.usable and e.type in DIFFUSION_TYPES]
    if not usable:
        raise ModelError(_("No diffusion image model is installed. Open the model manager to add one."))
    wanted = ctx.settings.default_image_model
    entry = next((e for e in usable if wanted and e.name == wanted), usable[0])
    return ctx.registry.with_cached_hash(entry)


def family_of(entry: ModelEntry, pipe: Any) -> str:
    """'sdxl', 'sd', 'studio' or a 2024–26 family of the capability table ('flux', 'sd3', …): decides preview
    factors, prompt encoding, the scheduler and the pipeline arguments."""
    cls = type(pipe).__name__
    if cls in PIPELINE_FAMILY:
        return PIPELINE_FAMILY[cls]
    if entry.family in NEW_FAMILIES:
        return entry.family
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
    # The studio's own small pixel-space models stay in float32 on every device: they cost a few MB, and in
    # float16 their v-prediction overflows under Euler-style sigma scaling (measured: garbage images on CUDA).
    dtype = _dtype(ctx, entry)
    folders: list[Path] = []
    parts = None
    if entry.family in NEW_FAMILIES:  # a 2024–26 family: its parts may come from another folder; check memory
        from studio.engines.diffusion.transformer_file import estimate_bytes, memory_refusal

        if entry.type == "sd_single_file":
            folders, parts = _parts(ctx, entry)
        if ctx.device == "cpu" and all(k != _key(ctx, entry) for k, _size in ctx.cache.loaded()):
            refusal = memory_refusal(entry, estimate_bytes(entry, dtype, folders, parts), ctx.cache.budget_bytes)
            if refusal:
                raise ModelError(refusal)
    return ctx.cache.get_or_load(_key(ctx, entry), lambda: _load(entry, ctx.device, dtype, folders, parts))


def _parts(ctx: EngineContext, entry: ModelEntry) -> tuple[list[Path], Any]:
    """Where a transformer file's text encoders, tokenizers and VAE may come from: diffusers folders of its family,
    and single files (text encoders the registry identified; the model folders; the Hugging Face cache)."""
    from studio.core.models.registry import hf_hub_cache
    from studio.engines.diffusion.text_encoders import encoder_files
    from studio.engines.diffusion.transformer_file import Parts

    scanned = ctx.registry.scan()
    folders = [Path(e.path) for e in scanned if e.type == "diffusers" and e.family == entry.family and e.usable]
    roots = [Path(entry.path).parent] + [folder for source, folder in ctx.registry.sources()
                                         if source in ("user", "extra")]
    hub = hf_hub_cache(ctx.settings.hf_cache_dir) if ctx.settings.scan_hf_cache else None
    return folders, Parts(encoder_files(scanned), roots, hub)


def _dtype(ctx: EngineContext, entry: ModelEntry) -> torch.dtype:
    return torch.float32 if entry.type in ("studio_pipeline", "studio_ddpm") else default_dtype(ctx.device)


def _key(ctx: EngineContext, entry: ModelEntry) -> tuple[str, ...]:
    return ("image-pipeline", entry.type, str(Path(entry.path).resolve()), ctx.device, str(_dtype(ctx, entry)))


def unquantized(ctx: EngineContext, entry: ModelEntry, pipe: Any, facts: dict[str, Any],
                speed: str) -> tuple[Any, dict[str, Any]]:
    """``(pipe, facts)``, or a fresh copy from disk when speed mode int8 quantised the cached one's UNet in
    place (it cannot be undone) and this job wants another mode."""
    if facts.get("speed_mode") != "int8" or speed == "int8":
        return pipe, facts
    ctx.cache.unload(_key(ctx, entry))
    return load_pipeline(ctx, entry)


def _quiet_library_progress_bars() -> None:
    """The studio reports loading itself; the libraries' own tqdm bars would only clutter stderr."""
    import diffusers.utils.logging as dlog
    import transformers.utils.logging as tlog

    dlog.disable_progress_bar()
    tlog.disable_progress_bar()
    # transformers warns about torchvision (kept out of the studio on purpose) on every pipeline import;
    # diffusers about a UNet-only LoRA (an LCM-LoRA) having no text-encoder keys, and about "modules kept in
    # float32: []" when an edit pipeline is derived. Neither is the user's to act on; failures still raise.
    for lib in (tlog, dlog):
        if lib.get_verbosity() < lib.ERROR:
            lib.set_verbosity_error()


def _load(entry: ModelEntry, device: str, dtype: torch.dtype, folders: list[Path] | None = None,
          parts: Any = None) -> tuple[Any, dict[str, Any]]:
    _quiet_library_progress_bars()
    if entry.type == "sd_single_file" and entry.family in NEW_FAMILIES:
        from studio.engines.diffusion.transformer_file import load_transformer_file

        pipe = load_transformer_file(entry, dtype, folders or [], parts)
    elif entry.type == "sd_single_file":
        try:
            single_file = importlib.import_module(SINGLE_FILE_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name == SINGLE_FILE_MODULE:
                raise ModelError(_("Single-file checkpoints are not supported yet; use a diffusers folder.")) from exc
            raise
        pipe = single_file.load(entry, device, dtype)
    elif entry.type in ("diffusers", "studio_pipeline", "studio_ddpm"):
        pipe = _load_folder(Path(entry.path), entry, dtype)
    else:
        raise ModelError(_("Model {model!r} is a {type} model; the diffusion engine cannot run it.").format(
            model=entry.name, type=entry.type))
    try:
        pipe = pipe.to(device)
    except RuntimeError as exc:
        raise ModelError(_("Cannot move {model!r} to {device}: {error}").format(
            model=entry.name, device=device, error=str(exc).splitlines()[0])) from exc
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)  # the studio reports progress itself
    denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    channels = int(getattr(getattr(denoiser, "config", None), "in_channels", 4) or 4)
    family = family_of(entry, pipe)
    fam = FAMILIES.get(family)
    facts = {"family": family, "channels": channels, "dtype": dtype, "lock": threading.Lock(),
             "flow": bool(fam and fam.flow),
             "scheduler_config": dict(pipe.scheduler.config) if getattr(pipe, "scheduler", None) else {}}
    return pipe, facts


def _pipeline_class(folder: Path, entry: ModelEntry, index: dict[str, Any]):
    from diffusers import DiffusionPipeline

    if entry.type == "studio_ddpm":
        module, _sep, name = UNCONDITIONAL_PIPELINE.partition(":")
        return getattr(importlib.import_module(module), name)
    if entry.type != "studio_pipeline":
        return DiffusionPipeline
    cls_name = str(index.get("_class_name", ""))
    try:
        module = importlib.import_module(STUDIO_PIPELINE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("studio"):
            raise ModelError(_("{model!r} needs the studio's own pipeline, which this build lacks.").format(
                model=entry.name)) from exc
        raise
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ModelError(_("{model!r} uses pipeline class {cls_name!r}, unknown to this version of the studio.").format(
            model=entry.name, cls_name=cls_name))
    return cls


def _load_folder(folder: Path, entry: ModelEntry, dtype: torch.dtype) -> Any:
    if not folder.is_dir():
        raise ModelError(_("Model folder not found: {folder}").format(folder=folder))
    index_file = folder / "model_index.json"
    if not index_file.is_file():
        raise ModelError(_("{folder} is not a diffusers pipeline folder (it has no model_index.json).").format(
            folder=folder.name))
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(_("{folder}/model_index.json is not valid JSON ({error}).").format(
            folder=folder.name, error=exc)) from exc
    missing = [k for k, v in index.items()
               if not k.startswith("_") and isinstance(v, list) and v and v[0] and not (folder / k).is_dir()]
    if missing:
        raise ModelError(_("{folder} is incomplete: components missing: {missing}.").format(
            folder=folder.name, missing=', '.join(missing)))
    cls = _pipeline_class(folder, entry, index)
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, use_safetensors=True, dtype=dtype)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - loaders raise many types (SafetensorError is a bare Exception)
        bad = find_broken_safetensors(folder)
        if bad is not None:
            raise ModelError(_("{file} in {folder} is truncated or corrupt; download or copy it again.").format(
                file=bad.relative_to(folder), folder=folder.name)) from exc
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(_("Cannot load {folder}: {error}").format(folder=folder.name, error=first)) from exc


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


def model_hash(ctx: EngineContext, entry: ModelEntry) -> str:
    """The short AutoV2 hash (first 10 hex of SHA-256) of the model, or "" when not cheaply known.

    Uses the hash the model manager cached (the registry puts it in ``entry.details``); models
    up to HASH_MAX_BYTES are hashed now through the same hash cache; bigger ones are omitted
    rather than blocking the job (the model manager hashes them in the background).
    """
    from studio.core.models.hashing import HashCache, autov2, weight_files

    for key in ("autov2", "sha256"):
        value = str(entry.details.get(key, "") or "")
        if value:
            return value[:10].lower()
    path = Path(entry.path)
    try:
        files = [path] if path.is_file() else weight_files(path)
        if not files or sum(f.stat().st_size for f in files) > HASH_MAX_BYTES:
            return ""
        return autov2(HashCache.for_paths(ctx.paths).model_hash(path))
    except (OSError, ModelError) as exc:  # a missing hash never fails the job
        log.warning("cannot hash %s: %s", path, exc)
        return ""
