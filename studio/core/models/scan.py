"""Scanning a models folder: every model inside it, one entry each (``identify_path`` tells what each is).

Plain folders are walked (depth ≤ 4, symlink loops reported), a Hugging Face hub cache is read in place,
and each scan is bounded by a :class:`ScanBudget` (a models folder set to ``/`` must not hang the studio).
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

from studio.core.i18n import _
from studio.core.models.identify import identify_path
from studio.core.models.registry import ModelEntry

MAX_DEPTH = 4
MAX_SCAN_ITEMS = 20_000
"""Files and folders looked at per models folder (a real library has hundreds)."""


def _children(folder: Path) -> Iterator[Path]:
    try:
        yield from sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return


def _hf_snapshot(repo_dir: Path) -> Path | None:
    """The snapshot folder that refs/main points to, else the newest one."""
    ref = repo_dir / "refs" / "main"
    snaps = repo_dir / "snapshots"
    try:
        if ref.is_file():
            cand = snaps / ref.read_text(encoding="utf-8").strip()
            if cand.is_dir():
                return cand
        found = sorted(_children(snaps), key=lambda p: p.stat().st_mtime) if snaps.is_dir() else []
    except OSError:
        return None
    return found[-1] if found else None


class ScanBudget:
    """Bounds one scan of a folder (a model folder set to ``/`` must not hang the studio) and reports
    its progress: at most ``max_items`` files and folders are looked at; ``progress(items, folder)``
    is called every ``every_s`` seconds while the scan runs."""

    def __init__(self, max_items: int = MAX_SCAN_ITEMS, progress: Callable[[int, str], None] | None = None,
                 every_s: float = 0.5) -> None:
        self.max_items = max_items
        self.items = 0
        self.exhausted = False
        self._progress = progress
        self._every = every_s
        self._next = time.monotonic() + every_s

    def visit(self, path: Path) -> bool:
        """Count one item; False once the budget is spent (the caller stops there)."""
        if self.exhausted:
            return False
        self.items += 1
        if self.items > self.max_items:
            self.exhausted = True
            return False
        if self._progress is not None and time.monotonic() >= self._next:
            self._next = time.monotonic() + self._every
            self._progress(self.items, str(path.parent))
        return True


def _walk(folder: Path, source: str, prefix: str, depth: int, seen: set[str],
          budget: ScanBudget | None = None) -> list[ModelEntry]:
    budget = budget or ScanBudget()
    out: list[ModelEntry] = []
    for p in _children(folder):
        if not budget.visit(p):
            break
        try:
            out.extend(_walk_one(p, source, prefix, depth, seen, budget))
        except OSError as exc:  # e.g. /proc/1/cwd: permission denied on the item itself
            out.append(ModelEntry(name=prefix + p.name, path=str(p), type="unknown", source=source, status="broken",
                                  reason=_("cannot read: {reason}").format(reason=exc.strerror or exc)))
    return out


def _walk_one(p: Path, source: str, prefix: str, depth: int, seen: set[str], budget: ScanBudget) -> list[ModelEntry]:
    """The entries of one item of a walked folder (itself, or what a plain folder holds)."""
    out: list[ModelEntry] = []
    try:
        real = os.path.realpath(p)
    except (OSError, RuntimeError):
        real = str(p)
    if p.is_dir() and real in seen:
        out.append(ModelEntry(name=prefix + p.name, path=str(p), type="unknown", source=source, status="broken",
                              reason=_("symlink loop (this folder is already scanned)")))
        return out
    if p.is_symlink() and not p.exists():
        out.append(ModelEntry(name=prefix + p.stem, path=str(p), type="unknown", source=source, status="broken",
                              reason=_("broken symbolic link")))
        return out
    if p.suffix == ".config" and p.with_suffix(".safetensors").is_file():
        return out  # the config folder of the checkpoint beside it: listed in that entry's details
    e = identify_path(p, source)
    if e.type == "sd_single_file" and p.with_suffix(".config").is_dir():
        e = replace(e, details={**e.details, "config": str(p.with_suffix(".config"))})
    if e.type == "folder":
        if depth >= MAX_DEPTH:
            out.append(replace(e, type="unknown", reason=_("folder nested too deep (not scanned)")))
            return out
        inner = _walk(p, source, f"{prefix}{p.name}/", depth + 1, seen | {real}, budget)
        if inner:
            out.extend(inner)
        else:
            out.append(replace(e, name=prefix + e.name, type="unknown", reason=_("no files inside")))
        return out
    if prefix:
        e = replace(e, name=prefix + e.name)
    out.append(e)
    return out


def scan_folder(folder: Path, source: str, budget: ScanBudget | None = None) -> list[ModelEntry]:
    """Every model inside ``folder``: a model folder counts as one; plain folders are walked
    (depth ≤ 4, symlink loops reported). Nothing is skipped: unusable items come with a reason.

    A Hugging Face hub cache is read in place: each ``models--org--name`` repo is one entry
    named ``org/name`` (its current snapshot), or one entry per file (``org/name/file``) when the
    snapshot is a plain collection of files such as GGUF quantisations.
    """
    folder = Path(folder)
    budget = budget or ScanBudget()
    out = _scan_folder(folder, source, budget)
    if budget.exhausted:
        out.append(ModelEntry(name=folder.name or str(folder), path=str(folder), type="unknown", source=source,
                              status="broken", reason=_("scan stopped after {n} items: this folder is too large; "
                                                        "choose a narrower models folder").format(n=budget.max_items)))
    return out


def _scan_folder(folder: Path, source: str, budget: ScanBudget) -> list[ModelEntry]:
    if source == "hf-cache":
        out: list[ModelEntry] = []
        for repo in _children(folder):
            if not repo.name.startswith("models--"):
                continue
            repo_id = repo.name[len("models--"):].replace("--", "/")
            snap = _hf_snapshot(repo)
            if snap is None:
                out.append(ModelEntry(name=repo_id, path=str(repo), type="unknown", source=source, status="broken",
                                      reason=_("no downloaded snapshot")))
                continue
            e = identify_path(snap, source)
            extra = {"repo_id": repo_id, "revision": snap.name}
            if e.type == "folder":
                for inner in _walk(snap, source, f"{repo_id}/", 1, {os.path.realpath(snap)}, budget):
                    out.append(replace(inner, details={**inner.details, **extra}))
            else:
                out.append(replace(e, name=repo_id, details={**e.details, **extra}))
        return out
    return _walk(folder, source, "", 0, {os.path.realpath(folder)}, budget)
