"""Building parts of the window after its first paint without holding the GUI thread.

A step names the modules it needs and a function that makes its widgets. A background thread imports
the steps' modules first, while the GUI thread is idle (an import holds the GIL only in short slices,
so the window keeps painting and answering); the steps then run on the GUI thread, one per event-loop
turn, so the window answers between them. Steps wait for the whole preload rather than each for its
own modules: a step sharing the GIL with an import would take twice as long. A step may return a
generator: it is resumed one ``next()`` per turn until it ends, so one widget can be built in parts.
After each turn (a step's, or a widget's own: :meth:`Turns.later`) the event loop is left to itself about as
long as the turn took, so turns of different chains never follow each other without input, paints and due
timers between them. One :class:`Turns` (the window's session owns it) keeps that rest, the preloads under
way and the trace. The window's heavier panels are covered for its first paint (:class:`Covers`), so no
turn paints the whole window; each is shown on a turn of its own right after.
"""
from __future__ import annotations

import _thread
import importlib
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

Step = tuple[tuple[str, ...], Callable[[], object]]
"""The modules a step imports, and the step itself (run on the GUI thread; it may return a generator)."""

TURN_MS = 1
"""Between steps: a timer (not a 0 ms call, which Qt runs before due timers) lets due timers, input and
paints go first."""
WAIT_MS = 5
"""How often a step waiting for its modules looks again."""
MAX_REST_MS = 40
"""The rest after a turn: as long as the turn took, at most this."""
Trace = Callable[[str, float, float, float], None]
"""Called after every turn with its name, its start (``time.perf_counter()``), and the wall and GUI-thread CPU
seconds it took."""


def step_name(step: Callable[[], object]) -> str:
    """A step's name for traces: its function's name (``make_text_workspace``, ``rescan_models``)."""
    return getattr(step, "__name__", type(step).__name__)


def named(name: str, step: Callable[[], object]) -> Callable[[], object]:
    """``step``, named ``name`` in traces."""
    step.__name__ = name
    return step


def paint_off_screen(widget: QWidget, then: Callable[[], object] | None = None) -> None:
    """Paint ``widget`` once into an image before it is shown: its fonts' glyphs, its style's pixmaps and its
    layout are made then, so its first paint on screen holds the GUI thread about half as long. ``then``: sizes
    to set after that paint (e.g. the docks'), laid out at once, so the first layout on screen is a short one."""
    widget.render(QImage(widget.size(), QImage.Format.Format_ARGB32_Premultiplied))
    if then is not None:
        then()
        if (layout := widget.layout()) is not None:
            layout.activate()


def finish(parts: Iterator[object] | None) -> None:
    """Run what is left of a step built in parts (a generator), all at once."""
    for _part in parts or ():
        pass


class Preloader:
    """Imports ``modules`` in order on a daemon thread, then calls ``then`` there (e.g. opens a file). While it
    runs it is in ``running`` (a :class:`Turns`' preloads under way)."""

    def __init__(self, modules: Iterable[str], then: Callable[[], None] | None = None,
                 running: set["Preloader"] | None = None) -> None:
        self._modules = list(dict.fromkeys(modules))
        self._then = then
        self._running = running if running is not None else set()
        self._started = False
        self._finished = threading.Event()

    def start(self) -> "Preloader":
        # A bare thread: threading.Thread.start() waits until the new thread runs, which on a busy machine
        # held the GUI thread ~10 ms. It never keeps the process alive (like a daemon thread).
        self._started = True
        self._running.add(self)
        _thread.start_new_thread(self._run, ())
        return self

    def _run(self) -> None:
        try:
            self._load()
        finally:
            self._running.discard(self)
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


class Turns:
    """The GUI thread's turns of one window's start-up, shared by whatever schedules them (the window's steps, the
    app's, the model list reaching the panels, the vocabulary chips): when the next turn may start (the rest after
    the last one), the preloads under way, and the trace. The window's session owns one."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.trace = trace
        """When set (``benchmarks/responsiveness.py``, tests): called after every turn (see :data:`Trace`)."""
        self._quiet_until = 0.0  # (time.perf_counter()) no turn starts before: the rest after the last one
        self._running: set[Preloader] = set()  # the preloads under way (their threads import)

    def preload(self, modules: Iterable[str], then: Callable[[], None] | None = None) -> Preloader:
        """A started :class:`Preloader` of ``modules`` (then ``then``), counted in :meth:`preloading`."""
        return Preloader(modules, then, self._running).start()

    def preloading(self) -> bool:
        """True while a :class:`Preloader` imports: its thread takes the GIL in turns with the GUI thread, so work
        done on the GUI thread meanwhile takes about twice as long."""
        return bool(self._running)

    def later(self, context: QObject, call: Callable[[], object], ms: int = TURN_MS) -> None:
        """``call()`` (a turn: see :meth:`traced`) on the GUI thread in ``ms``, or once the rest after the last
        turn is over; nothing once ``context`` is deleted."""

        def when_rested() -> None:
            wait_ms = math.ceil((self._quiet_until - time.perf_counter()) * 1000)
            if wait_ms > 0:
                QTimer.singleShot(wait_ms, context, when_rested)
            else:
                call()

        QTimer.singleShot(ms, context, when_rested)

    def after_preload(self, context: QObject, call: Callable[[], object]) -> None:
        """``call()`` (a turn) now, or on the GUI thread once no :class:`Preloader` imports (looked at every
        :data:`WAIT_MS`) and the rest after the last turn is over; nothing once ``context`` is deleted."""
        if not self.preloading() and time.perf_counter() >= self._quiet_until:
            call()
            return
        self.later(context, lambda: self.after_preload(context, call), WAIT_MS)

    def traced(self, name: str, call: Callable[[], object]) -> object:
        """``call()`` as one turn named ``name``: the turns :meth:`later` runs next wait for the rest after it, and
        it is traced (:attr:`trace`), so work a widget spreads over turns itself (e.g. the vocabulary chips) is
        measured as start-up steps are."""
        start, cpu = time.perf_counter(), time.thread_time()
        out = call()
        end = time.perf_counter()
        self._quiet_until = end + min(end - start, MAX_REST_MS / 1000)
        if self.trace is not None:
            self.trace(name, start, end - start, time.thread_time() - cpu)
        return out


class Steps(list[Step]):
    """Steps still to run, in order: now (:meth:`run_now`) or one per event-loop turn (:meth:`run_later`).

    A step that returns a generator is built in parts, one ``next()`` per turn; until it ends it is under
    way (:meth:`pending`), and :meth:`run_now` finishes it first."""

    def __init__(self, turns: Turns, steps: Iterable[Step] = ()) -> None:
        super().__init__(steps)
        self.turns = turns
        self._under_way: list[tuple[str, Iterator[object]]] = []  # a step built in parts, and its name

    def pending(self) -> bool:
        """True while a step is still to run or under way."""
        return bool(self) or bool(self._under_way)

    def run_now(self) -> None:
        while self._under_way:
            finish(self._under_way.pop(0)[1])
        while self:
            self._start(self.pop(0)[1])
            while self._under_way:
                finish(self._under_way.pop(0)[1])

    def run_later(self, done: Callable[[], None], preloader: Preloader | None, context: QObject) -> None:
        """Run the steps on the GUI thread, one per event-loop turn, each once ``preloader`` (started with
        :meth:`modules`) is done when it names modules; then ``done``. A step taken meanwhile by
        :meth:`run_now` is not run again. Once ``context`` is deleted (the window closed meanwhile) nothing
        more runs."""

        def next_step() -> None:
            if self._under_way:  # taken out while it runs: a run_now() from inside it finishes the others
                name, parts = self._under_way.pop(0)
                if self.turns.traced(name, lambda: next(parts, _END)) is not _END:
                    self._under_way.insert(0, (name, parts))
            elif self:
                modules, _step = self[0]
                if modules and preloader is not None and not preloader.done():
                    self.turns.later(context, next_step, WAIT_MS)
                    return
                self._start(self.pop(0)[1])
            if self.pending():
                self.turns.later(context, next_step)
            else:
                done()

        self.turns.later(context, next_step)

    def _start(self, step: Callable[[], object]) -> None:
        """Run ``step``; a generator it returns runs its first part now, the rest is under way."""

        def first_part() -> None:
            out = step()
            if isinstance(out, Iterator) and next(out, _END) is not _END:
                self._under_way.append((step_name(step), out))
        self.turns.traced(step_name(step), first_part)

    def modules(self) -> list[str]:
        """The modules the steps import, in the order they run."""
        return [m for modules, _step in self for m in modules]


_END = object()


class Cover(QWidget):
    """A plain patch of the window's colour over ``panel`` until :meth:`lift`: Qt paints neither a widget nor its
    children under an opaque child on top of it, so the window's first paint skips the panel. The patch is no part
    of the panel's layout, so the panel keeps its place and size meanwhile: lifting the patch lays out nothing and
    paints the panel's own region only."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__(panel)
        self.setObjectName("startup_cover")
        self.setAutoFillBackground(True)  # opaque: what is under it is not painted
        self.setGeometry(panel.rect())
        self.raise_()
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())  # the panel's docks are sized once the window is shown
        return False

    def lift(self) -> None:
        """Paint the panel now (it and its children, in this turn), and let the patch go."""
        panel = self.parentWidget()
        panel.removeEventFilter(self)
        self.hide()
        panel.repaint()
        self.deleteLater()


class Covers:
    """The window's heavier panels covered (:class:`Cover`) for its first paint, then shown one per turn."""

    def __init__(self, panels: Iterable[QWidget] = ()) -> None:
        self._covers = [Cover(panel) for panel in panels]

    def steps(self) -> list[Step]:
        """A step per panel, in order: its cover lifted (unless :meth:`lift_all` came first)."""
        return [((), named(f"show_{type(c.parentWidget()).__name__}", lambda c=c: self._lift(c)))
                for c in self._covers]

    def _lift(self, cover: Cover) -> None:
        if cover in self._covers:
            self._covers.remove(cover)
            cover.lift()

    def lift_all(self) -> None:
        """Show every panel still covered, now."""
        while self._covers:
            self._covers.pop(0).lift()

    def __bool__(self) -> bool:
        return bool(self._covers)
