"""The status bar: engine state, device, memory in use and the loaded model(s)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from studio.core.progress import describe_load
from studio.core.protocol.status import HostStatus
from studio.jobs.api import JobPool


def format_bytes(n: float) -> str:
    """'512 MB', '1.4 GB' (binary units, short)."""
    units = ("B", "KB", "MB", "GB", "TB")
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024.0
        i += 1
    return f"{n:.0f} {units[i]}" if i < 3 or n >= 100 else f"{n:.1f} {units[i]}"


DEVICE_LABELS = {"cpu": "CPU", "cuda": "CUDA", "mps": "MPS"}


class StudioStatusBar(QStatusBar):
    """Permanent labels on the right; transient messages (job failed, saved…) on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine_label = QLabel(self.tr("Loading engine…"))
        self.engine_label.setObjectName("engine_label")
        self.device_label = QLabel()
        self.device_label.setObjectName("device_label")
        self.memory_label = QLabel()
        self.memory_label.setObjectName("memory_label")
        self.model_label = QLabel(self.tr("No model loaded"))
        self.model_label.setObjectName("model_label")
        for w in (self.engine_label, self.model_label, self.memory_label, self.device_label):
            w.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(w)
        self.device_label.hide()
        self.memory_label.hide()
        self.ready = False

    def bind(self, pool: JobPool) -> None:
        """Follow ``pool``: its engine, the running job's progress and log lines (and a replaced queue file)."""
        pool.job_log.connect(lambda job_id, msg: self.showMessage(f"#{job_id}: {msg}", 8000))
        pool.engine_ready.connect(self.on_engine_ready)
        pool.engine_failed.connect(self.on_engine_failed)
        pool.engine_status.connect(self.on_engine_status)
        pool.job_progress.connect(self.on_job_progress)
        pool.job_load.connect(self.on_job_load)
        if pool.store.notice:  # the queue database was damaged and replaced: say so once
            self.showMessage(pool.store.notice, 60000)

    def on_engine_ready(self, device: str) -> None:
        self.ready = True
        self.engine_label.hide()
        self._set_device(device)

    def on_engine_failed(self, message: str) -> None:
        """The engines could not start (a broken install): say so where "Loading engine…" was."""
        self.engine_label.setText(self.tr("Engine failed: {0}").format(message))
        self.engine_label.setStyleSheet("color: #c0392b;")
        self.engine_label.setToolTip(message)
        self.engine_label.show()

    def _set_device(self, device: str) -> None:
        kind = device.split(":")[0].lower()
        label = DEVICE_LABELS.get(kind, device.upper())
        self.device_label.setText(self.tr("Device: {0}").format(label + device[len(kind):]))
        self.device_label.show()

    def on_job_progress(self, _job_id: int, done: int, total: int, _eta: float) -> None:
        """A job with no steps yet is loading its model: say so instead of "No model loaded"."""
        if total <= 0 and done <= 0:
            self.model_label.setText(self.tr("Loading model…"))

    def on_job_load(self, _job_id: int, what: str, done: int, total: int, eta: float) -> None:
        """A model loading: its percentage, bytes read and ETA (the same line as the queue row's)."""
        self.model_label.setText(describe_load(what, done, total, eta))

    def on_engine_status(self, status: HostStatus) -> None:
        """The engine hosts' device, memory in use and loaded models (from the pool)."""
        if status.device:
            self._set_device(status.device)
        if status.memory_bytes > 0:
            self.memory_label.setText(self.tr("Memory: {0}").format(format_bytes(status.memory_bytes)))
            self.memory_label.show()
        loaded = list(status.loaded)
        names = ", ".join(n.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] for n in loaded)
        self.model_label.setText(self.tr("Loaded: {0}").format(names) if names else self.tr("No model loaded"))
        self.model_label.setToolTip("\n".join(loaded))
