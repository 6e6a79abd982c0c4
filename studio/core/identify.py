"""Identify a model by inspecting its files (never by its name).

This first version knows diffusers pipeline folders, transformers causal-LM folders and GGUF
files; anything else is listed as unknown with the reason. The model-manager work extends it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from studio.core.registry import ModelEntry

GGUF_MAGIC = b"GGUF"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def identify_path(path: Path, source: str) -> ModelEntry:
    """A ModelEntry for one file or folder; status 'unknown' or 'broken' with a reason when unusable."""
    name = path.stem if path.is_file() else path.name
    base = dict(name=name, path=str(path), source=source)
    try:
        if path.is_dir():
            return _identify_folder(path, base)
        return _identify_file(path, base)
    except OSError as exc:
        return ModelEntry(type="unknown", status="broken", reason=f"cannot read: {exc.strerror or exc}", **base)


def _identify_folder(path: Path, base: dict) -> ModelEntry:
    index = path / "model_index.json"
    if index.exists():
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except ValueError as exc:
            return ModelEntry(type="diffusers", status="broken", reason=f"model_index.json is not valid JSON ({exc})", **base)
        cls = str(data.get("_class_name", ""))
        family = "sdxl" if "XL" in cls else ("studio" if cls.startswith("Studio") else "sd")
        missing = [k for k, v in data.items() if not k.startswith("_") and isinstance(v, list) and v[0]
                   and not (path / k).is_dir()]
        typ = "studio_pipeline" if family == "studio" else "diffusers"
        if missing:
            return ModelEntry(type=typ, family=family, status="broken",
                              reason=f"components missing: {', '.join(missing)}", size=_size(path), **base)
        return ModelEntry(type=typ, family=family, size=_size(path), details={"class": cls}, **base)
    config = path / "config.json"
    if config.exists():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except ValueError as exc:
            return ModelEntry(type="unknown", status="broken", reason=f"config.json is not valid JSON ({exc})", **base)
        archs = data.get("architectures") or []
        if any(a.endswith("ForCausalLM") or a.endswith("LMHeadModel") for a in archs):
            return ModelEntry(type="causal_lm", family=str(data.get("model_type", "")), size=_size(path), **base)
    return ModelEntry(type="unknown", status="unknown", reason="not a diffusers pipeline or transformers model folder", **base)


def _identify_file(path: Path, base: dict) -> ModelEntry:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head[:4] == GGUF_MAGIC:
        return ModelEntry(type="gguf", size=path.stat().st_size, **base)
    if path.suffix.lower() == ".gguf":
        return ModelEntry(type="gguf", status="broken", reason="not a GGUF file (bad magic)", size=path.stat().st_size, **base)
    return ModelEntry(type="unknown", status="unknown", reason=f"unrecognised file type {path.suffix or '(none)'}",
                      size=path.stat().st_size, **base)


def _children(folder: Path) -> Iterator[Path]:
    try:
        yield from sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return


def _hf_snapshot(repo_dir: Path) -> Path | None:
    """The snapshot folder that refs/main points to, else the newest one."""
    ref = repo_dir / "refs" / "main"
    snaps = repo_dir / "snapshots"
    if ref.is_file():
        cand = snaps / ref.read_text(encoding="utf-8").strip()
        if cand.is_dir():
            return cand
    found = sorted(_children(snaps), key=lambda p: p.stat().st_mtime) if snaps.is_dir() else []
    return found[-1] if found else None


def scan_folder(folder: Path, source: str) -> list[ModelEntry]:
    """One entry per model directly inside ``folder`` (a model folder counts as one).

    A Hugging Face hub cache is read in place: each ``models--org--name`` repo is one entry,
    named ``org/name``, pointing at its current snapshot.
    """
    if source == "hf-cache":
        out = []
        for repo in _children(folder):
            if not repo.name.startswith("models--"):
                continue
            snap = _hf_snapshot(repo)
            if snap is not None:
                e = identify_path(snap, source)
                out.append(type(e)(**{**e.__dict__, "name": repo.name[len("models--"):].replace("--", "/")}))
        return out
    return [identify_path(p, source) for p in _children(folder)]
