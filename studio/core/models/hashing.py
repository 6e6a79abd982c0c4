"""SHA-256 of model files, with a cache keyed by (path, size, mtime) so a file is hashed once.

The short "AutoV2" hash that AUTOMATIC1111 and Civitai show is the first 10 hex digits of the
file's SHA-256. A folder model (diffusers) gets the SHA-256 of its weight files' hashes.
The cache is a small SQLite file under ``paths.cache``; every call opens its own connection so
hashing may run on any thread.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Callable, Iterable, Protocol

from studio.core.errors import JobCancelled, ModelError
from studio.core.i18n import _

CHUNK = 4 * 2**20
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".ckpt", ".pt", ".pth", ".gguf", ".onnx", ".msgpack")
ProgressFn = Callable[[int, int], None]


log = logging.getLogger(__name__)

class _Cancel(Protocol):
    @property
    def cancelled(self) -> bool: ...


def autov2(sha256: str) -> str:
    """The short hash A1111/Civitai show: the first 10 hex digits of the SHA-256."""
    return sha256[:10]


def addnet_hash(path: Path) -> str:
    """The short hash A1111 writes for LoRAs ("Lora hashes", Civitai's AutoV3): the first 12 hex digits
    of the SHA-256 of a safetensors file's tensor bytes (everything after its JSON header)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        header = fh.read(8)
        if len(header) < 8:
            raise ModelError(_("{name} is not a safetensors file.").format(name=Path(path).name))
        fh.seek(8 + int.from_bytes(header, "little"))
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()[:12]


def sha256_file(path: Path, progress: ProgressFn | None = None, cancel: _Cancel | None = None,
                done_before: int = 0, total: int | None = None) -> str:
    """Hex SHA-256 of ``path``. Raises ModelError if the file vanishes or changes while hashed,
    JobCancelled when ``cancel`` is set."""
    path = Path(path)
    try:
        st = path.stat()
        h = hashlib.sha256()
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        done = 0
        total = total if total is not None else st.st_size
        with path.open("rb", buffering=0) as fh:
            while done < st.st_size:  # never past the size we started with: a growing file must not hang us
                n = fh.readinto(view[:min(CHUNK, st.st_size - done)])
                if not n:
                    break
                h.update(view[:n])
                done += n
                if progress is not None:
                    progress(done_before + done, total)
                if cancel is not None and cancel.cancelled:
                    raise JobCancelled()
        after = path.stat()
    except FileNotFoundError:
        raise ModelError(_("{name} disappeared while it was being hashed.").format(name=path.name)) from None
    except PermissionError:
        raise ModelError(_("{name} cannot be read (permission denied).").format(name=path.name)) from None
    if done != st.st_size or after.st_size != st.st_size or after.st_mtime_ns != st.st_mtime_ns:
        raise ModelError(_("{name} changed while it was being hashed; try again once it is complete.").format(
            name=path.name))
    return h.hexdigest()


def weight_files(folder: Path) -> list[Path]:
    """The files whose bytes define a folder model (weights), in a stable order."""
    return sorted((p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in WEIGHT_SUFFIXES),
                  key=lambda p: p.relative_to(folder).as_posix())


class HashCache:
    """SHA-256 per (path, size, mtime), persisted in SQLite."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._create()
        except sqlite3.DatabaseError as exc:  # a damaged cache is rebuilt, never a reason to fail a listing
            log.warning("hash cache %s is damaged (%s); starting a new one", self.db_path, exc)
            self.db_path.replace(self.db_path.with_name(self.db_path.name + ".damaged"))
            self._create()

    def _create(self) -> None:
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER, "
                       "mtime_ns INTEGER, sha256 TEXT)")

    @classmethod
    def for_paths(cls, paths) -> "HashCache":
        return cls(paths.cache / "hashes.sqlite3")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=10)

    @staticmethod
    def _key(path: Path) -> tuple[str, int, int]:
        p = Path(path).absolute()
        st = p.stat()
        return str(p), st.st_size, st.st_mtime_ns

    def lookup(self, path: Path) -> str | None:
        """The cached hash if the file is unchanged since it was hashed, else None."""
        return self.lookup_many([path]).get(str(Path(path).absolute()))

    def lookup_many(self, files: Iterable[Path]) -> dict[str, str]:
        """{absolute path: sha256} for every unchanged file that has a cached hash (one query per file)."""
        out: dict[str, str] = {}
        with closing(self._connect()) as db:
            for f in files:
                try:
                    key, size, mtime = self._key(f)
                except OSError:
                    continue
                row = db.execute("SELECT sha256 FROM hashes WHERE path=? AND size=? AND mtime_ns=?",
                                 (key, size, mtime)).fetchone()
                if row:
                    out[key] = row[0]
        return out

    def store(self, path: Path, sha256: str, size: int, mtime_ns: int) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR REPLACE INTO hashes VALUES (?,?,?,?)",
                       (str(Path(path).absolute()), size, mtime_ns, sha256))

    def file_hash(self, path: Path, progress: ProgressFn | None = None, cancel: _Cancel | None = None,
                  done_before: int = 0, total: int | None = None) -> str:
        """SHA-256 of one file, from the cache when unchanged."""
        path = Path(path)
        try:
            key, size, mtime = self._key(path)
        except FileNotFoundError:
            raise ModelError(_("{name} does not exist.").format(name=path.name)) from None
        cached = self.lookup(path)
        if cached:
            if progress is not None:
                progress(done_before + size, total if total is not None else size)
            return cached
        sha = sha256_file(path, progress, cancel, done_before, total)
        self.store(path, sha, size, mtime)
        return sha

    def model_hash(self, path: Path, progress: ProgressFn | None = None, cancel: _Cancel | None = None) -> str:
        """SHA-256 of a model file, or for a folder the SHA-256 of "relpath sha256" lines of its weights."""
        path = Path(path)
        if not path.is_dir():
            return self.file_hash(path, progress, cancel)
        files = weight_files(path)
        if not files:
            raise ModelError(_("{name} holds no weight files to hash.").format(name=path.name))
        total = sum(f.stat().st_size for f in files)
        lines, done = [], 0
        for f in files:
            lines.append(f"{f.relative_to(path).as_posix()} {self.file_hash(f, progress, cancel, done, total)}\n")
            done += f.stat().st_size
        return hashlib.sha256("".join(lines).encode()).hexdigest()

    def cached_model_hash(self, path: Path) -> str | None:
        """The model hash if every file involved is cached and unchanged; never reads file contents."""
        path = Path(path)
        if not path.is_dir():
            return self.lookup(path)
        files = weight_files(path)
        found = self.lookup_many(files)
        if not files or len(found) != len(files):
            return None
        lines = [f"{f.relative_to(path).as_posix()} {found[str(f.absolute())]}\n" for f in files]
        return hashlib.sha256("".join(lines).encode()).hexdigest()

