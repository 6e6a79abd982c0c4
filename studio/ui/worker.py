"""One way to run a function off the GUI thread: ``create_worker`` (the shape of napari's).

    worker = create_worker(read_preview, name, _connect={"returned": self._on_loaded}, _pool=self._threads)

The function runs on a QThreadPool (``_pool``, else Qt's global one); its result arrives as ``returned``,
an exception as ``errored`` (logged too), and ``finished`` follows either, all in the GUI thread (the
signals live on a QObject made there). A worker is kept alive until it has finished, so its signals
still arrive when its owner let go of it; connections to a deleted widget are dropped by Qt.
"""
from __future__ import annotations

import functools
import logging
from typing import Callable, Generic, Mapping, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

R = TypeVar("R")


class WorkerSignals(QObject):
    """A worker's signals (emitted from its thread, delivered in the thread that made them)."""

    started = Signal()
    returned = Signal(object)  # the function's result
    errored = Signal(object)  # the exception it raised
    finished = Signal()


_running: dict[int, "Worker"] = {}
"""Workers started and not finished yet (released in the GUI thread once ``finished`` is delivered)."""


def _release(key: int) -> None:
    _running.pop(key, None)


class Worker(QRunnable, Generic[R]):
    """A function call to run once on a thread pool: :meth:`start` it, connect its signals first."""

    def __init__(self, fn: Callable[..., R], *args: object, **kwargs: object) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python owns it (held in _running while it runs)
        self._call = (fn, args, kwargs)
        self.signals = WorkerSignals()
        self.started = self.signals.started
        self.returned = self.signals.returned
        self.errored = self.signals.errored
        self.finished = self.signals.finished
        self.signals.finished.connect(functools.partial(_release, id(self)))  # holds no reference to it

    def start(self, pool: QThreadPool | None = None) -> None:
        """Queue the call on ``pool`` (Qt's global pool when None)."""
        _running[id(self)] = self
        (pool or QThreadPool.globalInstance()).start(self)

    def run(self) -> None:  # the pool's thread
        fn, args, kwargs = self._call
        self._emit(self.signals.started)
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # reported, never raised into Qt's thread
            log.exception("worker %s failed", getattr(fn, "__qualname__", fn))
            self._emit(self.signals.errored, exc)
        else:
            self._emit(self.signals.returned, result)
        self._emit(self.signals.finished)

    @staticmethod
    def _emit(signal, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the signals' QObject is gone (the application is ending)
            pass


def create_worker(fn: Callable[..., R], *args: object, _connect: Mapping[str, Callable[..., object]] | None = None,
                  _pool: QThreadPool | None = None, _start_thread: bool | None = None,
                  **kwargs: object) -> Worker[R]:
    """A :class:`Worker` calling ``fn(*args, **kwargs)``; ``_connect`` maps signal names ("started", "returned",
    "errored", "finished") to callbacks. It is started on ``_pool`` when ``_start_thread`` is true, or when it is
    None and ``_connect`` was given (as napari does)."""
    worker: Worker[R] = Worker(fn, *args, **kwargs)
    for name, callback in (_connect or {}).items():
        if name not in ("started", "returned", "errored", "finished"):
            raise ValueError(f"a worker has no signal {name!r}")
        getattr(worker.signals, name).connect(callback)
    if _start_thread or (_start_thread is None and _connect):
        worker.start(_pool)
    return worker
