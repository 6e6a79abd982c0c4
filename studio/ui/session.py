"""The studio session: what the window's panels share, as plain typed state with signals.

In the way of napari's ``ViewerModel``: the window draws a :class:`StudioSession`, and panels get the
session (and read its job pool) rather than the window. It holds the studio paths and settings, the one
model scanner and its last list of :class:`ModelEntry`, the job pool once it runs, the canvas feed (what
the canvas shows), the current spec of the prompt editor, and the workspace shown. Panels ask through it
for a status message or a workspace; the window, which owns the status bar and the tabs, listens.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal

from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.jobs.api import JobPool
from studio.ui.staged import Turns
from studio.ui.model_scan import ModelScanner

if TYPE_CHECKING:
    from studio.ui.canvas_feed import CanvasFeed

PoolUser = Callable[[JobPool], None]
"""Connects a part of the studio (a workspace, a tool) to the job pool once it runs."""


class StudioSession(QObject):
    """Paths, settings, models, the job pool, the canvas and the current spec, shared by every panel."""

    models_changed = Signal(list)  # list[ModelEntry]: a scan ended (see set_models)
    scan_progress = Signal(int, str)  # items looked at so far, the folder being read (large folders only)
    settings_changed = Signal(object)  # Settings, after they were saved and applied
    pool_attached = Signal(object)  # JobPool
    message = Signal(str, int)  # a status-bar line, and how long it shows (ms)
    workspace_requested = Signal(str)  # a panel asks for a workspace to be shown
    workspace_changed = Signal(str)  # the workspace shown now

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings
        self.models: list[ModelEntry] = []
        """The last scan's entries (empty before the first scan ends)."""
        self.pool: JobPool | None = None
        """The job pool, once it is attached (None while the engine starts)."""
        self.workspace = ""
        """The key of the workspace shown ("image", "text"…)."""
        self.canvas: CanvasFeed | None = None
        """What the Image workspace's canvas shows (set by the window that draws it)."""
        self.spec_source: Callable[[], ImageSpec] = ImageSpec
        """The current spec: the prompt editor's (the window points this at it)."""
        self._pool_users: list[PoolUser] = []
        self.turns = Turns()
        """The GUI thread's start-up turns, shared by the window's steps and the panels' own (the rest after
        each, the preloads under way)."""
        self._models_to_hand = False  # a scan's list waits for the start-up's imports to end
        self.scanner = ModelScanner(paths, settings, self)
        self.scanner.scanned.connect(self.set_models)
        self.scanner.progress.connect(self.scan_progress)

    # -- models ---------------------------------------------------------------------------------
    def rescan(self) -> None:
        """Scan the model folders again (in a thread); ``models_changed`` follows."""
        self.scanner.settings = self.settings
        self.scanner.scan()

    def set_models(self, entries: list[ModelEntry]) -> None:
        """A scan's entries: kept now, and handed to the panels (``models_changed``) now, or while the window
        starts once the background imports of its later workspaces have ended: the panels' share of the GUI
        thread is then theirs alone, not taken in turns with an importing thread (the latest list only)."""
        self.models = list(entries)
        if not self._models_to_hand:
            self._models_to_hand = True
            self.turns.after_preload(self, lambda: self.turns.traced("model list to the panels", self._hand_models))

    def _hand_models(self) -> None:
        self._models_to_hand = False
        self.models_changed.emit(list(self.models))

    def follow_models(self, slot: Callable[[list[ModelEntry]], None]) -> None:
        """Call ``slot`` with the models now and after every scan."""
        slot(list(self.models))
        self.models_changed.connect(slot)

    # -- the job pool -----------------------------------------------------------------------------
    def attach_pool(self, pool: JobPool) -> None:
        self.pool = pool
        for user in self._pool_users:
            user(pool)
        self.pool_attached.emit(pool)

    def when_pool(self, user: PoolUser) -> None:
        """Call ``user`` with the job pool: now when it runs, else once it is attached."""
        self._pool_users.append(user)
        if self.pool is not None:
            user(self.pool)

    def running_pool(self) -> JobPool | None:
        """The job pool, or None after telling the user that the engine is still starting."""
        if self.pool is None:
            text = QCoreApplication.translate("MainWindow", "The engine is still starting; try again in a moment.")
            self.notify(text, 5000)
        return self.pool

    # -- spec, settings, messages, workspaces ---------------------------------------------------------
    def current_spec(self) -> ImageSpec:
        """The spec the prompt editor describes now (validated; SpecError when it is not valid)."""
        return self.spec_source()

    def apply_settings(self, settings: Settings) -> Settings:
        """Saved settings take effect: model folders by a rescan, engine settings from the next job; then
        ``settings_changed``. Returns the settings they replace."""
        old, self.settings = self.settings, settings
        if (settings.model_dirs, settings.scan_hf_cache, settings.hf_cache_dir) != (
                old.model_dirs, old.scan_hf_cache, old.hf_cache_dir):
            self.rescan()
        else:
            self.scanner.settings = settings
        if self.pool is not None:
            self.pool.apply_settings(settings)
        self.settings_changed.emit(settings)
        return old

    def notify(self, text: str, ms: int = 6000) -> None:
        """Show ``text`` in the status bar for ``ms`` milliseconds."""
        self.message.emit(text, ms)

    def show_workspace(self, key: str) -> None:
        self.workspace_requested.emit(key)

    def set_workspace(self, key: str) -> None:
        """(the window) The workspace ``key`` is shown now."""
        if key != self.workspace:
            self.workspace = key
            self.workspace_changed.emit(key)
