"""Worker threads: each claims queued jobs of its lane and runs them on its own engine host process.

The GUI process never imports torch: a worker's :class:`~studio.jobs.host_client.HostClient` runs the
engines in a child process and its messages become the reporter's Qt signals here. How a job ends
is decided by :func:`studio.jobs.runner.run_record`; the worker then serves the next job. A host
that dies is started afresh; one that cannot start stops the lane with a message (engine_failed).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Collection

from PySide6.QtCore import QObject, QThread, Signal

from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken
from studio.core.protocol.status import HostStatus
from studio.core.store.queue import CANCELLED, DONE, FAILED, JobRecord, QueueStore
from studio.core.settings import Settings
from studio.jobs.host_client import HostStartError
from studio.jobs.remote_client import make_client
from studio.jobs.reporter import QtReporter, rgb_to_qimage
from studio.jobs.runner import run_record

log = logging.getLogger(__name__)

STATUS_INTERVAL_S = 2.0
PROGRESS_SAVE_INTERVAL_S = 0.5
DEFAULT_PREVIEW_BOX = (1024, 1024)
"""The largest preview of a job kind whose view has not said what it shows (the window tells the canvas's size)."""
SENT_AT_KEY = "studio.sent_at"
"""A preview QImage's text key: when its engine host sent it (time.time())."""


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
    """One thread and one engine host serving the jobs of a lane (``kinds``; None: every kind).

    ``eager`` starts the host with the thread (the first job then finds torch loaded); otherwise the
    host starts with the lane's first job, and ``close_when_idle`` (seconds) ends it once the lane has had
    no work for that long, so its memory goes back to the system (training: models not needed afterwards).
    """

    engine_ready = Signal(str)
    engine_failed = Signal(str)
    engine_status = Signal(str, object)  # lane name, HostStatus (None once the lane's host has ended)
    job_started = Signal(int)
    job_finished = Signal(int, object)
    job_failed = Signal(int, str)
    job_cancelled = Signal(int)
    job_interrupted = Signal(int)

    def __init__(self, store: QueueStore, paths: StudioPaths, settings: Settings, name: str = "worker",
                 kinds: Collection[str] | None = None, eager: bool = True, close_when_idle: float | None = None,
                 reporter: QtReporter | None = None, cancel_requests: CancelRequests | None = None,
                 preview_boxes: dict[str, tuple[int, int]] | None = None, parent: QObject | None = None) -> None:
        """``preview_boxes``: job kind -> the largest preview its view shows (shared with the pool, which
        the window tells; read when a job starts)."""
        super().__init__(parent)
        self.setObjectName(name)
        self.store = store
        self.settings = settings
        self.kinds = tuple(kinds) if kinds is not None else None
        self.eager = eager
        self.close_when_idle = close_when_idle
        self.preview_boxes = preview_boxes if preview_boxes is not None else {}
        self.client = make_client(paths, settings, name)
        self.client.on_status = self._on_status
        self.reporter = reporter or QtReporter()
        self.cancel_requests = cancel_requests or CancelRequests()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._unload = threading.Event()
        self._settings_changed = threading.Event()
        self._paused = threading.Event()
        self._lock = threading.Lock()
        self._current: tuple[int, CancelToken] | None = None
        self._current_kind = ""
        self._last_saved = 0.0
        self._idle_since = time.monotonic()
        self.reporter.on_progress = self._save_progress

    # -- called from the GUI thread ------------------------------------------------------------

    def wake(self) -> None:
        """Look for queued jobs now (after a submit)."""
        self._wake.set()

    def stop(self) -> None:
        """Cancel the running job (it becomes interrupted), end the thread after it and close the host."""
        self._stop.set()
        self.cancel_current()
        self._wake.set()

    def set_paused(self, paused: bool) -> None:
        """While paused the worker finishes its current job but claims no new one."""
        (self._paused.set if paused else self._paused.clear)()
        self._wake.set()

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings: the host takes them before the next job (a running job keeps its own)."""
        self.settings = settings
        self._settings_changed.set()
        self._wake.set()

    def request_unload(self) -> None:
        """Drop the loaded models as soon as no job is running on this worker."""
        self._unload.set()
        self._wake.set()

    def preview_consumed(self, job_id: int) -> None:
        """The GUI painted the last preview of ``job_id``: the host may send the next one."""
        with self._lock:
            kind = self._current_kind if self._current and self._current[0] == job_id else None
        if kind is not None:  # with the view's size now: a resize mid-job applies to the next previews
            self.client.consumed(job_id, self.preview_boxes.get(kind, DEFAULT_PREVIEW_BOX))

    def current_job(self) -> int | None:
        with self._lock:
            return self._current[0] if self._current else None

    def cancel(self, job_id: int) -> bool:
        """Cancel ``job_id`` if this worker runs it (its host is ended after the grace period)."""
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
            while not self._stop.is_set():
                if self.client.running and not self.client.poll_idle():
                    self.engine_status.emit(self.objectName(), None)  # it died while idle
                if self.eager and not self.client.running:
                    self._start_host()
                    continue
                if self._settings_changed.is_set():
                    self._settings_changed.clear()
                    self.client.apply_settings(self.settings)
                if self._unload.is_set():
                    self._unload.clear()
                    self.client.unload()
                rec = None if self._paused.is_set() else self._claim()
                if rec is None:
                    self._wake.wait(self._idle_wait())
                    self._wake.clear()
                    continue
                self._run_job(rec)
                self._idle_since = time.monotonic()
        except HostStartError as exc:  # the lane stops; its queued jobs wait for a restart of the studio
            if not self._stop.is_set():
                log.error("lane %s stopped: %s", self.objectName(), exc)
                self.engine_failed.emit(str(exc))
        finally:
            self.client.close()
            self.engine_status.emit(self.objectName(), None)

    def _idle_wait(self) -> float:
        """End the host of a lane idle for ``close_when_idle`` s; how long to sleep before looking again."""
        if self.close_when_idle is None or not self.client.running:
            return STATUS_INTERVAL_S
        left = self.close_when_idle - (time.monotonic() - self._idle_since)
        if left > 0:
            return min(STATUS_INTERVAL_S, max(0.05, left))
        self.client.close()  # nothing left for this lane: its memory goes back to the OS
        self.engine_status.emit(self.objectName(), None)
        return STATUS_INTERVAL_S

    def _start_host(self) -> None:
        was_running = bool(self.client.device)
        device = self.client.ensure_started(self._stop.is_set)
        if not self._stop.is_set():
            if was_running:
                log.info("engine host %s restarted", self.objectName())
            self.engine_ready.emit(device)

    def _on_status(self, status: HostStatus) -> None:
        device = status.device
        if device and self.client.device and device != self.client.device:
            self.client.device = device  # saved settings moved the engine: the status bar follows
            self.engine_ready.emit(device)
        self.engine_status.emit(self.objectName(), status)

    def _claim(self) -> JobRecord | None:
        try:
            return self.store.next_queued(self.kinds)
        except Exception:  # e.g. the database is locked for too long: try again later
            log.exception("could not read the queue")
            return None

    def _run_job(self, rec: JobRecord) -> None:
        token = CancelToken()
        with self._lock:
            self._current, self._current_kind = (rec.id, token), rec.kind
        # stop() may have come between the loop's check and this claim: the job is then
        # interrupted at once rather than run to the end while shutdown() waits.
        if self.cancel_requests.take(rec.id) or self._stop.is_set():
            token.cancel()
        self._last_saved = 0.0
        self.reporter.begin(rec.id)
        self.job_started.emit(rec.id)
        started_host = not self.client.running
        try:
            if started_host and not token.cancelled:
                self._start_host()
            outcome = run_record(self.store, rec, self.reporter, token, self.client, closing=self._stop.is_set,
                                 flush=self.reporter.flush, grace_s=float(self.settings.cancel_grace_s),
                                 on_preview=self._preview,
                                 preview_box=self.preview_boxes.get(rec.kind, DEFAULT_PREVIEW_BOX),
                                 preview_interval=self.reporter.min_preview_interval)
        except HostStartError as exc:
            self.store.set_state(rec.id, FAILED, str(exc))
            self.job_failed.emit(rec.id, str(exc))
            raise
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

    def _preview(self, width: int, height: int, rgb: bytes, sent_at: float) -> None:
        image = rgb_to_qimage(width, height, rgb)
        image.setText(SENT_AT_KEY, repr(sent_at))  # for latency figures (benchmarks/engine_host.py)
        self.reporter.show_preview(image)

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

