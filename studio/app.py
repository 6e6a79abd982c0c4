"""GUI entry: show the window first, then start the job pool (whose engine processes import torch).

Order matters for start-up time: QApplication → MainWindow (the Image workspace, its docks' panels covered)
→ show → first paint → :class:`Startup`: each covered panel shown, model scan in a thread, JobPool start, the
other workspaces, one short step per event-loop turn. Torch is imported only by the pool's engine host
processes, never by this one, so the window is on screen ~0.5 s after launch and never stalls
while an engine starts or loads a model.

``AIGC_STUDIO_STARTUP_PROBE=1`` prints ``STARTUP <event> <unix time>`` lines (window_shown,
engine_ready) and quits once the engine is ready: ``benchmarks/startup.py`` reads them.
"""
from __future__ import annotations

import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QObject, QTimer, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from studio import APP_NAME, __version__
from studio.core import netguard
from studio.core.errors import StudioError
from studio.core.language import ENGLISH, i18n_dir, resolve_language, use_language
from studio.core.paths import StudioPaths
from studio.core.settings import load_settings
from studio.ui.icons import app_icon
from studio.ui.main_window import MainWindow
from studio.ui.staged import Covers, Steps
from studio.ui.theme import apply_theme, follow_system

if TYPE_CHECKING:
    from studio.core.store.queue import QueueStore
    from studio.jobs.pool import WorkerPool

log = logging.getLogger(__name__)
PROBE_ENV = "AIGC_STUDIO_STARTUP_PROBE"


def _probe(event: str) -> None:
    if os.environ.get(PROBE_ENV):
        print(f"STARTUP {event} {time.time():.4f} torch_loaded={'torch' in sys.modules}", flush=True)


def install_translators(app: QCoreApplication, language: str | None = None, folder: Path | None = None,
                        setting: str = "system") -> list[QTranslator]:
    """Speak ``language`` (else the ``language`` setting, else $AIGC_STUDIO_LANG, else the locale).

    Installs ``resources/i18n/studio_<lang>.qm`` (or from ``folder``) and Qt's own ``qt_<lang>.qm`` (its
    file dialogs, buttons), and makes ``studio_<lang>.mo`` the catalogue of core and engine messages.
    A missing or damaged file leaves its strings in English, with one log line.
    """
    name = use_language(resolve_language(language, setting), folder)
    installed: list[QTranslator] = []
    if name == ENGLISH:
        return installed
    candidates = [(folder or i18n_dir(), f"studio_{name}"),
                  (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)), f"qt_{name}")]
    for where, base in candidates:
        translator = QTranslator(app)
        if translator.load(base, str(where)):
            app.installTranslator(translator)
            installed.append(translator)
        else:
            log.warning("translation %s.qm missing or damaged in %s; its strings stay in English", base, where)
    return installed


class _FirstPaint(QObject):
    """Reports the first time the window is painted (what "shown" means to a person)."""

    def __init__(self, callback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            callback, self._callback = self._callback, None
            QTimer.singleShot(0, callback)  # after this paint has completed
        return False


GUI_THREAD_POOL_OFF = "QT_NO_GUI_THREADPOOL"
"""Set (unless the user set it): Qt's raster engine then fills on the GUI thread itself. Otherwise it hands every
fill taller than 96 lines (a scroll bar, a dock's background) to a thread pool and waits: on a busy machine (an
engine importing torch) the GUI thread then waits for a CPU for the pool, tens of ms in one paint."""


def make_app(argv: list[str]) -> QApplication:
    if GUI_THREAD_POOL_OFF not in os.environ:  # read by Qt once, at the first large fill
        os.environ[GUI_THREAD_POOL_OFF] = "1"
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("aigc-studio")
    app.setWindowIcon(app_icon())
    return app  # type: ignore[return-value]


def start_backend(window: MainWindow) -> WorkerPool | None:
    """Scan models (thread) and start the job pool (its engine processes import torch) now. Returns the pool
    (None if its queue cannot be opened: the status bar says why). The app itself uses :class:`Startup`."""
    window.rescan_models()
    pool = _make_pool(window)
    if pool is not None:
        _start_pool(window, pool)
    return pool


def _make_pool(window: MainWindow, store: QueueStore | StudioError | None = None) -> WorkerPool | None:
    """The job pool on ``store`` (opened here when None; a StudioError: why it could not be opened)."""
    from studio.jobs.pool import WorkerPool  # Qt + core only: torch lives in the engine host processes

    try:
        if isinstance(store, StudioError):
            raise store
        return WorkerPool(window.paths, window.settings, parent=window, store=store)
    except StudioError as exc:  # e.g. a queue database that cannot be opened nor moved aside
        log.error("the job pool could not start: %s", exc)
        window.status.on_engine_failed(str(exc))
        return None


def _start_pool(window: MainWindow, pool: WorkerPool) -> None:
    window.attach_pool(pool)
    # Once the window and its models list are built, move their long-lived objects out of the cyclic
    # GC's sight: later full collections (which stall the GUI thread) get short.
    pool.engine_ready.connect(lambda _device: gc.freeze())
    pool.start()


POOL_MODULES = ("psutil", "studio.jobs.pool")
"""What the job pool imports (its queue uses psutil): ~30 ms, preloaded off the GUI thread."""


class Startup(QObject):
    """What follows the window's first paint, one short step per event-loop turn so the window answers
    between them (no turn holds the GUI thread over 16 ms here): the docks' panels, covered for the first
    paint (:class:`~studio.ui.staged.Covers`), each painted on a turn of its own; the model scan (a thread);
    the job pool (its engine host starts and imports torch in the background); then the workspaces not
    shown yet. Their modules are imported by a background thread meanwhile (:mod:`studio.ui.staged`).
    ``pool_started`` carries the pool (None if its queue cannot be opened); ``finished`` follows once every
    workspace is built."""

    pool_started = Signal(object)
    finished = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # Made before the window is shown: its first paint skips the docks' panels (most of its cost).
        self.covers = Covers((window.prompt_editor, window.queue_view, window.history, window.control_panel))
        self.pool: WorkerPool | None = None
        self._began = False
        self._store: QueueStore | StudioError | None = None

    def begin(self) -> None:
        """Start the steps (once; later calls do nothing)."""
        if self._began:
            return
        self._began = True
        turns = self.window.session.turns
        steps = Steps(turns, [*self.covers.steps(), ((), self.window.rescan_models),
                              (POOL_MODULES, self._make_pool), ((), self._start_pool)])
        steps.run_later(self._build_workspaces, turns.preload(POOL_MODULES, then=self._open_store), self)

    def _open_store(self) -> None:
        """(preload thread) The queue database: opening it may repair it, or write its tables the first time."""
        from studio.core.store.queue import QueueStore

        try:
            self._store = QueueStore.open(self.window.paths.queue_db)
        except StudioError as exc:  # e.g. a queue database that cannot be opened nor moved aside
            self._store = exc

    def _make_pool(self) -> None:
        self.pool = _make_pool(self.window, self._store)

    def _start_pool(self) -> None:
        if self.pool is not None:
            _start_pool(self.window, self.pool)
        self.pool_started.emit(self.pool)

    def _build_workspaces(self) -> None:
        self.window.build_workspaces_later(self.finished.emit)


def launch(window: MainWindow) -> Startup:
    """Show ``window`` (its docks' panels covered) and run :class:`Startup` once it is painted (or after a
    moment, should the window not be painted at all, e.g. started minimised): the engine process competes for
    the CPU while it imports torch, so it starts once the window is on screen."""
    startup = Startup(window)

    def on_first_paint() -> None:
        _probe("window_shown")
        startup.begin()

    first_paint = _FirstPaint(on_first_paint, parent=startup)
    window.installEventFilter(first_paint)
    startup.finished.connect(lambda: window.removeEventFilter(first_paint))
    # What exists now (the modules, the window) and once the workspaces are built lives as long as the app: out of
    # the cyclic GC's sight, a full collection during start-up (it may come from the preload thread too, and
    # holds the GIL) looks only at what is new.
    gc.freeze()
    startup.finished.connect(gc.freeze)
    window.show()
    QTimer.singleShot(1500, startup.begin)
    return startup


def restart_command(args: list[str] | None = None, frozen: bool | None = None) -> list[str]:
    """The command line that starts this studio again: the same interpreter (or bundle) and arguments, less a
    one-run ``--lang`` (a restart for a new language lets the saved setting decide)."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if args is None:  # a bundle's argv[0] is itself; a checkout's orig_argv keeps the interpreter's own options
        args = list(sys.argv[1:] if frozen else getattr(sys, "orig_argv", sys.argv)[1:])
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--lang":
            skip = True
        elif not arg.startswith("--lang="):
            out.append(arg)
    return [sys.executable, *out]


def relaunch(command: list[str] | None = None) -> int:
    """Start a new studio process (detached: it outlives this one, which is ending); returns its pid."""
    import subprocess

    command = command or restart_command()
    log.info("restarting the studio: %s", command)
    return subprocess.Popen(command, start_new_session=True, close_fds=True).pid


def run_gui(argv: list[str] | None = None, language: str | None = None) -> int:
    """Open the studio window and run the event loop; returns the exit code.

    ``language`` (``--lang``) overrides the language setting and the locale for this run."""
    argv = list(sys.argv if argv is None else argv)
    app = make_app(argv)
    paths = StudioPaths.from_env()
    netguard.install(paths, "window")  # (again, if main.py installed it): the window's own records
    netguard.record_start()
    settings = load_settings(paths.settings_file)
    translators = install_translators(app, language, setting=settings.language)  # noqa: F841 (kept for the app's life)
    follow_system(app)
    apply_theme(app, settings.theme)
    window = MainWindow(paths, settings, defer_workspaces=True)
    startup = launch(window)
    if os.environ.get(PROBE_ENV):
        def probe(pool: WorkerPool | None) -> None:
            if pool is not None:
                pool.engine_ready.connect(lambda _device: (_probe("engine_ready"), app.quit()))
                pool.engine_failed.connect(lambda msg: (print(f"STARTUP engine_failed {msg}", flush=True),
                                                        app.quit()))

        startup.pool_started.connect(probe)

    def shutdown() -> None:
        pool = startup.pool
        if pool is not None:
            # The running job stops at its next safe point (a training saves its checkpoint first); wait for
            # it, so no worker thread is destroyed while still running.
            pool.shutdown(wait=True, timeout=120.0)

    app.aboutToQuit.connect(shutdown)
    # Settings → Language → "Restart now": the window is closed; end the loop (the pool shuts down above, the
    # queue is in its database) and start the studio again.
    window.restart_requested.connect(lambda: QTimer.singleShot(0, app.quit))
    code = int(app.exec())
    if window.wants_restart:
        relaunch()
    return code
