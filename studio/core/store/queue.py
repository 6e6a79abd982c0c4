"""The persistent job queue: one SQLite table under the studio home.

Every state change is committed at once, so a crash or ``kill -9`` loses nothing: on the next
start :meth:`QueueStore.recover` marks jobs left ``running`` as ``interrupted`` (retryable) and
queued jobs keep their order. Workers claim jobs atomically (``queued`` → ``running`` in one
statement), so two workers never run the same job.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

from studio.core.store.db import Database
from studio.core.store.gallery import ensure_schema as ensure_gallery_schema
from studio.core.store.gallery import insert_entries
from studio.core.store.schema import QUEUE_SCHEMA
from studio.core.i18n import N_, _
from studio.core.results import JobResult, result_from_dict, result_to_dict
from studio.core.specs.base import Spec
from studio.core.specs.training import TrainSpec
from studio.core.specs.serial import spec_from_json, spec_to_json

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED = (
    "queued", "running", "done", "failed", "cancelled", "interrupted")
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED)
STATE_WORDS = {QUEUED: N_("queued"), RUNNING: N_("running"), DONE: N_("done"), FAILED: N_("failed"),
               CANCELLED: N_("cancelled"), INTERRUPTED: N_("interrupted")}
"""How each state reads in a message (shown with ``_()``)."""
FINAL_STATES = (DONE, FAILED, CANCELLED, INTERRUPTED)
RETRYABLE_STATES = (DONE, FAILED, CANCELLED, INTERRUPTED)
INTERRUPTED_MESSAGE = N_("Interrupted: the studio closed while this job ran.")
"""Stored as a job's error in the language of the moment (``_(INTERRUPTED_MESSAGE)``)."""

RESUMABLE_LEFTOVERS = (FAILED, CANCELLED, INTERRUPTED)
"""Rows a retry or a resumed training replaces (a done job's row stays: it has outputs)."""


def process_tag(pid: int | None = None) -> str:
    """``"pid:start-time"`` of a process: unique even when the OS reuses the pid later."""
    pid = os.getpid() if pid is None else pid
    try:
        import psutil

        return f"{pid}:{psutil.Process(pid).create_time():.3f}"
    except Exception:  # no psutil, or the process is gone
        return f"{pid}:?"


def reorder_moves(queued: list[int], moving: list[int], position: int) -> list[tuple[int, int]]:
    """The ``(job id, index)`` calls of the store's ``move`` that put ``moving`` (in queue order) as one block
    at index ``position`` among the other ``queued`` jobs. Each block member goes right after the one placed
    before it, so a later move never splits what an earlier one placed."""
    chosen = set(moving)
    moving = [j for j in queued if j in chosen]
    others = [j for j in queued if j not in chosen]
    position = max(0, min(position, len(others)))
    anchor = others[position - 1] if position else None
    current, moves = list(queued), []
    for job_id in moving:
        current.remove(job_id)
        index = current.index(anchor) + 1 if anchor is not None else 0
        current.insert(index, job_id)
        moves.append((job_id, index))
        anchor = job_id
    return moves


def _owner_alive(owner: str) -> bool:
    """True when the process that claimed a job still runs (and is not this one)."""
    pid_text, _, _ = owner.partition(":")
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        import psutil

        if not psutil.pid_exists(int(pid_text)):
            return False
    except ImportError:
        return False
    return process_tag(int(pid_text)) == owner


@dataclass(frozen=True)
class JobRecord:
    """One row of the queue, as stored."""

    id: int
    position: int
    kind: str
    title: str
    spec_json: str
    state: str
    created: float
    started: float | None = None
    finished: float | None = None
    progress_done: int = 0
    progress_total: int = 0
    error: str = ""
    """The user-facing failure message (one line)."""
    traceback: str = ""
    """The full traceback of a failure, for a details view and bug reports."""
    outputs: tuple[str, ...] = ()
    result_data: Mapping[str, Any] = field(default_factory=dict)
    """The stored result (see :func:`studio.core.results.result_to_dict`); read it with :meth:`result`."""
    text: str = ""
    """Text the job produced (LLM jobs)."""
    retry_of: int | None = None
    damaged: tuple[str, ...] = ()
    """Stored columns that could not be read (shown empty); the rest of the row is intact."""

    @property
    def spec(self) -> Spec:
        return spec_from_json(self.spec_json)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def retryable(self) -> bool:
        return self.state in RETRYABLE_STATES

    def result(self) -> JobResult:
        """The stored, typed result of a finished job (only the files and text for a row it cannot read)."""
        data = {**self.result_data, "outputs": list(self.outputs), "text": self.text,
                "cancelled": self.state == CANCELLED}
        try:
            return result_from_dict(self.kind, data)
        except (ValueError, TypeError):
            log.warning("job %d: its stored result is unreadable; only its files are shown", self.id)
            return JobResult(outputs=self.outputs, text=self.text, cancelled=self.state == CANCELLED)


def _json_field(row: Any, column: str, kind: type, damaged: list[str]) -> Any:
    """A JSON column's value; the empty ``kind()`` (and ``column`` noted in ``damaged``) when unreadable."""
    try:
        value = json.loads(row[column] or ("[]" if kind is list else "{}"))
    except (ValueError, TypeError, RecursionError):
        value = None
    if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
        damaged.append(column)
        return kind()
    return value


def _row_to_record(row: Any) -> JobRecord:
    """The record of a row; a damaged JSON column reads as empty (and the record says which)."""
    damaged: list[str] = []
    outputs = tuple(_json_field(row, "outputs_json", list, damaged))
    result_data = _json_field(row, "info_json", dict, damaged)
    return JobRecord(id=int(row["id"]), position=int(row["position"]), kind=str(row["kind"]),
                     title=str(row["title"]), spec_json=str(row["spec_json"]), state=str(row["state"]),
                     created=float(row["created"]), started=row["started"], finished=row["finished"],
                     progress_done=int(row["progress_done"] or 0), progress_total=int(row["progress_total"] or 0),
                     error=str(row["error"] or ""), traceback=str(row["traceback"] or ""), outputs=outputs,
                     result_data=result_data, text=str(row["result_text"] or ""), retry_of=row["retry_of"],
                     damaged=tuple(damaged))


class QueueStore:
    """The job queue on disk. Thread-safe; every method commits before it returns."""

    def __init__(self, path: Path | str | Database, notice: str = "") -> None:
        self.db = path if isinstance(path, Database) else Database(path)
        self.notice = notice
        """One line saying the database was damaged and repaired on open ("" when it was fine)."""
        self.skipped_rows: list[int] = []
        """Ids of rows :meth:`list` left out because they could not be read at all."""
        self.db.ensure_schema(QUEUE_SCHEMA)
        self._migrate()
        self._owner = process_tag()
        # The gallery lives in the same file so a job's `done` state and its history entries
        # commit together.
        ensure_gallery_schema(self.db)

    @classmethod
    def open(cls, path: Path | str) -> "QueueStore":
        """The store on the queue file at ``path``, moving a damaged file aside first (see queue_db)."""
        from studio.core.store.queue_db import open_queue_db

        opened = open_queue_db(Path(path))
        return cls(opened.db, opened.notice)

    def _migrate(self) -> None:
        """Add columns that newer versions introduced to a queue file made by an older one."""
        have = {r["name"] for r in self.db.query("PRAGMA table_info(jobs)")}
        if "owner" not in have:
            with self.db.transaction() as conn:
                conn.execute("ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        self.db.close()

    # -- adding and claiming -------------------------------------------------------------------

    def add(self, spec: Spec, *, front: bool = False, retry_of: int | None = None) -> int:
        """Queue ``spec`` at the end (or before every queued job with ``front``); returns its id."""
        with self.db.transaction() as conn:
            if front:
                pos = conn.execute("SELECT COALESCE(MIN(position), 1) - 1 FROM jobs WHERE state = ?",
                                   (QUEUED,)).fetchone()[0]
            else:
                pos = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM jobs").fetchone()[0]
            cur = conn.execute(
                "INSERT INTO jobs(position, kind, title, spec_json, state, created, retry_of)"
                " VALUES (?,?,?,?,?,?,?)",
                (pos, spec.kind, spec.title(), spec_to_json(spec), QUEUED, time.time(), retry_of))
            return int(cur.lastrowid)

    def next_queued(self, kinds: Collection[str] | None = None) -> JobRecord | None:
        """Claim the first queued job (``queued`` → ``running``) and return it; None when none waits."""
        kind_sql, params = "", []
        if kinds:
            kind_sql = f" AND kind IN ({','.join('?' * len(kinds))})"
            params = list(kinds)
        with self.db.transaction() as conn:
            row = conn.execute(
                f"UPDATE jobs SET state = ?, started = ?, progress_done = 0, progress_total = 0, owner = ?"
                f" WHERE id = (SELECT id FROM jobs WHERE state = ?{kind_sql} ORDER BY position, id LIMIT 1)"
                f" RETURNING *", [RUNNING, time.time(), self._owner, QUEUED, *params]).fetchone()
        return _row_to_record(row) if row is not None else None

    # -- state changes -------------------------------------------------------------------------

    def set_state(self, job_id: int, state: str, error: str = "", traceback: str = "") -> None:
        """Move a job to ``state`` (stamping start/finish times); ``error`` for failures."""
        if state not in STATES:
            raise ValueError(f"unknown job state {state!r}")
        now = time.time()
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, error = ?, traceback = ?,"
                " started = CASE WHEN ? = 'running' THEN ? ELSE started END,"
                " finished = CASE WHEN ? IN ('done','failed','cancelled','interrupted') THEN ? ELSE NULL END"
                " WHERE id = ?", (state, error, traceback, state, now, state, now, job_id))

    def set_progress(self, job_id: int, done: int, total: int) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE jobs SET progress_done = ?, progress_total = ? WHERE id = ?",
                         (int(done), int(total), job_id))

    def set_result(self, job_id: int, result: JobResult, spec: Spec | None = None) -> list[int]:
        """Store a finished job's result: state ``done`` (``cancelled`` if the result says so) and one
        history entry per output, all in one transaction. Returns the new gallery entry ids."""
        state = CANCELLED if result.cancelled else DONE
        with self.db.transaction() as conn:
            row = conn.execute("SELECT spec_json, progress_total FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise KeyError(job_id)
            spec = spec or spec_from_json(row["spec_json"])
            conn.execute(
                "UPDATE jobs SET state = ?, finished = ?, outputs_json = ?, info_json = ?, result_text = ?,"
                " error = '', progress_done = CASE WHEN ? = 'done' THEN progress_total ELSE progress_done END"
                " WHERE id = ?",
                (state, time.time(), json.dumps(list(result.outputs)),
                 json.dumps(result_to_dict(result), ensure_ascii=False), result.text, state, job_id))
            return insert_entries(conn, job_id, spec, result)

    def cancel_queued(self, job_id: int) -> bool:
        """``queued`` → ``cancelled`` if the job has not been claimed yet; True when it was."""
        with self.db.transaction() as conn:
            cur = conn.execute("UPDATE jobs SET state = ?, finished = ? WHERE id = ? AND state = ?",
                               (CANCELLED, time.time(), job_id, QUEUED))
            return cur.rowcount > 0

    def recover(self) -> list[int]:
        """At start-up: jobs left ``running`` by a dead process become ``interrupted``. Returns their ids.

        Jobs running in another studio process that is still alive (a second window on the same
        home) are left alone.
        """
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, owner FROM jobs WHERE state = ?", (RUNNING,)).fetchall()
            dead = sorted(int(r["id"]) for r in rows if not _owner_alive(r["owner"]))
            for job_id in dead:
                conn.execute("UPDATE jobs SET state = ?, finished = ?, error = ? WHERE id = ?",
                             (INTERRUPTED, time.time(), _(INTERRUPTED_MESSAGE), job_id))
        return dead

    # -- queue editing -------------------------------------------------------------------------

    def retry(self, job_id: int, *, front: bool = False) -> int:
        """A new queued job with the same spec as ``job_id`` (which stays as it was); its id.

        A training that did not finish (interrupted, cancelled, failed) continues from its last
        checkpoint (``resume="last"``, as ``train --resume last``) instead of starting over.
        """
        rec = self.get(job_id)
        spec = rec.spec
        if isinstance(spec, TrainSpec) and rec.state != DONE and not spec.resume:
            spec = spec.replace(resume="last")
        return self.add(spec, front=front, retry_of=job_id)

    def superseded_by(self, spec: Spec) -> list[int]:
        """Ids of the failed, cancelled or interrupted rows a new job for ``spec`` carries on: a training
        that resumes (same family and output name) leaves no stale row behind."""
        if not isinstance(spec, TrainSpec) or not spec.resume:
            return []
        out = []
        for rec in self.list():
            if rec.state not in RESUMABLE_LEFTOVERS or rec.kind != TrainSpec.kind:
                continue
            try:
                old = rec.spec
            except ValueError:  # an unreadable row is not this training's
                continue
            if isinstance(old, TrainSpec) and (old.family, old.out) == (spec.family, spec.out):
                out.append(rec.id)
        return out

    # -- queue-wide state (survives restarts) ----------------------------------------------------

    def paused(self) -> bool:
        """Whether the user paused the queue (kept in the file: a restart does not resume it)."""
        rows = self.db.query("SELECT value FROM queue_state WHERE key = 'paused'")
        return bool(rows) and rows[0]["value"] == "1"

    def set_paused(self, paused: bool) -> None:
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO queue_state(key, value) VALUES ('paused', ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("1" if paused else "0",))

    def remove(self, job_id: int) -> bool:
        """Delete a job row (its outputs and history entries stay). False when it did not exist."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount > 0

    def clear_finished(self) -> list[int]:
        """Delete every finished job row (done, failed, cancelled, interrupted); their ids."""
        with self.db.transaction() as conn:
            rows = conn.execute("DELETE FROM jobs WHERE state IN (?,?,?,?) RETURNING id", FINAL_STATES).fetchall()
        return sorted(int(r["id"]) for r in rows)

    def move(self, job_id: int, new_position: int) -> None:
        """Put a queued job at index ``new_position`` among the queued jobs (0 runs next).

        Only queued jobs are reordered; their set of position numbers is reused, so finished
        and running rows keep their place in the list.
        """
        with self.db.transaction() as conn:
            rows = conn.execute("SELECT id, position FROM jobs WHERE state = ? ORDER BY position, id",
                                (QUEUED,)).fetchall()
            ids = [int(r["id"]) for r in rows]
            if job_id not in ids:
                raise KeyError(job_id)
            slots = sorted(int(r["position"]) for r in rows)
            ids.remove(job_id)
            ids.insert(max(0, min(int(new_position), len(ids))), job_id)
            for pos, jid in zip(slots, ids):
                conn.execute("UPDATE jobs SET position = ? WHERE id = ?", (pos, jid))

    # -- reading -------------------------------------------------------------------------------

    def get(self, job_id: int) -> JobRecord:
        """One job; KeyError when it does not exist."""
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if not rows:
            raise KeyError(job_id)
        return _row_to_record(rows[0])

    def list(self, states: Collection[str] | None = None) -> list[JobRecord]:
        """Jobs in queue order (position, then id), optionally only some states."""
        if states:
            rows = self.db.query(f"SELECT * FROM jobs WHERE state IN ({','.join('?' * len(states))})"
                                 " ORDER BY position, id", list(states))
        else:
            rows = self.db.query("SELECT * FROM jobs ORDER BY position, id")
        records, skipped = [], []
        for r in rows:
            try:
                records.append(_row_to_record(r))
            except (TypeError, ValueError):  # a NULL or text where a number belongs: not a readable job
                skipped.append(int(r["id"]))
        if skipped:
            log.warning("queue rows %s are unreadable and were skipped", skipped)
        self.skipped_rows = skipped
        return records

    def queued_ids(self) -> list[int]:
        """Ids of queued jobs in the order they will run."""
        return [int(r["id"]) for r in self.db.query("SELECT id FROM jobs WHERE state = ? ORDER BY position, id",
                                                    (QUEUED,))]
