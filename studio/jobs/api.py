"""The seam between the window and the engines: a job handle per submitted job and the pool protocol.

Widgets depend on :class:`JobPool` (a typing.Protocol), never on a concrete pool: ``submit(spec)``
returns a :class:`JobHandle` whose signals carry that one job's events, so a workspace listens to
its own jobs only. Views of *all* jobs (the queue, the canvas showing whatever image job runs) use
the pool's ``job_*`` signals and read the store for jobs that have no handle (those restored from
the database after a restart).
"""
from __future__ import annotations

from typing import Callable, Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtGui import QImage

from studio.core.store.gallery import GalleryStore
from studio.core.store.queue import JobRecord, QueueStore
from studio.core.settings import Settings
from studio.core.specs.base import Spec


class JobHandle(QObject):
    """The events of one job, in the GUI thread. ``ended`` comes last, once, with the final state."""

    started = Signal()
    progress = Signal(int, int, float)  # done, total, eta seconds (-1 unknown)
    load = Signal(str, int, int, float)  # model, bytes read, bytes in all (0 unknown), eta seconds (-1 unknown)
    preview = Signal(QImage)
    text = Signal(str)  # a chunk of streamed text
    metrics = Signal(int, dict)  # step, {name: value}
    log = Signal(str)
    finished = Signal(object)  # the typed result (studio.core.results)
    failed = Signal(str)  # one line for the user
    cancelled = Signal()
    ended = Signal(str)  # done, failed, cancelled, interrupted or removed

    def __init__(self, job_id: int, kind: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job_id = job_id
        self._kind = kind
        self.state = ""
        """The last state this handle reported ('' until the job starts)."""

    @property
    def job_id(self) -> int:
        return self._job_id

    @property
    def kind(self) -> str:
        """The spec's kind ("image", "text", "train", ...)."""
        return self._kind


class JobPool(Protocol):
    """What widgets may ask of the job pool."""

    job_added: SignalInstance  # (job id)
    job_changed: SignalInstance  # (job id): state, order or removal; read job(id)
    job_progress: SignalInstance  # (job id, done, total, eta)
    job_load: SignalInstance  # (job id, model, bytes read, bytes in all, eta): a model loading
    job_preview: SignalInstance  # (job id, QImage)
    job_log: SignalInstance  # (job id, message)
    job_ended: SignalInstance  # (job id, final state)
    jobs_reordered: SignalInstance
    paused_changed: SignalInstance  # (paused)
    engine_ready: SignalInstance  # (device name)
    engine_failed: SignalInstance  # (message)
    engine_status: SignalInstance  # (HostStatus: device, memory, loaded models of every engine host)
    confirm_flagged: Callable[[str], bool]
    """Asked (with the content filter's one line) before a flagged job is queued in "warn" mode."""

    def submit(self, spec: Spec) -> JobHandle: ...
    def handle(self, job_id: int) -> JobHandle | None: ...
    def cancel(self, job_id: int) -> None: ...
    def cancel_current(self) -> None: ...
    def retry(self, job_id: int) -> JobHandle: ...
    def remove(self, job_id: int) -> None: ...
    def move(self, job_id: int, new_position: int) -> None: ...
    def clear_finished(self) -> list[int]: ...
    def jobs(self) -> list[JobRecord]: ...
    def job(self, job_id: int) -> JobRecord: ...
    def running_jobs(self) -> list[int]: ...
    def preview_consumed(self, job_id: int) -> None: ...
    def set_preview_box(self, kind: str, width: int, height: int) -> None: ...
    def unload_models(self) -> None: ...
    def set_paused(self, paused: bool) -> None: ...
    def apply_settings(self, settings: Settings) -> None: ...

    @property
    def paused(self) -> bool: ...

    @property
    def device(self) -> str: ...

    @property
    def gallery(self) -> GalleryStore: ...

    @property
    def store(self) -> QueueStore: ...
