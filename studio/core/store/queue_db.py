"""Opening the queue database safely: a damaged file is moved aside (kept) and a fresh one started.

The queue file (``queue.sqlite3``: jobs and history) can be damaged by a disk fault, a copy cut
short or another program writing over it. Rather than fail every command, :func:`open_queue_db`
checks the file once when it opens it; a file SQLite cannot read, one that fails its quick
integrity check, or one whose tables are not the studio's is renamed with a timestamp beside it,
a new database is started, and every job and history row SQLite can still read is copied over.
The caller shows the returned notice once (the CLI prints it; the window's status bar shows it).
"""
from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from studio.core.store.db import BUSY_TIMEOUT_S, Database
from studio.core.store.schema import SCHEMA
from studio.core.errors import StudioError
from studio.core.i18n import _

log = logging.getLogger(__name__)

PAGE = 500
"""Rows read per query while recovering (a damaged page loses at most this many rows at a time)."""
MAX_BAD_PAGES = 64
"""Unreadable pages skipped before recovery of a table gives up."""
_SIDE_FILES = ("-wal", "-shm")
# SQLite's wordings for a file that is not (or no longer) a readable database.
_DAMAGED_WORDS = ("not a database", "malformed", "corrupt", "file is encrypted", "no such table",
                  "no such column")


class QueueDatabaseError(StudioError):
    """The queue database cannot be opened (and is not merely damaged: e.g. a read-only home)."""


@dataclass(frozen=True)
class OpenedQueue:
    """A usable queue database and, when it had to be repaired, the one line that says so."""

    db: Database
    notice: str = ""


def expected_columns() -> dict[str, set[str]]:
    """The studio's tables and their columns, read from the schemas themselves (one place)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        return {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in ("jobs", "gallery")}
    finally:
        conn.close()


# Columns added after the first release: an older file may lack them (QueueStore migrates them).
_OPTIONAL_COLUMNS = {"jobs": {"owner"}, "gallery": set()}


def _problem(path: Path) -> str:
    """Why the database at ``path`` is unusable, or "" when it is fine. Raises QueueDatabaseError
    when it cannot even be opened for a reason other than damage (permissions, a locked file)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise QueueDatabaseError(_("Cannot open the queue database {path}: {reason}.").format(
            path=path, reason=exc)) from exc
    try:
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
        if row is None or row[0] != "ok":
            return _("integrity check failed ({detail})").format(detail=row[0] if row else "no answer")
        tables = {r[0]: r[1] for r in conn.execute("SELECT name, type FROM sqlite_master")}
        for table, cols in expected_columns().items():
            if table not in tables:
                continue  # a new or older file: the table is created on open
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            missing = cols - _OPTIONAL_COLUMNS[table] - have
            if missing:
                return _("the {table} table is not the studio's (no {columns})").format(
                    table=table, columns=", ".join(sorted(missing)))
        return ""
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        if isinstance(exc, sqlite3.OperationalError) and not any(w in text for w in _DAMAGED_WORDS):
            raise QueueDatabaseError(_("Cannot open the queue database {path}: {reason}.").format(
                path=path, reason=exc)) from exc
        return str(exc)
    finally:
        conn.close()


def _move_aside(path: Path) -> Path:
    """Rename the damaged file (and its WAL/SHM companions) to ``queue-damaged-<time>.sqlite3``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.stem}-damaged-{stamp}{path.suffix}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.stem}-damaged-{stamp}-{n}{path.suffix}")
    try:
        path.rename(aside)
        for side in _SIDE_FILES:
            companion = Path(str(path) + side)
            if companion.exists():
                companion.rename(Path(str(aside) + side))
    except OSError as exc:
        raise QueueDatabaseError(_("The queue database {path} is damaged and cannot be moved aside: {reason}.")
                                 .format(path=path, reason=exc.strerror or exc)) from exc
    return aside


def _read_rows(conn: sqlite3.Connection, table: str) -> tuple[list[dict], int]:
    """Every row of ``table`` SQLite can still read: page by page, row by row around damaged pages.

    Returns the rows and how many could not be read (an estimate: rowids that failed to read).
    """
    rows: list[dict] = []
    lost, bad_pages, last = 0, 0, 0
    end = _last_rowid(conn, table)
    while bad_pages < MAX_BAD_PAGES and (end is None or last < end):
        try:
            cur = conn.execute(f"SELECT rowid AS _rowid_, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                               (last, PAGE))
            names = [d[0] for d in cur.description]
            page = [dict(zip(names, values)) for values in cur.fetchall()]
        except sqlite3.DatabaseError:
            page, failed = _read_one_by_one(conn, table, last, end)
            lost += failed if end is not None else 0
            bad_pages = bad_pages + 1 if not page else 0
            rows += page
            last += PAGE
            continue
        if not page:
            break
        rows += page
        last = page[-1]["_rowid_"]
        bad_pages = 0
    return rows, lost


def _last_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    """The largest id the table ever handed out (AUTOINCREMENT keeps it), when still readable."""
    try:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(row[0]) if row is not None and isinstance(row[0], int) else None


def _read_one_by_one(conn: sqlite3.Connection, table: str, last: int,
                     end: int | None) -> tuple[list[dict], int]:
    """Rows ``last+1 .. last+PAGE`` looked up one at a time (a damaged page fails only its own rows)."""
    rows: list[dict] = []
    failed = 0
    stop = last + PAGE if end is None else min(last + PAGE, end)
    for rowid in range(last + 1, stop + 1):
        try:
            cur = conn.execute(f"SELECT rowid AS _rowid_, * FROM {table} WHERE rowid = ?", (rowid,))
            names = [d[0] for d in cur.description]
            rows += [dict(zip(names, values)) for values in cur.fetchall()]
        except sqlite3.DatabaseError:
            failed += 1
    return rows, failed


def _readable_copy(aside: Path) -> Path | None:
    """A temporary copy of a truncated file padded to the size its header gives (so SQLite opens it)."""
    try:
        with aside.open("rb") as fh:
            header = fh.read(100)
        size = aside.stat().st_size
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size < 512 or pages * page_size <= size:
        return None
    tmp = aside.with_name(aside.name + ".recovering")
    try:
        shutil.copyfile(aside, tmp)
        with tmp.open("r+b") as fh:
            fh.truncate(pages * page_size)  # zero pages: reading them fails, the rest reads
    except OSError:
        tmp.unlink(missing_ok=True)
        return None
    return tmp


def _recover(aside: Path, db: Database) -> tuple[int, int, int]:
    """Copy readable jobs and history rows from ``aside`` into ``db``: (jobs, entries, rows lost)."""
    padded = _readable_copy(aside) if aside.is_file() else None
    try:
        return _copy_rows(padded or aside, db)
    finally:
        if padded is not None:
            padded.unlink(missing_ok=True)


def _copy_rows(source: Path, db: Database) -> tuple[int, int, int]:
    try:
        src = sqlite3.connect(f"file:{source}?immutable=1", uri=True)
    except sqlite3.Error:
        return 0, 0, 0
    counts = {"jobs": 0, "gallery": 0}
    lost = 0
    columns = expected_columns()
    try:
        for table in ("jobs", "gallery"):
            try:
                rows, failed = _read_rows(src, table)
            except sqlite3.Error:
                continue
            lost += failed
            for row in rows:
                values = {k: v for k, v in row.items() if k in columns[table]}
                values.setdefault("id", row["_rowid_"])
                try:
                    with db.transaction() as conn:
                        conn.execute(f"INSERT INTO {table}({','.join(values)}) VALUES"
                                     f" ({','.join('?' * len(values))})", list(values.values()))
                    counts[table] += 1
                except sqlite3.Error:  # a NOT NULL column missing, a duplicate id...: this row is lost
                    lost += 1
    finally:
        src.close()
    return counts["jobs"], counts["gallery"], lost


def _disk_full(exc: BaseException | None) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.Error) and ("disk i/o" in text or "full" in text)


def _read_only(path: Path) -> OpenedQueue:
    """The queue as a read-only snapshot, for a disk too full for SQLite's shared-memory file."""
    db = Database(path, read_only=True)
    try:
        db.query("SELECT name FROM sqlite_master LIMIT 1")
    except sqlite3.Error as exc:
        db.close()
        raise QueueDatabaseError(_("Cannot open the queue database {path}: {reason}.").format(
            path=path, reason=exc)) from exc
    notice = _("The disk is full: the queue and history are shown read-only; nothing new can be saved.")
    log.warning("%s", notice)
    return OpenedQueue(db, notice)


def open_queue_db(path: Path) -> OpenedQueue:
    """The queue database at ``path``, repaired first when damaged (see the module docstring)."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            problem = _("it is not a file")
        elif path.is_file():
            problem = _problem(path)
        else:
            problem = ""
        if not problem:
            try:
                db = Database(path)
                db.query("SELECT name FROM sqlite_master LIMIT 1")
                return OpenedQueue(db)
            except sqlite3.Error as exc:
                raise QueueDatabaseError(_("Cannot open the queue database {path}: {reason}.").format(
                    path=path, reason=exc)) from exc
    except QueueDatabaseError as exc:
        if path.is_file() and _disk_full(exc.__cause__):
            return _read_only(path)
        raise
    aside = _move_aside(path)
    db = Database(path)
    db.executescript(SCHEMA)
    jobs, entries, skipped = _recover(aside, db)
    notice = _("The queue database was damaged ({problem}): it was kept as {aside} and a new one started; "
               "{jobs} job(s) and {entries} history entries recovered.").format(
        problem=problem, aside=aside.name, jobs=jobs, entries=entries)
    if skipped:
        notice += " " + _("Up to {count} row(s) could not be read.").format(count=skipped)
    log.warning("%s", notice)
    return OpenedQueue(db, notice)
