"""Which installed model a reused image was made with: by its model hash (AutoV2) first, then by name.

A1111 PNGs name the model by its file stem ("v1-5-pruned-emaonly") and its AutoV2 hash (the first 10
hex digits of the file's SHA-256); the same weights are often installed under another name. The
registry knows the hashes the model manager has cached (``details["autov2"]``/``["sha256"]``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from studio.core.i18n import _
from studio.core.models.registry import ModelEntry


@dataclass(frozen=True)
class ModelRef:
    """How an image names its model."""

    name: str = ""
    hash: str = ""
    """AutoV2 (10 hex digits) or a longer SHA-256 prefix; "" when unknown."""

    def label(self) -> str:
        return f"{self.name} [{self.hash}]" if self.name and self.hash else self.name or self.hash


def entry_hash(entry: ModelEntry) -> str:
    """The entry's known SHA-256 (or AutoV2) in lower case; "" when not hashed yet."""
    details = entry.details or {}
    return str(details.get("sha256") or details.get("autov2") or "").lower()


def find_installed(ref: ModelRef, entries: Iterable[ModelEntry]) -> ModelEntry | None:
    """The usable entry ``ref`` names: the one with its hash, else the one with its name; None if neither."""
    usable = [e for e in entries if e.usable]
    wanted = ref.hash.strip().lower()
    if len(wanted) >= 8:
        for e in usable:
            known = entry_hash(e)
            if known and (known.startswith(wanted) or wanted.startswith(known)):
                return e
    name = ref.name.strip()
    if name:
        for e in usable:
            if e.name == name or e.matches(name) or (e.path and Path(e.path).name.lower() == name.lower()):
                return e
    return None


def missing_message(ref: ModelRef) -> str:
    """One line: the image's model is not installed (say so before queueing)."""
    return _("This image was made with {model}, which is not installed: choose another model or add it in the "
             "model manager.").format(model=ref.label())
