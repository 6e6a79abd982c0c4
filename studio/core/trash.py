"""Deleting outputs with undo: a file is first held in the studio's own folder, then sent to the system trash.

``hold`` moves the file to ``<studio home>/cache/deleted/<token>/`` (the undo window); ``restore`` puts it
back; ``release`` sends it to the platform trash (Send2Trash), where the user can still recover it. Held
files a crash left behind are released at the next start (:func:`release_leftovers`): the user asked
for them to be deleted, and nothing is ever removed outright.

Only files inside the studio's outputs folders are ever moved (:func:`output_roots`): a history row
names its file, and a tampered database must not be able to send any other file to the trash.
"""
from __future__ import annotations

import logging
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.settings import load_settings

log = logging.getLogger(__name__)


class TrashError(StudioError):
    """A file that could not be moved to (or back from) the trash."""


@dataclass(frozen=True)
class HeldFile:
    original: Path
    held: Path


def _deleted_dir(paths: StudioPaths) -> Path:
    return paths.cache / "deleted"


def output_roots(paths: StudioPaths) -> list[Path]:
    """The folders whose files the studio may move to the trash: the settings' output folder and the
    home's ``outputs/``, resolved (links followed), without duplicates."""
    roots: list[Path] = []
    for folder in (load_settings(paths.settings_file).outputs_folder(paths.outputs), paths.root / "outputs"):
        try:
            resolved = folder.resolve()
        except (OSError, RuntimeError):  # a link loop: that folder holds nothing we may move
            continue
        if resolved not in roots:
            roots.append(resolved)
    return roots


def check_deletable(paths: StudioPaths, path: Path) -> None:
    """TrashError (one line) unless ``path`` really lies inside one of the studio's outputs folders:
    resolved, so neither ``..`` nor a link (the file's or a folder's) can lead outside."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        real = None
    if real is None or not any(real != root and real.is_relative_to(root) for root in output_roots(paths)):
        raise TrashError(_("{path} is not in the studio's outputs folder: it is left where it is, and so is "
                           "its history entry.").format(path=path))


def hold(paths: StudioPaths, path: Path) -> HeldFile:
    """Move ``path`` aside (undoable); TrashError with one line when it cannot be moved or lies outside
    the studio's outputs folders."""
    check_deletable(paths, path)
    folder = _deleted_dir(paths) / secrets.token_hex(6)
    try:
        folder.mkdir(parents=True)
        target = folder / path.name
        shutil.move(str(path), str(target))
    except OSError as exc:
        raise TrashError(_("Cannot move {name} to the trash: {why}").format(name=path.name, why=exc.strerror or exc))
    (folder / ".original").write_text(str(path), encoding="utf-8")
    return HeldFile(path, target)


def restore(held: HeldFile) -> None:
    """Put a held file back where it was (never over a file that appeared there since)."""
    if held.original.exists():
        raise TrashError(_("Cannot restore {name}: a file of that name exists again.").format(name=held.original.name))
    try:
        held.original.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(held.held), str(held.original))
    except OSError as exc:
        raise TrashError(_("Cannot restore {name}: {why}").format(name=held.original.name, why=exc.strerror or exc))
    shutil.rmtree(held.held.parent, ignore_errors=True)


def release(held: HeldFile) -> None:
    """Send a held file to the system trash (it stays held, and logged, when there is no trash)."""
    try:
        from send2trash import send2trash

        send2trash(str(held.held))
    except (ImportError, OSError) as exc:
        log.warning("could not send %s to the trash (%s); it stays in %s", held.original, exc, held.held.parent)
        return
    shutil.rmtree(held.held.parent, ignore_errors=True)


def release_leftovers(paths: StudioPaths) -> int:
    """Send files held by a run that ended before releasing them to the trash; returns how many."""
    folder = _deleted_dir(paths)
    count = 0
    for token in sorted(folder.iterdir()) if folder.is_dir() else ():
        files = [f for f in token.iterdir() if f.name != ".original"]
        original = (token / ".original").read_text(encoding="utf-8") if (token / ".original").exists() else ""
        for f in files:
            release(HeldFile(Path(original or f.name), f))
            count += 1
        if not files:
            shutil.rmtree(token, ignore_errors=True)
    return count
