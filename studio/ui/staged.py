"""Building parts of the window after its first paint without holding the GUI thread.

A step names the modules it needs and a function that makes its widgets. A background thread imports
the steps' modules first, while the GUI thread is idle (an import holds the GIL only in short slices,
so the window keeps painting and answering); the steps then run on the GUI thread, one per event-loop
turn, so the window answers between them. Steps wait for the whole preload rather than each for its
own modules: a step sharing the GIL with an import would take twice as long.
"""
from __future__ import annotations

import _thread
import importlib
import logging
import threading
from typing import Callable, Iterable

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

Step = tuple[tuple[str, ...], Callable[[], None]]
"""The modules a step imports, and the step itself (run on the GUI thread)."""

TURN_MS = 1
"""Between steps: a timer (not a 0 ms call, which Qt runs before due timers) lets due timers, input and
paints go first."""
WAIT_MS = 5
"""How often a step waiting for its modules looks again."""


class Preloader:
    """Imports ``modules`` in order on a daemon thread, then calls ``then`` there (e.g. opens a file)."""

    def __init__(self, modules: Iterable[str], then: Callable[[], None] | None = None) -> None:
        self._modules = list(dict.fromkeys(modules))
        self._then = then
        self._started = False
        self._finished = threading.Event()

    def start(self) -> "Preloader":
        # A bare thread: threading.Thread.start() waits until the new thread runs, which on a busy machine
        # held the GUI thread ~10 ms. It never keeps the process alive (like a daemon thread).
        _thread.start_new_thread(self._run, ())
        self._started = True
        return self

    def _run(self) -> None:
        try:
            self._load()
        finally:
            self._finished.set()

    def _load(self) -> None:
        for name in self._modules:
            try:
                importlib.import_module(name)
            except ImportError as exc:  # an optional module (psutil); a missing one shows where it is needed
                log.info("not preloaded: %s (%s)", name, exc)
            except Exception:  # the step imports it again on the GUI thread: its error shows there
                log.exception("could not preload %s", name)
        if self._then is not None:
            try:
                self._then()
            except Exception:  # the step that needs it finds nothing made and does it again itself
                log.exception("preload step failed")

    def done(self) -> bool:
        """True once the thread has ended (or never started)."""
        return not self._started or self._finished.is_set()


def run_steps(steps: list[Step], done: Callable[[], None], preloader: Preloader | None, context: QObject) -> None:
    """Run ``steps`` on the GUI thread, one per event-loop turn (a step naming modules once ``preloader`` is
    done); then ``done``. ``steps`` is consumed: a step taken from it elsewhere meanwhile is not run again.
    Once ``context`` is deleted (the window closed meanwhile) nothing more runs."""

    def next_step() -> None:
        if steps:
            modules, step = steps[0]
            if modules and preloader is not None and not preloader.done():
                QTimer.singleShot(WAIT_MS, context, next_step)
                return
            steps.pop(0)
            step()
        if steps:
            QTimer.singleShot(TURN_MS, context, next_step)
        else:
            done()

    QTimer.singleShot(TURN_MS, context, next_step)


class Steps(list[Step]):
    """Steps still to run, in order: now (:meth:`run_now`) or one per event-loop turn (:meth:`run_later`)."""

    def run_now(self) -> None:
        while self:
            self.pop(0)[1]()

    def run_later(self, done: Callable[[], None], preloader: Preloader | None, context: QObject) -> None:
        """Each step once ``preloader`` (started with :meth:`modules`) has imported its modules, so the window
        answers between them; then ``done`` (see :func:`run_steps`)."""
        run_steps(self, done, preloader, context)

    def modules(self) -> list[str]:
        """The modules the steps import, in the order they run."""
        return [m for modules, _step in self for m in modules]
