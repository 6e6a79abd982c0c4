"""Atomic file writes: write a temp file beside the target, fsync, then rename over it.

A crash or a full disk leaves either the old file or the new one, never a partial file. Only a
regular file (or nothing) is ever replaced: a device node, FIFO, socket or folder at the target is
refused, because renaming over it would destroy it (``--out /dev/null`` must not replace the device).
Commands check their output paths with :func:`check_output_file` / :func:`check_output_folder`
when they parse, before any work starts.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, IO, Iterator

from studio.core.errors import StudioError
from studio.core.i18n import _


class OutputPathError(StudioError, OSError):
    """An output path the studio will not write: not a regular file, no such folder, not writable."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode):
        return _("a FIFO (named pipe)")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("not a regular file")


def refuse_non_regular(path: Path) -> None:
    """OutputPathError when ``path`` exists (through links) and is anything but a regular file."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there (or a dangling link): a new file is made, if its folder allows
    except OSError as exc:
        raise OutputPathError(_("Cannot write {path}: {reason}.").format(path=path, reason=exc.strerror or exc)) \
            from exc
    if not stat.S_ISREG(st.st_mode):
        raise OutputPathError(_("{path} is {kind}; the studio only replaces regular files. Choose a file name.").format(
            path=path, kind=_kind(st.st_mode)))


def _probe_folder(folder: Path) -> None:
    """Create and remove a hidden file in ``folder``: the honest test that a save there can work."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".studio-write-check-", dir=folder)
    except OSError as exc:
        reason = _("it does not accept new files") if exc.errno == errno.ENOENT else (exc.strerror or str(exc))
        raise OutputPathError(_("Cannot write into {folder}: {reason}.").format(folder=folder, reason=reason)) \
            from exc
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def check_output_folder(folder: Path, create: bool = False) -> Path:
    """``folder`` if files can be saved in it (with ``create``: made now, inside an existing folder)."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        parent = folder.parent
        if not create or not parent.is_dir():
            raise OutputPathError(_("The folder {folder} does not exist.").format(folder=folder))
        _probe_folder(parent)
        try:
            folder.mkdir()
        except OSError as exc:
            raise OutputPathError(_("Cannot create {folder}: {reason}.").format(
                folder=folder, reason=exc.strerror or exc)) from exc
    elif not folder.is_dir():
        raise OutputPathError(_("{folder} is a file, not a folder.").format(folder=folder))
    _probe_folder(folder)
    return folder


def check_output_file(path: Path) -> Path:
    """``path`` if a file can be saved there: a regular file or nothing, in an existing writable folder."""
    path = Path(path).expanduser()
    refuse_non_regular(path)
    parent = path.parent
    if not parent.exists():
        up = next((p for p in parent.parents if p.exists()), None)
        if up is not None and not up.is_dir():
            raise OutputPathError(_("{path} is inside {file}, which is a file, not a folder.").format(
                path=path, file=up))
        raise OutputPathError(_("The folder {folder} does not exist.").format(folder=parent))
    if not parent.is_dir():
        raise OutputPathError(_("{path} is inside {file}, which is a file, not a folder.").format(
            path=path, file=parent))
    _probe_folder(parent)
    return path


def process_umask() -> int:
    """The umask, read without changing it (os.umask() sets it, which races with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file in ``path``'s folder; on success it replaces ``path``, on error it is removed."""
    path = Path(path)
    refuse_non_regular(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); the result should get the mode any new file gets.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~process_umask())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        refuse_non_regular(path)  # again: something may have been put there while the file was written
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_save(path: Path, writer: Callable[[IO[bytes]], None]) -> None:
    """Call ``writer(fh)`` on a temp file and move it to ``path`` only if it succeeds."""
    with atomic_open(path, "wb") as fh:
        writer(fh)
