"""QtReporter: an engine host's messages, in its worker thread, turned into Qt signals.

Everything here runs in the worker thread; the signals reach the GUI thread through queued
connections. Two throttles keep the GUI responsive whatever the engine does:

* previews: one in flight. The engine host sends a preview only after the GUI has acknowledged the
  last one (``pool.preview_consumed``, which the worker forwards to the host), at least
  ``min_preview_interval`` apart; :meth:`show_preview` emits what arrives. Raw RGB → QImage happens
  here, off the GUI thread.
* progress and streamed text are coalesced to at most one signal per ``min_progress_interval``;
  the first and the last progress call (``done >= total``) always go out, and :meth:`flush`
  sends any text still buffered when the job ends.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Mapping

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.progress import Eta, LoadTracker

log = logging.getLogger(__name__)

DEFAULT_PREVIEW_INTERVAL = 0.05
DEFAULT_PROGRESS_INTERVAL = 0.05


def rgb_to_qimage(width: int, height: int, rgb: bytes) -> QImage:
    """A QImage owning a copy of ``width*height*3`` bytes of RGB (a host's preview)."""
    return QImage(rgb, width, height, width * 3, QImage.Format.Format_RGB888).copy()


class QtReporter(QObject):
    """One worker's reporter: what its engine host reports (progress, text, metrics, loads, log lines and
    previews) as Qt signals; :meth:`begin` binds it to each new job."""

    progress_changed = Signal(int, int, int, float)  # job id, done, total, eta seconds (-1 unknown)
    preview_ready = Signal(int, QImage)
    text_ready = Signal(int, str)
    metrics_ready = Signal(int, int, dict)
    log_message = Signal(int, str)
    load_changed = Signal(int, str, int, int, float)  # job id, model, bytes read, bytes in all, eta (-1 unknown)

    def __init__(self, min_preview_interval: float = DEFAULT_PREVIEW_INTERVAL,
                 min_progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
                 clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self.min_preview_interval = min_preview_interval
        """The least time between two previews; the worker hands it to the engine host, which applies it."""
        self.min_progress_interval = min_progress_interval
        self._lock = threading.Lock()
        self.job_id = -1
        self._eta = Eta(clock=clock)
        self._load = LoadTracker(clock=clock)
        self._last_progress = float("-inf")
        self._last_progress_value: tuple[int, int] | None = None
        self._progress_pending = False
        self._text_buffer: list[str] = []
        self._last_text = float("-inf")
        self.on_progress: Callable[[int, int], None] | None = None
        """Called (in the worker thread) with every progress value that went out: the worker persists it."""
        self.on_tick: Callable[[], None] | None = None
        """Called on every engine call: the worker sends its periodic status from there."""

    def begin(self, job_id: int) -> None:
        """Start reporting for ``job_id`` (resets the throttles and the ETA)."""
        with self._lock:
            self.job_id = job_id
            self._eta = Eta(clock=self._clock)
            self._load = LoadTracker(clock=self._clock)
            self._awaiting_consume = False
            self._last_preview = float("-inf")
            self._last_progress = float("-inf")
            self._last_progress_value = None
            self._progress_pending = False
            self._text_buffer = []
            self._last_text = float("-inf")

    # -- Reporter protocol ---------------------------------------------------------------------

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._eta.update(done)
        now = self._clock()
        first = self._last_progress_value is None
        last = total > 0 and done >= total
        phase = not first and self._last_progress_value[1] != total  # e.g. a sample grid, then training again
        if first or last or phase or now - self._last_progress >= self.min_progress_interval:
            self._send_progress(done, total, now)
        else:
            self._last_progress_value = (done, total)  # held back: flush() sends it at the end
            self._progress_pending = True
        self._tick()

    def _send_progress(self, done: int, total: int, now: float) -> None:
        self._last_progress = now
        self._last_progress_value = (done, total)
        self._progress_pending = False
        remaining = self._eta.remaining(done, total)
        self.progress_changed.emit(self.job_id, int(done), int(total), -1.0 if remaining is None else remaining)
        if self.on_progress is not None:
            self.on_progress(int(done), int(total))

    def show_preview(self, image: QImage) -> None:
        """A preview an engine host already decided to send (its own gate applied): emit it."""
        self.preview_ready.emit(self.job_id, image)

    def text(self, chunk: str) -> None:
        if not chunk:
            return
        self._text_buffer.append(chunk)
        now = self._clock()
        if now - self._last_text >= self.min_progress_interval:
            self._flush_text(now)
        self._tick()

    def _flush_text(self, now: float) -> None:
        if self._text_buffer:
            text, self._text_buffer = "".join(self._text_buffer), []
            self._last_text = now
            self.text_ready.emit(self.job_id, text)

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        self.metrics_ready.emit(self.job_id, int(step), {str(k): float(v) for k, v in values.items()})
        self._tick()

    def load(self, done: int, total: int, what: str) -> None:
        """A model load's bytes (the meter throttles them already): emitted with the ETA worth showing."""
        eta = self._load.update(done, total, what)
        self.load_changed.emit(self.job_id, str(what), int(done), int(total), -1.0 if eta is None else eta)
        self._tick()

    def log(self, message: str) -> None:
        log.warning("job %d: %s", self.job_id, message)
        self.log_message.emit(self.job_id, str(message))

    # -- end of job ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send buffered text and the latest progress value that was held back by the throttle."""
        now = self._clock()
        self._flush_text(now)
        if self._progress_pending and self._last_progress_value is not None:
            done, total = self._last_progress_value
            self._send_progress(done, total, now)

    def _tick(self) -> None:
        if self.on_tick is not None:
            self.on_tick()
