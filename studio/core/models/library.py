"""Changes to the user's model library: import (copy, move or link), rename, delete to the trash.

Only the studio's own models folder is ever written; built-in models and the Hugging Face cache
are read-only sources. Imports are identified first, so an unsafe or unknown file is reported
before anything is copied.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.swap import discard, new_work_folder
from studio.core.names import check_model_name
from studio.core.paths import StudioPaths
from studio.core.models.pickle_scan import MAX_WALKED_FILES, TooManyFiles, dangerous_pickles
from studio.core.models.registry import ModelEntry

IMPORT_MODES = ("copy", "move", "link")


def _unique(target: Path) -> Path:
    if not target.exists() and not target.is_symlink():
        return target
    stem, suffix = (target.stem, target.suffix) if target.suffix else (target.name, "")
    for i in range(2, 1000):
        cand = target.with_name(f"{stem}-{i}{suffix}")
        if not cand.exists() and not cand.is_symlink():
            return cand
    raise ModelError(_("Too many models named {name} in the library.").format(name=target.name))


def import_model(paths: StudioPaths, src: Path, mode: str = "copy", name: str | None = None) -> Path:
    """Put ``src`` (a file or folder) into the models folder; the new path (renamed ``-2`` on clashes)."""
    src = Path(src).expanduser()
    if mode not in IMPORT_MODES:
        raise ModelError(_("Unknown import mode {mode!r} (use {choices}).").format(
            mode=mode, choices=', '.join(IMPORT_MODES)))
    if not src.exists():
        raise ModelError(_("{src} does not exist.").format(src=src))
    lib = paths.models.resolve()
    if src.resolve().is_relative_to(lib):
        raise ModelError(_("{name} is already in the model library.").format(name=src.name))
    if name is not None:
        name = check_model_name(name, _("The name given with --name"))
    try:
        danger = dangerous_pickles(src)
    except TooManyFiles as exc:
        raise ModelError(_("{name} was not imported: it holds more than {count} files (a model folder has far "
                           "fewer), so it cannot be checked for unsafe pickles.").format(
            name=src.name, count=MAX_WALKED_FILES)) from exc
    if danger:  # a folder is refused like the same pickle on its own; nothing is copied
        bad, imports = danger[0]
        where = bad.name if bad == src else str(bad.relative_to(src))
        raise ModelError(_("{name} was not imported: DANGEROUS: loading {file} would run code ({imports}). "
                           "Delete it.").format(name=src.name, file=where, imports=", ".join(imports[:3])))
    target_name = (name + (src.suffix if src.is_file() and not Path(name).suffix else "")) if name else src.name
    target = _unique(paths.models / target_name)
    # Copies go into a fresh hidden folder first, so a half copy (disk full) is never listed as a model,
    # and a failure removes only that folder (never something that was there before).
    work = None
    try:
        if mode == "link":
            os.symlink(src.resolve(), target, target_is_directory=src.is_dir())
        elif mode == "move":
            shutil.move(str(src), str(target))
        else:
            work = new_work_folder(target)
            staged = work / target.name
            if src.is_dir():
                shutil.copytree(src, staged, symlinks=False)
            else:
                shutil.copy2(src, staged)
            os.replace(staged, target)
    except OSError as exc:
        raise ModelError(_("Cannot import {name}: {reason}").format(name=src.name, reason=exc.strerror or exc)) from exc
    finally:
        if work is not None:
            discard(work)
    return target


def _own(paths: StudioPaths, entry: ModelEntry) -> Path:
    p = Path(entry.path)
    try:
        inside = p.absolute().is_relative_to(paths.models.absolute()) or p.resolve().is_relative_to(paths.models.resolve())
    except OSError:
        inside = False
    if entry.source not in ("user", "path") or not inside:
        raise ModelError(_("{name} is not in your models folder ({source}); it is read-only here.").format(
            name=entry.name, source=entry.source))
    return p


def rename_model(paths: StudioPaths, entry: ModelEntry, new_name: str) -> Path:
    """Rename a model of the user's library (the file keeps its extension)."""
    p = _own(paths, entry)
    new_name = check_model_name(new_name)
    target = p.with_name(new_name + (p.suffix if p.is_file() and not Path(new_name).suffix else ""))
    if target.exists():
        raise ModelError(_("A model named {name} already exists.").format(name=target.name))
    p.rename(target)
    return target


def trash_model(paths: StudioPaths, entry: ModelEntry) -> None:
    """Move a model of the user's library to the system trash (recoverable); links are just removed."""
    p = _own(paths, entry)
    if p.is_symlink():
        p.unlink()
        return
    try:
        from send2trash import send2trash
    except ImportError as exc:
        raise ModelError(_("Moving to the trash needs the Send2Trash package.")) from exc
    try:
        send2trash(str(p))
    except OSError as exc:
        raise ModelError(_("Cannot move {name} to the trash: {exc}").format(name=p.name, exc=exc)) from exc
