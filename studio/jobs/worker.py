"""Worker threads: each claims queued jobs from the store and runs them on the engines.

Torch and the engines are imported inside the worker thread (the GUI thread never pays for
it). How a job ends is decided by :func:`studio.jobs.runner.run_record` (done, cancelled,
failed, or interrupted when the pool shuts down); the worker then serves the next job.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Hashable

from PySide6.QtCore import QObject, QThread, Signal

from studio.core.errors import user_message
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken
from studio.core.queue_store import CANCELLED, DONE, FAILED, JobRecord, QueueStore
from studio.core.settings import Settings
from studio.jobs.reporter import QtReporter
from studio.jobs.runner import run_record

if TYPE_CHECKING:
    from studio.engines.context import EngineContext

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 2.0
PROGRESS_SAVE_INTERVAL_S = 0.5


def model_label(key: Hashable) -> str:
    """A short readable name for a model-cache key such as ``("sd", "/models/tiny-sd", "cpu")``."""
    parts = key if isinstance(key, tuple) else (key,)
    for p in parts:
        if isinstance(p, str) and (os.sep in p or "/" in p):
            return os.path.basename(p.rstrip("/\\")) or p
    return str(parts[0]) if len(parts) == 1 else " ".join(str(p) for p in parts[:2])


class EngineHost:
    """Creates the EngineContext once, in the first worker thread that needs it, and shares it.

    All workers use one model cache, so two workers never hold two copies of a model.
    """

    def __init__(self, paths: StudioPaths, settings: Settings) -> None:
        self.paths = paths
        self.settings = settings
        self._lock = threading.Lock()
        self._ctx: EngineContext | None = None
        self._pending: Settings | None = None

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings: used by the next job (a running job keeps the ones it started with)."""
        with self._lock:
            self.settings = settings
            self._pending = settings if self._ctx is not None else None

    def take_settings(self) -> bool:
        """Apply settings saved since the last job (call between jobs); True when the device changed."""
        with self._lock:
            pending, self._pending = self._pending, None
            return self._ctx is not None and pending is not None and self._ctx.reconfigure(pending)

    def context(self) -> "EngineContext":
        """The shared context; the first call imports torch (call it from a worker thread)."""
        with self._lock:
            if self._ctx is None:
                from studio.engines.context import EngineContext

                self._ctx = EngineContext.create(self.paths, self.settings)
            return self._ctx

    @property
    def ready(self) -> bool:
        return self._ctx is not None

    def status(self) -> dict[str, Any]:
        """{"device", "memory_bytes", "loaded": [names], "loaded_bytes"}; empty before the context exists."""
        ctx = self._ctx
        if ctx is None:
            return {}
        from studio.engines.devices import memory_in_use

        loaded = ctx.cache.loaded()
        return {"device": ctx.device, "memory_bytes": memory_in_use(ctx.device),
                "loaded": [model_label(k) for k, _ in loaded], "loaded_bytes": sum(s for _, s in loaded)}

    def unload(self) -> None:
        if self._ctx is not None:
            self._ctx.cache.unload()


class CancelRequests:
    """Ids the user cancelled while they were being claimed: the claiming worker cancels at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def add(self, job_id: int) -> None:
        with self._lock:
            self._ids.add(job_id)

    def take(self, job_id: int) -> bool:
        """True (once) if ``job_id`` was asked to cancel."""
        with self._lock:
            if job_id in self._ids:
                self._ids.discard(job_id)
                return True
            return False

    def discard(self, job_id: int) -> None:
        with self._lock:
            self._ids.discard(job_id)


class Worker(QThread):
    """One thread serving the queue. Signals are emitted from the thread (queued to the GUI)."""

    engine_ready = Signal(str)
    engine_failed = Signal(str)
    engine_status = Signal(dict)
    job_started = Signal(int)
    job_finished = Signal(int, object)
    job_failed = Signal(int, str)
    job_cancelled = Signal(int)
    job_interrupted = Signal(int)

    def __init__(self, store: QueueStore, host: EngineHost, name: str = "worker",
                 reporter: QtReporter | None = None, cancel_requests: CancelRequests | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.store = store
        self.host = host
        self.reporter = reporter or QtReporter()
        self.cancel_requests = cancel_requests or CancelRequests()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._unload = threading.Event()
        self._paused = threading.Event()
        self._lock = threading.Lock()
        self._current: tuple[int, CancelToken] | None = None
        self._last_status = 0.0
        self._last_saved = 0.0
        self.reporter.on_progress = self._save_progress
        self.reporter.on_tick = self._maybe_status

    # -- called from the GUI thread ------------------------------------------------------------

    def wake(self) -> None:
        """Look for queued jobs now (after a submit)."""
        self._wake.set()

    def stop(self) -> None:
        """Cancel the running job (it becomes interrupted) and end the thread after it."""
        self._stop.set()
        self.cancel_current()
        self._wake.set()

    def set_paused(self, paused: bool) -> None:
        """While paused the worker finishes its current job but claims no new one."""
        (self._paused.set if paused else self._paused.clear)()
        self._wake.set()

    def request_unload(self) -> None:
        """Drop the loaded models as soon as no job is running on this worker."""
        self._unload.set()
        self._wake.set()

    def current_job(self) -> int | None:
        with self._lock:
            return self._current[0] if self._current else None

    def cancel(self, job_id: int) -> bool:
        """Cooperatively cancel ``job_id`` if this worker runs it."""
        with self._lock:
            if self._current and self._current[0] == job_id:
                self._current[1].cancel()
                return True
        return False

    def cancel_current(self) -> int | None:
        with self._lock:
            if self._current:
                self._current[1].cancel()
                return self._current[0]
        return None

    # -- the thread ----------------------------------------------------------------------------

    def run(self) -> None:  # noqa: D102 - QThread entry point
        try:
            # The first call imports torch and the engines, here in the worker thread.
            ctx = self.host.context()
            import studio.engines.dispatch  # noqa: F401 (import errors show now, not per job)
        except Exception as exc:  # a broken install must not kill the GUI: report and stop serving
            log.exception("the engine could not start")
            self.engine_failed.emit(user_message(exc))
            return
        self.engine_ready.emit(ctx.device)
        self._emit_status()
        while not self._stop.is_set():
            if self.host.take_settings():
                self.engine_ready.emit(ctx.device)  # the status bar shows the new device
                self._emit_status()
            if self._unload.is_set():
                self._unload.clear()
                self.host.unload()
                self._emit_status()
            rec = None if self._paused.is_set() else self._claim()
            if rec is None:
                self._wake.wait(STATUS_INTERVAL_S)
                self._wake.clear()
                self._maybe_status()
                continue
            self._run_job(rec, ctx)
            self._emit_status()

    def _claim(self) -> JobRecord | None:
        try:
            return self.store.next_queued()
        except Exception:  # e.g. the database is locked for too long: try again later
            log.exception("could not read the queue")
            return None

    def _run_job(self, rec: JobRecord, ctx: "EngineContext") -> None:
        token = CancelToken()
        with self._lock:
            self._current = (rec.id, token)
        # stop() may have come between the loop's check and this claim: the job is then
        # interrupted at once rather than run to the end while shutdown() waits.
        if self.cancel_requests.take(rec.id) or self._stop.is_set():
            token.cancel()
        self._last_saved = 0.0
        self.reporter.begin(rec.id)
        self.job_started.emit(rec.id)
        try:
            outcome = run_record(self.store, rec, self.reporter, token, ctx, closing=self._stop.is_set)
        finally:
            with self._lock:
                self._current = None
            self.cancel_requests.discard(rec.id)
        if outcome.state == DONE:
            self.job_finished.emit(rec.id, outcome.result)
        elif outcome.state == CANCELLED:
            self.job_cancelled.emit(rec.id)
        elif outcome.state == FAILED:
            self.job_failed.emit(rec.id, outcome.message)
        else:
            self.job_interrupted.emit(rec.id)

    def _save_progress(self, done: int, total: int) -> None:
        """Persist progress now and then (the GUI gets every throttled value by signal)."""
        now = time.monotonic()
        job_id = self.reporter.job_id
        if now - self._last_saved >= PROGRESS_SAVE_INTERVAL_S or (total > 0 and done >= total):
            self._last_saved = now
            try:
                self.store.set_progress(job_id, done, total)
            except Exception:
                log.exception("could not store progress of job %d", job_id)

    def _maybe_status(self) -> None:
        if time.monotonic() - self._last_status >= STATUS_INTERVAL_S:
            self._emit_status()

    def _emit_status(self) -> None:
        self._last_status = time.monotonic()
        try:
            status = self.host.status()
        except Exception:
            log.exception("could not read the engine status")
            return
        if status:
            self.engine_status.emit(status)
