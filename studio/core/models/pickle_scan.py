"""Look inside a pickle-based checkpoint (.ckpt/.pt/.pth/.bin) WITHOUT unpickling it.

``pickletools.genops`` only decodes opcodes; nothing is imported or called. From the opcodes
we learn which globals the file would import when loaded (``os.system`` in a malicious file)
and the string keys of its state dict (to identify the model type).
"""
from __future__ import annotations

import io
import os
import pickletools
import zipfile
from dataclasses import dataclass
from pathlib import Path

from studio.core.i18n import _

PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle")
MAX_PICKLE_BYTES = 64 * 2**20  # data.pkl of a big checkpoint is a few MB; refuse absurd ones
MAX_KEYS = 20000

# Globals that torch.load(weights_only=True) accepts: a file importing only these holds plain weights.
SAFE_GLOBAL_PREFIXES = ("torch._utils._rebuild_", "torch.", "collections.OrderedDict", "builtins.set",
                        "builtins.frozenset", "builtins.bytearray", "_codecs.encode", "builtins.slice",
                        "builtins.complex")
DANGEROUS_MODULES = ("os", "posix", "nt", "subprocess", "sys", "builtins.eval", "builtins.exec",
                     "builtins.__import__", "builtins.getattr", "builtins.open", "runpy", "socket",
                     "shutil", "importlib", "pty", "webbrowser", "requests", "urllib")


@dataclass(frozen=True)
class PickleScan:
    globals: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    error: str = ""

    @property
    def dangerous(self) -> tuple[str, ...]:
        """Imports that can run code (os.system, eval, ...)."""
        return tuple(g for g in self.globals
                     if any(g == d or g.startswith(d + ".") for d in DANGEROUS_MODULES))

    @property
    def unusual(self) -> tuple[str, ...]:
        """Imports outside what a plain weights file needs (weights_only loading would refuse them)."""
        return tuple(g for g in self.globals if not g.startswith(SAFE_GLOBAL_PREFIXES))


def _ops(data: bytes) -> tuple[list[str], list[str], str]:
    """Globals and string constants of every pickle in ``data`` (torch's legacy format has several)."""
    globals_: list[str] = []
    strings: list[str] = []
    buf = io.BytesIO(data)
    error = ""
    while buf.tell() < len(data):
        recent: list[str] = []
        try:
            for op, arg, _pos in pickletools.genops(buf):
                if op.name in ("GLOBAL", "INST") and isinstance(arg, str):
                    globals_.append(arg.replace(" ", "."))
                elif op.name == "STACK_GLOBAL" and len(recent) >= 2:
                    globals_.append(f"{recent[-2]}.{recent[-1]}")
                elif isinstance(arg, str) and op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE",
                                                          "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING", "STRING"):
                    recent.append(arg)
                    if len(strings) < MAX_KEYS:
                        strings.append(arg)
        except Exception as exc:  # a malformed stream: report, never raise (genops runs no code)
            error = f"{type(exc).__name__}: {exc}"
            break
        if buf.tell() >= len(data) or len(globals_) + len(strings) == 0:
            break
        # legacy torch files put raw tensor bytes after the pickles: stop when no pickle follows
        if data[buf.tell():buf.tell() + 1] != b"\x80":
            break
    return globals_, strings, error


def scan_pickle(path: Path) -> PickleScan:
    """What ``path`` would import and which keys it holds, learnt without executing it."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith(".pkl")]
                if not names:
                    return PickleScan(error=_("zip archive without a pickle inside"))
                data = b""
                for n in names:
                    if zf.getinfo(n).file_size > MAX_PICKLE_BYTES:
                        return PickleScan(error=_("{name} is implausibly large").format(name=n))
                    if n.endswith("data.pkl") or not data:
                        data = zf.read(n)
        else:
            with path.open("rb") as fh:
                data = fh.read(MAX_PICKLE_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        return PickleScan(error=str(exc))
    globals_, strings, error = _ops(data)
    seen: dict[str, None] = dict.fromkeys(globals_)
    keys = [s for s in strings if "." in s or "_" in s]
    return PickleScan(globals=tuple(seen), keys=tuple(dict.fromkeys(keys)), error=error)


MAX_SCANNED_FILES = 10_000
"""A folder with more pickle files than this is refused rather than half checked."""
MAX_WALKED_FILES = 200_000
"""Nor is a folder with more files than this (no model has that many; the scan stays bounded)."""


class TooManyFiles(ValueError):
    """A folder too big to check every pickle in it."""


def dangerous_pickles(path: Path) -> list[tuple[Path, tuple[str, ...]]]:
    """(file, imports that run code) for every pickle in ``path`` (a file, or a folder at any depth).

    Used before anything is imported, so a folder holding a code-running pickle is refused exactly
    like the same file on its own. Links are not followed out of the folder.
    """
    path = Path(path)
    if path.is_file():
        files = [path] if path.suffix.lower() in PICKLE_SUFFIXES else []
    elif path.is_dir():
        files, seen = [], 0
        for dirpath, _dirs, names in os.walk(path):  # followlinks=False: a linked folder is not entered
            seen += len(names)
            files += [Path(dirpath) / n for n in names if Path(n).suffix.lower() in PICKLE_SUFFIXES]
            if len(files) > MAX_SCANNED_FILES or seen > MAX_WALKED_FILES:
                raise TooManyFiles(path)  # not a model folder; refused rather than half checked
    else:
        return []
    found = []
    for f in files:
        if f.is_symlink() or not f.is_file():
            continue
        scan = scan_pickle(f)
        if scan.dangerous:
            found.append((f, scan.dangerous))
    return found
