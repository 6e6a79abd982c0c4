"""Run one claimed job on an engine host and store how it ended; shared by the Qt workers and ``queue run``.

A job ends in exactly one state: done, cancelled (by the engine or by ending its host after the
grace period), failed (an engine exception, or the host dying or breaking the protocol: a one-line
message for the user, the traceback to the log and the store), or interrupted (cancelled because
the studio is closing: the user can retry it later). No Qt and no torch here.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from studio.core.errors import user_message
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.store.queue import CANCELLED, DONE, FAILED, INTERRUPTED, INTERRUPTED_MESSAGE, JobRecord, QueueStore
from studio.core.results import JobResult
from studio.jobs.host_client import HostClient, PreviewSink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How a job ended: its final state, the engine's result (done/cancelled) or the failure message."""

    state: str
    result: JobResult | None = None
    message: str = ""


def run_record(store: QueueStore, rec: JobRecord, reporter: Reporter, cancel: CancelToken, host: HostClient,
               closing: Callable[[], bool] = lambda: False, *, flush: Callable[[], None] = lambda: None,
               grace_s: float = 5.0, on_preview: PreviewSink | None = None, preview_box: tuple[int, int] = (0, 0),
               preview_interval: float = 0.05) -> Outcome:
    """Run ``rec`` (already claimed, state running) on ``host`` and store the outcome.

    ``closing()`` tells whether a cancel came from the studio shutting down (→ interrupted).
    Never raises for engine or host errors (HostStartError, when no host can start, excepted);
    the store write of the final state is attempted even then.
    """
    started = time.monotonic()
    try:
        spec = rec.spec
    except Exception as exc:  # a row written by another version, or edited by hand
        return _store_state(store, rec.id, Outcome(FAILED, None, user_message(exc)))
    end = host.run_job(rec.id, spec, reporter, cancel, title=rec.title, grace_s=grace_s,
                       on_preview=on_preview, preview_box=preview_box, preview_interval=preview_interval)
    flush()
    if end.state == FAILED:
        log.error("job %d (%s) failed: %s\n%s", rec.id, rec.kind, end.message, end.traceback)
        return _store_state(store, rec.id, Outcome(FAILED, None, end.message), end.traceback)
    if end.state == CANCELLED and closing():
        return _store_state(store, rec.id, Outcome(INTERRUPTED, end.result, _(INTERRUPTED_MESSAGE)))
    if end.result is None:
        return _store_state(store, rec.id, Outcome(CANCELLED))
    try:
        store.set_result(rec.id, end.result, spec)  # done or cancelled, with its history entries
    except Exception as exc:
        log.exception("could not store the result of job %d", rec.id)
        return _store_state(store, rec.id, Outcome(FAILED, None, user_message(exc)))
    log.info("job %d (%s) %s in %.2f s", rec.id, rec.kind, end.state, time.monotonic() - started)
    return Outcome(CANCELLED if end.result.cancelled else DONE, end.result)


def _store_state(store: QueueStore, job_id: int, outcome: Outcome, tb: str = "") -> Outcome:
    try:
        store.set_state(job_id, outcome.state, outcome.message if outcome.state != CANCELLED else "", tb)
    except Exception:  # the row stays `running`; recover() marks it interrupted on the next start
        log.exception("could not store state %s of job %d", outcome.state, job_id)
    return outcome
