"""Convert pickle-based weights (.ckpt/.pt/.pth/.bin) to safetensors without running their code.

Two locks: the opcodes are scanned first (``studio.core.models.pickle_scan``) and a file that would
import ``os``/``eval``/... is refused outright; then ``torch.load(weights_only=True)`` loads the
rest, whose unpickler only builds allow-listed types (tensors, dicts, numbers, strings) and
raises on anything else. The tensors are written beside the original as ``.safetensors``.
"""
from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors.torch import save

from studio.core.atomic import atomic_open, atomic_write_text
from studio.core.errors import ModelError
from studio.core.models.pickle_scan import PICKLE_SUFFIXES, scan_pickle
from studio.core.progress import CancelToken, Reporter
from studio.core.i18n import _
from studio.core.results import ConvertResult
from studio.core.specs.files import ConvertSpec

if TYPE_CHECKING:
    from studio.engines.context import EngineContext

log = logging.getLogger(__name__)

# Wrappers around the real state dict in common checkpoint formats.
WRAPPERS = ("state_dict", "params_ema", "params", "model", "module")
# Names that diffusers/transformers expect for the safetensors copy of their pickled weights.
FOLDER_NAMES = {"pytorch_model.bin": "model.safetensors",
                "diffusion_pytorch_model.bin": "diffusion_pytorch_model.safetensors"}


def safe_load(path: Path) -> dict[str, Any]:
    """``torch.load`` restricted to plain data; ModelError (never code execution) otherwise."""
    path = Path(path)
    scan = scan_pickle(path)
    if scan.dangerous:
        raise ModelError(_("{file} contains code that would run when loaded ({items}); it was not loaded. Delete "
                           "it.").format(file=path.name, items=', '.join(scan.dangerous[:3])))
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True, mmap=False)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ModelError(_("{file} holds objects other than weights, so it was not loaded ({error}).").format(
            file=path.name, error=first[:160])) from exc
    except (RuntimeError, EOFError, ValueError, OSError) as exc:
        raise ModelError(_("{file} is not a readable PyTorch checkpoint ({error}).").format(
            file=path.name, error=str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__)) from exc
    if not isinstance(obj, dict):
        raise ModelError(_("{file} does not hold a state dict (found {found}).").format(
            file=path.name, found=type(obj).__name__))
    return obj


def flatten_state_dict(obj: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata): unwrap ``state_dict``/``params_ema``, flatten nested dicts with dots,
    keep scalar values as metadata strings. A1111 embeddings become ``emb_params``."""
    for w in WRAPPERS:
        inner = obj.get(w)
        if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
            meta = {k: str(v) for k, v in obj.items() if k != w and isinstance(v, (str, int, float, bool))}
            tensors, m2 = flatten_state_dict(inner)
            return tensors, {**meta, **m2}
    stp = obj.get("string_to_param")
    if isinstance(stp, dict) and stp:
        emb = next(iter(stp.values()))
        meta = {k: str(v) for k, v in obj.items() if isinstance(v, (str, int, float, bool))}
        return {"emb_params": emb}, meta
    tensors: dict[str, torch.Tensor] = {}
    meta: dict[str, str] = {}

    def walk(prefix: str, d: dict) -> None:
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, torch.Tensor):
                tensors[key] = v
            elif isinstance(v, dict):
                walk(key + ".", v)
            elif isinstance(v, (str, int, float, bool)):
                meta[key] = str(v)

    walk("", obj)
    return tensors, meta


def _unshare(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses tensors sharing memory: copy only the ones that do."""
    seen: set[tuple[int, int]] = set()
    out = {}
    for k, t in tensors.items():
        t = t.detach()
        key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes()) if t.numel() else (id(t), 0)
        out[k] = t.clone().contiguous() if key in seen or not t.is_contiguous() else t
        seen.add(key)
    return out


def convert_file(src: Path, dst: Path | None = None, overwrite: bool = False) -> Path:
    """Write ``src``'s tensors to ``dst`` (default: beside it, ``.safetensors``); returns ``dst``."""
    src = Path(src)
    if src.suffix.lower() not in PICKLE_SUFFIXES:
        raise ModelError(_("{file} is not a pickle-based checkpoint.").format(file=src.name))
    dst = Path(dst) if dst else src.with_name(FOLDER_NAMES.get(src.name, src.stem + ".safetensors"))
    if dst.exists() and not overwrite:
        raise ModelError(_("{file} already exists; remove it first or keep using it.").format(file=dst.name))
    tensors, meta = flatten_state_dict(safe_load(src))
    if not tensors:
        raise ModelError(_("{file} holds no tensors.").format(file=src.name))
    meta = {**{k: v[:1000] for k, v in meta.items()}, "format": "pt", "converted_from": src.name}
    with atomic_open(dst, "wb") as fh:
        fh.write(save(_unshare(tensors), metadata=meta))
    log.info("converted %s -> %s (%d tensors)", src, dst, len(tensors))
    return dst


def convert_folder(folder: Path) -> list[Path]:
    """Convert every pickled weights file of a diffusers/transformers folder, including sharded ones."""
    folder = Path(folder)
    written: list[Path] = []
    for src in sorted(p for p in folder.rglob("*.bin") if p.is_file()):
        if any(src.parent.glob("*.safetensors")) and src.name in FOLDER_NAMES:
            continue  # already has a safetensors copy
        if "-of-" in src.stem:  # shard: pytorch_model-00001-of-00002.bin → model-00001-of-00002.safetensors
            dst = src.with_name(src.stem.replace("pytorch_model", "model") + ".safetensors")
        else:
            dst = src.with_name(FOLDER_NAMES.get(src.name, src.stem + ".safetensors"))
        if dst.exists() or dst.is_symlink():
            continue  # a safetensors file of that name is already there: never replaced
        written.append(convert_file(src, dst))
    for index in folder.rglob("*.bin.index.json"):
        data = json.loads(index.read_text(encoding="utf-8"))
        wm = {k: v.replace("pytorch_model", "model").replace(".bin", ".safetensors")
              for k, v in data.get("weight_map", {}).items()}
        out = index.with_name(index.name.replace("pytorch_model", "model").replace(".bin.", ".safetensors."))
        if out.exists():
            continue
        atomic_write_text(out, json.dumps({**data, "weight_map": wm}, indent=2))
        written.append(out)
    if not written:
        raise ModelError(_("{folder} has no pickled weights to convert.").format(folder=folder.name))
    return written


def convert(path: Path, fallback_dir: Path | None = None) -> list[Path]:
    """Convert a file or folder model; when its folder is read-only, write into ``fallback_dir``."""
    path = Path(path)
    try:
        return convert_folder(path) if path.is_dir() else [convert_file(path)]
    except PermissionError:
        if fallback_dir is None or path.is_dir():
            raise ModelError(_("Cannot write beside {file} (read-only folder).").format(file=path.name)) from None
        return [convert_file(path, Path(fallback_dir) / (path.stem + ".safetensors"))]


def run(spec: ConvertSpec, reporter: Reporter, cancel: CancelToken, ctx: "EngineContext") -> ConvertResult:
    """The ``convert`` job: a pickle checkpoint to safetensors (the model manager's Convert button)."""
    path = Path(spec.path)
    if not path.exists():
        raise ModelError(_("{file} does not exist any more.").format(file=path.name))
    # A job converts a model the studio lists (files go beside it), or the path the person running
    # `models convert PATH` named on the command line.
    roots = [Path(root).resolve() for _kind, root in ctx.registry.sources()]
    if not spec.named and not any(path.resolve().is_relative_to(root) for root in roots):
        raise ModelError(_("{name} is not in one of the studio's model folders; convert it with "
                           "`main.py models convert PATH`.").format(name=path.name))
    reporter.progress(0, 1, _("converting {file}").format(file=path.name))
    written = convert(path, fallback_dir=ctx.paths.models)
    reporter.progress(1, 1, _("converted"))
    return ConvertResult(outputs=tuple(str(p) for p in written))
