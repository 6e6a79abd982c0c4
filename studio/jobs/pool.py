"""WorkerPool: the job pool of this process (see :class:`studio.jobs.api.JobPool`, what widgets see).

Each worker owns one engine host process (the GUI process never imports torch). Workers form
lanes: ``workers_per_device`` general workers, and (unless ``shared_lane``) one training worker
whose host starts with a training job and ends when no training is left. ``submit`` returns a
JobHandle that gets that job's events; the pool's own ``job_*`` signals are for views of every job.

Signals from worker threads arrive in the GUI thread through queued connections, after the
store has been written, so a slot that calls :meth:`WorkerPool.job` sees the new state.
"""
from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.store.gallery import GalleryStore
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.store.queue import (CANCELLED, DONE, FAILED, INTERRUPTED, QUEUED, RESUMABLE_LEFTOVERS, RUNNING,
                                     JobRecord, QueueStore)
from studio.core.settings import Settings
from studio.core.protocol.status import HostStatus
from studio.core.results import JobResult
from studio.core.specs.serial import SPEC_TYPES
from studio.core.specs.base import Spec
from studio.jobs.admission import admit, warm_up
from studio.jobs.api import JobHandle
from studio.jobs.reporter import QtReporter
from studio.jobs.worker import CancelRequests, Worker

TRAINING_KINDS = ("train",)
"""Jobs that get a lane of their own (unless Settings.shared_lane): hours long, they must not block the rest."""

log = logging.getLogger(__name__)


class WorkerPool(QObject):
    """Queue jobs, run them on background workers, and tell the UI what happens."""

    job_added = Signal(int)
    job_changed = Signal(int)  # state changed (queued/running/done/failed/cancelled/interrupted/removed)
    job_progress = Signal(int, int, int, float)  # id, done, total, eta seconds (-1 unknown)
    job_load = Signal(int, str, int, int, float)  # id, model, bytes read, bytes in all (0 unknown), eta (-1)
    job_preview = Signal(int, QImage)
    job_log = Signal(int, str)
    job_ended = Signal(int, str)  # id, final state (done/failed/cancelled/interrupted/removed)
    engine_ready = Signal(str)  # device name once torch is imported and the context is made
    engine_status = Signal(object)  # HostStatus: every lane's host added up (HostStatus.merge)
    engine_failed = Signal(str)  # the engines could not start (broken install): user-facing message
    paused_changed = Signal(bool)
    training_idle_close_s = 30.0
    """The training lane's engine process ends after this long without training (a quick Resume reuses it)."""
    jobs_reordered = Signal()  # queued jobs changed order (move): re-read jobs()

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QObject | None = None,
                 store: QueueStore | None = None) -> None:
        """``store``: the queue already opened on ``paths.queue_db`` (the window opens it off the GUI thread)."""
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        # A damaged file is moved aside on open: store.notice says so.
        self._store = store if store is not None else QueueStore.open(paths.queue_db)
        self._gallery = GalleryStore(self._store.db)
        self._lane_status: dict[str, HostStatus | None] = {}
        self._workers: list[Worker] = []
        self._cancel_requests = CancelRequests()
        self._remove_when_done: set[int] = set()
        self._handles: dict[int, JobHandle] = {}
        self._preview_boxes: dict[str, tuple[int, int]] = {}  # read by the workers when a job starts
        self._paused = self._store.paused()  # a paused queue stays paused across restarts
        self._device = ""
        self._started = False
        self.confirm_flagged: Callable[[str], bool] = lambda message: False
        """Asked (with the filter's warning) before a job flagged in "warn" mode is queued; the window
        sets a Yes/No question. False refuses the job (ContentFlagged)."""

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Mark jobs a previous run left running as interrupted, then start the workers."""
        if self._started:
            return
        self._started = True
        warm_up(self.settings, self.paths)
        for job_id in self._store.recover():
            log.info("job %d was interrupted by the previous run", job_id)
            self.job_changed.emit(job_id)
        shared = bool(self.settings.shared_lane)
        general = None if shared else tuple(k for k in SPEC_TYPES if k not in TRAINING_KINDS)
        for i in range(max(1, int(self.settings.workers_per_device))):
            self._workers.append(self._make_worker(f"studio-worker-{i}", general, eager=i == 0))
        if not shared:
            self._workers.append(self._make_worker("studio-training", TRAINING_KINDS, eager=False,
                                                   close_when_idle=self.training_idle_close_s))
        for w in self._workers:
            w.set_paused(self._paused)
            w.start()

    def _make_worker(self, name: str, kinds: tuple[str, ...] | None, eager: bool,
                     close_when_idle: float | None = None) -> Worker:
        w = Worker(self._store, self.paths, self.settings, name=name, kinds=kinds, eager=eager,
                   close_when_idle=close_when_idle, reporter=QtReporter(), cancel_requests=self._cancel_requests,
                   preview_boxes=self._preview_boxes, parent=self)
        r = w.reporter
        r.progress_changed.connect(self._on_progress)
        r.load_changed.connect(self._on_load)
        r.preview_ready.connect(self._on_preview)
        r.text_ready.connect(self._on_text)
        r.metrics_ready.connect(self._on_metrics)
        r.log_message.connect(self._on_log)
        w.engine_ready.connect(self._on_engine_ready)
        w.engine_failed.connect(self.engine_failed)
        w.engine_status.connect(self._on_lane_status)
        w.job_started.connect(self._on_started)
        w.job_finished.connect(self._on_finished)
        w.job_failed.connect(self._on_failed)
        w.job_cancelled.connect(self._on_cancelled)
        w.job_interrupted.connect(self._on_interrupted)
        return w

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop the workers; a running job is cancelled and marked interrupted (retryable).

        With ``wait`` this returns once the threads ended (or after ``timeout`` seconds).
        """
        for w in self._workers:
            w.stop()
        if wait:
            for w in self._workers:
                if timeout is None:
                    w.wait()
                else:
                    w.wait(max(0, int(timeout * 1000)))
            self._workers = [w for w in self._workers if w.isRunning()]
            if self._workers:
                log.warning("%d worker(s) still busy after the shutdown timeout", len(self._workers))
        self._started = False

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings take effect from the next job (device, memory budget, folders, upscaler)."""
        if settings.content_filter != self.settings.content_filter:
            warm_up(settings, self.paths)
        self.settings = settings
        for w in self._workers:
            w.apply_settings(settings)
        self._wake()

    # -- the queue -----------------------------------------------------------------------------

    def submit(self, spec: Spec) -> JobHandle:
        """Admit ``spec`` (:func:`~studio.jobs.admission.admit`, the CLI's gate too: validated once, SpecError
        with a user message if invalid), queue it, return its handle.

        In the content filter's "warn" mode a flagged job is queued only if :attr:`confirm_flagged`
        says yes (ContentFlagged otherwise); "block" is enforced where every job runs (``run_spec``).
        """
        admit(spec, self.settings, self.paths, self.confirm_flagged,
              lambda reason: _("Not queued: {reason}").format(reason=reason))
        handle = self._queued(self._store.add(spec), spec.kind)
        for old in self._store.superseded_by(spec):  # a resumed training replaces its interrupted row
            if self._store.remove(old):
                self.job_changed.emit(old)
        return handle

    def _queued(self, job_id: int, kind: str) -> JobHandle:
        handle = self._handles[job_id] = JobHandle(job_id, kind)
        self.job_added.emit(job_id)
        self._wake()
        return handle

    def handle(self, job_id: int) -> JobHandle | None:
        """The handle of a queued or running job (made now for one restored from the database); None
        once the job has ended (its record in :meth:`job` says how)."""
        handle = self._handles.get(job_id)
        if handle is None:
            try:
                rec = self._store.get(job_id)
            except KeyError:
                return None
            if rec.state not in (QUEUED, RUNNING):
                return None
            handle = self._handles[job_id] = JobHandle(job_id, rec.kind)
            handle.state = rec.state
        return handle

    def cancel(self, job_id: int) -> None:
        """A queued job is cancelled at once; a running one stops at the engine's next safe point."""
        if self._store.cancel_queued(job_id):
            self.job_changed.emit(job_id)
            self._end(job_id, CANCELLED)
            return
        try:
            state = self._store.get(job_id).state
        except KeyError:
            return
        if state == RUNNING:
            # Running, or claimed a moment ago and not started yet: the claiming worker checks the request.
            self._cancel_requests.add(job_id)
            for w in self._workers:
                w.cancel(job_id)

    def cancel_current(self) -> None:
        """Cancel every running job (one per worker)."""
        for w in self._workers:
            w.cancel_current()

    def retry(self, job_id: int) -> JobHandle:
        """Queue a new job with the same spec as ``job_id``; returns the new job's handle.

        A failed, cancelled or interrupted row is replaced by the new job (no stale row stays); a done
        job's row stays, with its outputs.
        """
        stale = self._store.get(job_id).state in RESUMABLE_LEFTOVERS
        new_id = self._store.retry(job_id)
        handle = self._queued(new_id, self._store.get(new_id).kind)
        if stale and self._store.remove(job_id):
            self.job_changed.emit(job_id)
        return handle

    def remove(self, job_id: int) -> None:
        """Delete a job from the list (a running one is cancelled first). Outputs and history stay."""
        try:
            rec = self._store.get(job_id)
        except KeyError:
            return
        if rec.state == RUNNING:
            self._remove_when_done.add(job_id)
            self.cancel(job_id)
            return
        if rec.state == QUEUED:
            cancelled = self._store.cancel_queued(job_id)  # a worker may claim it meanwhile: then it is running
            if self._store.get(job_id).state == RUNNING:
                self._remove_when_done.add(job_id)
                self.cancel(job_id)
                return
            if cancelled:
                self._end(job_id, CANCELLED)
        self._store.remove(job_id)
        self.job_changed.emit(job_id)

    def move(self, job_id: int, new_position: int) -> None:
        """Reorder a queued job: ``new_position`` 0 runs next."""
        self._store.move(job_id, new_position)
        self.job_changed.emit(job_id)
        self.jobs_reordered.emit()

    def clear_finished(self) -> list[int]:
        """Remove every finished row (done, failed, cancelled, interrupted) from the list."""
        ids = self._store.clear_finished()
        for job_id in ids:
            self.job_changed.emit(job_id)
        return ids

    def jobs(self) -> list[JobRecord]:
        """All jobs in queue order."""
        return self._store.list()

    def job(self, job_id: int) -> JobRecord:
        """One job; KeyError once it has been removed."""
        return self._store.get(job_id)

    def running_jobs(self) -> list[int]:
        return [j for j in (w.current_job() for w in self._workers) if j is not None]

    # -- workers and engines -------------------------------------------------------------------

    def preview_consumed(self, job_id: int) -> None:
        """Call after painting a preview of ``job_id``: the engine may send the next one."""
        for w in self._workers:
            w.preview_consumed(job_id)

    def set_preview_box(self, kind: str, width: int, height: int) -> None:
        """Previews of ``kind`` jobs are shown at most ``width`` × ``height`` pixels (e.g. the canvas): the
        engine host scales them down to that before sending them. 0 × 0: the default limit again
        (:data:`~studio.jobs.worker.DEFAULT_PREVIEW_BOX`). Applies from the next job."""
        if width <= 0 or height <= 0:
            self._preview_boxes.pop(kind, None)
        else:
            self._preview_boxes[kind] = (int(width), int(height))

    def unload_models(self) -> None:
        """Free the loaded models (each host does it as soon as it is idle; status follows)."""
        for w in self._workers:
            w.request_unload()

    def lanes(self) -> dict[str, int | None]:
        """Each worker's name and the process id of its engine host (None while it has none)."""
        return {w.objectName(): w.client.pid if w.client.running else None for w in self._workers}

    def set_paused(self, paused: bool) -> None:
        """Paused: running jobs finish, queued ones wait (and survive restarts) until resumed."""
        self._paused = bool(paused)
        self._store.set_paused(self._paused)
        for w in self._workers:
            w.set_paused(self._paused)
        self.paused_changed.emit(self._paused)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def device(self) -> str:
        """The engines' device once ready, else ''."""
        return self._device

    @property
    def gallery(self) -> GalleryStore:
        return self._gallery

    @property
    def store(self) -> QueueStore:
        return self._store

    # -- slots (GUI thread) --------------------------------------------------------------------

    def _wake(self) -> None:
        for w in self._workers:
            w.wake()

    def _on_engine_ready(self, device: str) -> None:
        if device != self._device:  # first start, or saved settings moved the engine to another device
            self._device = device
            self.engine_ready.emit(device)

    def _on_lane_status(self, lane: str, status: HostStatus | None) -> None:
        """``status`` None: the lane's host has ended (it holds no models now)."""
        self._lane_status[lane] = status
        self.engine_status.emit(HostStatus.merge(self._lane_status.values()))
    def _on_started(self, job_id: int) -> None:
        self.job_changed.emit(job_id)
        handle = self.handle(job_id)
        if handle is not None:
            handle.state = RUNNING
            handle.started.emit()

    def _on_progress(self, job_id: int, done: int, total: int, eta: float) -> None:
        self.job_progress.emit(job_id, done, total, eta)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.progress.emit(done, total, eta)

    def _on_load(self, job_id: int, what: str, done: int, total: int, eta: float) -> None:
        self.job_load.emit(job_id, what, done, total, eta)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.load.emit(what, done, total, eta)

    def _on_preview(self, job_id: int, image: QImage) -> None:
        self.job_preview.emit(job_id, image)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.preview.emit(image)

    def _on_text(self, job_id: int, chunk: str) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.text.emit(chunk)

    def _on_metrics(self, job_id: int, step: int, values: dict) -> None:
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.metrics.emit(step, values)

    def _on_log(self, job_id: int, message: str) -> None:
        self.job_log.emit(job_id, message)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.log.emit(message)

    def _on_finished(self, job_id: int, result: JobResult) -> None:
        self.job_changed.emit(job_id)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.finished.emit(result)
        self._end(job_id, DONE)

    def _on_failed(self, job_id: int, message: str) -> None:
        self.job_changed.emit(job_id)
        handle = self._handles.get(job_id)
        if handle is not None:
            handle.failed.emit(message)
        self._end(job_id, FAILED)

    def _on_cancelled(self, job_id: int) -> None:
        self.job_changed.emit(job_id)
        self._end(job_id, CANCELLED)

    def _on_interrupted(self, job_id: int) -> None:
        self.job_changed.emit(job_id)
        self._end(job_id, INTERRUPTED)

    def _end(self, job_id: int, state: str) -> None:
        """The job's last events: ``job_ended`` (views of every job), then its handle's ``cancelled`` (if so)
        and ``ended``: a widget following its own jobs sees what the window did for the job already."""
        self.job_ended.emit(job_id, state)
        handle = self._handles.pop(job_id, None)
        if handle is not None:
            handle.state = state
            if state == CANCELLED:
                handle.cancelled.emit()
            handle.ended.emit(state)
        if job_id in self._remove_when_done:
            self._remove_when_done.discard(job_id)
            self._store.remove(job_id)
            self.job_changed.emit(job_id)  # now "removed": job(job_id) raises KeyError
