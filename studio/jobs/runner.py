"""Run one claimed job and store how it ended; shared by the Qt workers and ``queue run`` (no Qt here).

A job ends in exactly one state: done, cancelled (JobCancelled or ``result.cancelled``), failed
(any exception: a one-line message for the user, the traceback to the log and the store), or
interrupted (cancelled because the studio is closing: the user can retry it later).
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from studio.core.errors import JobCancelled, user_message
from studio.core.progress import CancelToken, Reporter
from studio.core.queue_store import CANCELLED, DONE, FAILED, INTERRUPTED, INTERRUPTED_MESSAGE, JobRecord, QueueStore
from studio.core.specs import JobResult

if TYPE_CHECKING:
    from studio.engines.context import EngineContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How a job ended: its final state, the engine's result (done/cancelled) or the failure message."""

    state: str
    result: JobResult | None = None
    message: str = ""


def run_record(store: QueueStore, rec: JobRecord, reporter: Reporter, cancel: CancelToken,
               ctx: "EngineContext", closing: Callable[[], bool] = lambda: False) -> Outcome:
    """Run ``rec`` (already claimed, state running) on its engine and store the outcome.

    ``closing()`` tells whether a cancel came from the studio shutting down (→ interrupted).
    Never raises for engine errors; the store write of the final state is attempted even then.
    """
    from studio.engines.dispatch import run_spec  # here, in the worker thread: imports the engines

    flush = getattr(reporter, "flush", None) or (lambda: None)
    started = time.monotonic()
    try:
        spec = rec.spec
        result = run_spec(spec, reporter, cancel, ctx)
        flush()
        if result.cancelled and closing():
            return _store_state(store, rec.id, Outcome(INTERRUPTED, result, INTERRUPTED_MESSAGE))
        store.set_result(rec.id, result, spec)  # done or cancelled, with its history entries
        log.info("job %d (%s) %s in %.2f s", rec.id, rec.kind, "cancelled" if result.cancelled else "done",
                 time.monotonic() - started)
        return Outcome(CANCELLED if result.cancelled else DONE, result)
    except JobCancelled:
        flush()
        if closing():
            return _store_state(store, rec.id, Outcome(INTERRUPTED, None, INTERRUPTED_MESSAGE))
        return _store_state(store, rec.id, Outcome(CANCELLED))
    except Exception as exc:
        flush()
        message = user_message(exc)
        tb = traceback.format_exc()
        log.error("job %d (%s) failed: %s\n%s", rec.id, rec.kind, message, tb)
        return _store_state(store, rec.id, Outcome(FAILED, None, message), tb)


def _store_state(store: QueueStore, job_id: int, outcome: Outcome, tb: str = "") -> Outcome:
    try:
        store.set_state(job_id, outcome.state, outcome.message if outcome.state != CANCELLED else "", tb)
    except Exception:  # the row stays `running`; recover() marks it interrupted on the next start
        log.exception("could not store state %s of job %d", outcome.state, job_id)
    return outcome
