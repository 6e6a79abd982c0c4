"""Putting a finished model in place without ever destroying what the studio did not make.

A trainer writes into a fresh hidden folder beside its target and swaps it in by renames. An existing
target is replaced only when the user said so (``overwrite``: ``--overwrite`` on the CLI, a question
in the window) AND the studio made it: a folder holding :data:`MARKER` (written by this module) or a
``.safetensors`` file whose metadata carries :data:`MARKER_KEY`. Anything else (a user's model, a
link, a file, a device) is refused with one line before the work starts. A replaced model goes to
the system trash, where the user can still recover it.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from studio.core.atomic import process_umask
from studio.core.errors import StudioError
from studio.core.i18n import _

log = logging.getLogger(__name__)

MARKER = ".aigc-studio-made"
"""A file the studio writes into every model folder it creates (and nothing else writes)."""
MARKER_KEY = "aigc_studio.family"
"""The safetensors metadata key the studio writes into every LoRA file it trains."""


LORA_FOLDER = "loras"
"""The models folder's sub-folder that trained diffusion LoRAs (one file each) go to."""


def train_target(models: Path, family: str, name: str) -> Path:
    """Where a training of ``family`` named ``name`` puts its model (``name`` already checked)."""
    if family == "lora":
        return Path(models) / LORA_FOLDER / f"{name}.safetensors"
    return Path(models) / name


class TargetExistsError(StudioError):
    """The model name is taken and the studio may not replace what holds it."""


def made_by_studio(path: Path) -> bool:
    """True when ``path`` is a real folder with the studio's marker, or a safetensors file the studio trained."""
    path = Path(path)
    if path.is_symlink():
        return False
    if path.is_dir():
        return (path / MARKER).is_file() and not (path / MARKER).is_symlink()
    if path.is_file() and path.suffix == ".safetensors":
        from studio.core.models.safetensors_header import SafetensorsError, read_header

        try:
            return MARKER_KEY in read_header(path, validate=False).metadata
        except (OSError, SafetensorsError):
            return False
    return False


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def check_target(target: Path, overwrite: bool) -> None:
    """Refuse ``target`` if it exists, unless ``overwrite`` and the studio made it (TargetExistsError)."""
    target = Path(target)
    if not _exists(target):
        return
    if not overwrite:
        raise TargetExistsError(_("A model named {name!r} already exists; choose another name, or replace it with "
                                  "--overwrite.").format(name=target.name))
    if not made_by_studio(target):
        raise TargetExistsError(_("{name!r} was not made by the studio's trainer, so it is never replaced; choose "
                                  "another name (or move it away yourself).").format(name=target.name))


def free_name(target: Path) -> Path:
    """``target``, or ``name-2``, ``name-3``… beside it: the first that does not exist."""
    target = Path(target)
    if not _exists(target):
        return target
    # A file keeps its extension (model-2.safetensors); a folder is numbered as a whole (my.model-2).
    split = bool(target.suffix) and (target.is_file() or target.suffix == ".safetensors")
    stem, suffix = (target.stem, target.suffix) if split else (target.name, "")
    for i in range(2, 10_000):
        cand = target.with_name(f"{stem}-{i}{suffix}")
        if not _exists(cand):
            return cand
    raise TargetExistsError(_("Too many models named {name!r}.").format(name=target.name))


def new_work_folder(target: Path) -> Path:
    """A fresh, empty hidden folder beside ``target`` (never an existing one) to build the model in."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(work, 0o777 & ~process_umask())  # mkdtemp makes it private; a model folder is not
    return work


def swap_in(work: Path, target: Path, overwrite: bool) -> Path:
    """Move the finished ``work`` (a folder from new_work_folder, or a file) to ``target``; the path it got.

    A model folder gets the studio's marker first. When ``target`` appeared meanwhile and may not be
    replaced, the result goes to a free ``name-2`` instead: nothing is lost on either side.
    """
    work, target = Path(work), Path(target)
    if work.is_dir():
        (work / MARKER).write_text("made by AIGC Studio; safe for the studio to replace on request\n",
                                   encoding="utf-8")
    try:
        check_target(target, overwrite)
    except TargetExistsError:
        target = free_name(target)
    if not _exists(target):
        os.rename(work, target)
        return target
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
    os.rename(target, old)
    os.rename(work, target)
    _to_trash(old)
    return target


def _to_trash(old: Path) -> None:
    """Send the replaced model to the system trash (recoverable); without a trash it stays, hidden, beside."""
    try:
        from send2trash import send2trash

        send2trash(str(old))
    except (ImportError, OSError) as exc:
        log.warning("could not send the replaced model %s to the trash (%s); it is kept there", old, exc)


def discard(work: Path) -> None:
    """Remove a work folder/file this module handed out (after a failure); nothing else."""
    work = Path(work)
    if work.is_dir() and not work.is_symlink() and work.name.startswith(".") and work.name.endswith(".tmp"):
        shutil.rmtree(work, ignore_errors=True)
    elif work.is_file() and work.name.startswith("."):
        work.unlink(missing_ok=True)
