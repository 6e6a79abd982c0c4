"""Model names are names, never paths: the one check every name from outside goes through.

A name arrives from the CLI (``train --out``, ``models import --name``), from the window, or inside a
spec (a queued job, a PNG's parameters, a remote client). Whatever its source, it becomes one entry of
the models folder, so it may not hold a path separator, ``..``, a drive letter or control characters,
may not be empty, hidden or a name the studio or the operating system keeps for itself.
"""
from __future__ import annotations

import re
from pathlib import Path

from studio.core.errors import SpecError, StudioError
from studio.core.i18n import _

MAX_NAME_CHARS = 120
RESERVED_NAMES = frozenset({"loras", "taesd", "taesdxl", "embeddings", "vae", "checkpoints", "trash"})
"""Folders of the models folder that hold other models: a model may not take their place."""
_WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                               *(f"lpt{i}" for i in range(10))})
_FORBIDDEN_CHARS = frozenset('/\\:*?"<>|')


class ModelNameError(SpecError):
    """A model name that could name a path (or nothing): refused before anything is written."""


def check_model_name(name: object, what: str = "") -> str:
    """``name`` stripped of surrounding spaces if it can name one entry of the models folder; else ModelNameError."""
    label = what or _("A model name")
    if not isinstance(name, str):
        raise ModelNameError(_("{label} must be text (got {value!r}).").format(label=label, value=name))
    text = name.strip()
    shown = text if len(text) <= 40 else text[:40] + "…"
    if not text:
        raise ModelNameError(_("{label} cannot be empty.").format(label=label))
    if text in (".", "..") or "/" in text or "\\" in text or text.startswith("~"):
        raise ModelNameError(_("{label} is a name, not a path: {name!r} contains a folder part; use a plain name "
                               "such as my-model.").format(label=label, name=shown))
    if ".." in text:
        raise ModelNameError(_("{label} cannot contain '..' (got {name!r}).").format(label=label, name=shown))
    bad = sorted({c for c in text if c in _FORBIDDEN_CHARS or ord(c) < 32 or ord(c) == 127})
    if bad:
        raise ModelNameError(_("{label} cannot contain {chars} (got {name!r}).").format(
            label=label, chars=" ".join(repr(c) for c in bad), name=shown))
    if text.startswith("."):
        raise ModelNameError(_("{label} cannot start with a dot (got {name!r}).").format(label=label, name=shown))
    if len(text) > MAX_NAME_CHARS:
        raise ModelNameError(_("{label} is {count} characters long; at most {limit} are allowed.").format(
            label=label, count=len(text), limit=MAX_NAME_CHARS))
    stem = text.split(".", 1)[0].lower()
    if text.lower() in RESERVED_NAMES or stem in _WINDOWS_RESERVED:
        raise ModelNameError(_("{name!r} is reserved by the studio or the system; choose another name.").format(
            name=text))
    return text


class UnsafeFileName(StudioError):
    """A file name from outside (a hub's listing, a URL) that would leave the folder it is meant for."""


_DRIVE = re.compile(r"^[A-Za-z]:")


def check_relative_file_name(name: object) -> str:
    """``name`` if it is a relative ``a/b/c`` path that stays inside any folder it is joined to; else UnsafeFileName.

    Refused: empty names and segments, absolute paths, ``.``/``..`` segments, backslashes, drive letters,
    control characters, ``~`` at the start, and names longer than 1000 characters.
    """
    if not isinstance(name, str) or not name:
        raise UnsafeFileName(_("A file name is empty or not text ({value!r}).").format(value=name))
    shown = name if len(name) <= 80 else name[:80] + "…"
    problem = ""
    if len(name) > 1000:
        problem = _("it is too long")
    elif name.startswith("/") or _DRIVE.match(name):
        problem = _("it is an absolute path")
    elif "\\" in name:
        problem = _("it contains a backslash")
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problem = _("it contains control characters")
    elif name.startswith("~"):
        problem = _("it starts with ~")
    elif any(part in ("", ".", "..") for part in name.split("/")):
        problem = _("it has an empty, '.' or '..' part")
    if problem:
        raise UnsafeFileName(_("Unsafe file name {name!r}: {problem}.").format(name=shown, problem=problem))
    return name


def path_inside(folder: Path, name: str) -> Path:
    """``folder / name`` after checking ``name`` and that the result (links resolved) stays inside ``folder``."""
    target = Path(folder) / check_relative_file_name(name)
    root = Path(folder).resolve()
    if not target.resolve().is_relative_to(root):
        raise UnsafeFileName(_("Unsafe file name {name!r}: it leads outside {folder}.").format(
            name=name, folder=folder))
    return target
