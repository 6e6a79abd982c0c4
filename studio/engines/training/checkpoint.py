"""Training checkpoints as one safetensors file (no pickle): weights, optimizer, LR schedule, RNG and step.

Tensors go in the file's tensor table; everything else (step, spec, optimizer hyper-parameters,
scheduler state) in its JSON metadata. The file is written atomically, so a crash or kill -9
leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch

from studio.core.atomic import atomic_write_bytes
from studio.core.errors import StudioError
from studio.core.i18n import _

CHECKPOINT_NAME = "checkpoint.safetensors"
FORMAT = "aigc-studio-checkpoint/1"


def _split(obj: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """Replace tensors inside nested dicts/lists by references and collect them in ``tensors``."""
    if isinstance(obj, torch.Tensor):
        key = prefix.rstrip(".")
        tensors[key] = obj.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, Mapping):
        return {"__dict__": [[_key(k), _split(v, f"{prefix}{k}.", tensors)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return [_split(v, f"{prefix}{i}.", tensors) for i, v in enumerate(obj)]
    return obj


def _key(k: Any) -> Any:
    return {"__int__": k} if isinstance(k, int) else k


def _join(obj: Any, tensors: Mapping[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict) and "__tensor__" in obj:
        return tensors[obj["__tensor__"]]
    if isinstance(obj, dict) and "__dict__" in obj:
        return {(k["__int__"] if isinstance(k, dict) else k): _join(v, tensors) for k, v in obj["__dict__"]}
    if isinstance(obj, list):
        return [_join(v, tensors) for v in obj]
    return obj


def save_checkpoint(path: Path, state: Mapping[str, Any]) -> Path:
    """Write ``state`` (nested dicts of tensors, numbers, strings) to ``path`` atomically."""
    from safetensors.torch import save

    tensors: dict[str, torch.Tensor] = {}
    tree = _split(dict(state), "", tensors)
    data = save(tensors, metadata={"format": FORMAT, "tree": json.dumps(tree)})
    atomic_write_bytes(Path(path), data)
    return Path(path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (a file, or a folder holding one)."""
    from safetensors import safe_open

    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise StudioError(_("No checkpoint at {path}.").format(path=path))
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
            if meta.get("format") != FORMAT:
                raise StudioError(_("{path} is not an AIGC Studio training checkpoint.").format(path=path))
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except StudioError:
        raise
    except Exception as exc:
        raise StudioError(_("The checkpoint {path} cannot be read ({error}); it may be damaged.").format(
            path=path, error=type(exc).__name__)) from exc
    return _join(json.loads(meta["tree"]), tensors)
