"""One SQLite database file shared by threads: WAL journal, one connection under a lock.

Every write goes through :meth:`Database.transaction`, which commits when the block ends, so a
process killed with SIGKILL loses at most the transaction in flight (WAL keeps the file intact).
"""
from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

BUSY_TIMEOUT_S = 30.0


class Database:
    """A thread-safe wrapper around one ``sqlite3`` connection (autocommit; explicit transactions)."""

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        """Opened as an unchanging snapshot (``immutable``): reads work where nothing can be written."""
        # RLock: a transaction may call helpers that query through the same object.
        self._lock = threading.RLock()
        if read_only:
            self._conn = sqlite3.connect(f"file:{self.path}?immutable=1", uri=True, isolation_level=None,
                                         check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            return
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives a killed process; only a power
        # cut may lose the last commits, and the file stays consistent either way.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back if the block raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """All rows of a read-only statement."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def executescript(self, script: str) -> None:
        """Run DDL such as ``CREATE TABLE IF NOT EXISTS`` (each statement commits on its own)."""
        with self._lock:
            self._conn.executescript(script)

    def ensure_schema(self, script: str) -> None:
        """Run idempotent DDL (``CREATE … IF NOT EXISTS``) only when an object it creates is missing:
        opening an existing database then writes nothing, so reading works even on a full disk."""
        names = set(re.findall(r"IF NOT EXISTS\s+(\w+)", script))
        have = {r[0] for r in self.query("SELECT name FROM sqlite_master")}
        if not names or names - have:
            self.executescript(script)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
