"""The studio's main window: workspaces in the centre, dockable panels around them.

The Image workspace is the canvas, with the prompt editor (left), queue (right) and history
(bottom) as docks that can be moved, floated or hidden; their layout is saved in
``<studio home>/ui.ini`` between runs. Other workspaces (Text, Training, Faces) are tabs added with
:meth:`MainWindow.add_workspace`, each with the function that connects it to the job pool once it
runs; they are built right after the first paint, one per event-loop turn
(:meth:`MainWindow.build_workspaces_later`).

The window never imports torch: the job pool is attached after the window is shown
(:meth:`attach_pool`), and until its engine is ready the status bar says "Loading engine…".
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QImage, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMessageBox, QScrollArea, QTabWidget, QWidget

from studio import APP_NAME
from studio.core.errors import SpecError
from studio.core.estimate import StepSpeed, long_job_warning, measured_speed
from studio.core.models.match import ModelRef
from studio.core.paths import StudioPaths
from studio.core.store.queue import CANCELLED, DONE, FAILED
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec, UpscaleSpec
from studio.core.specs.base import Spec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.core.specs.wildcards import expand_spec
from studio.jobs.api import JobPool
from studio.ui.batch_grid import BatchGrid
from studio.ui.canvas import ImageCanvas
from studio.ui.history_strip import HistoryStrip
from studio.ui.icons import app_icon
from studio.ui.image_loader import ImageLoader
from studio.ui.model_scan import ModelScanner
from studio.ui.control_panel import ControlPanel
from studio.ui.prompt_editor import PromptEditor
from studio.ui.queue_view import QueueView
from studio.ui.staged import Preloader, Step, run_steps
from studio.ui.status_bar import StudioStatusBar

if TYPE_CHECKING:
    from studio.ui.builtin_tools import UpscaleTools
    from studio.ui.edit_tools import CanvasEditor
    from studio.ui.faces_workspace import FacesWorkspace
    from studio.ui.guided_workspace import GuidedWorkspace
    from studio.ui.model_manager import ModelManager
    from studio.ui.prompt_expand import PromptExpander
    from studio.ui.text_workspace import TextWorkspace
    from studio.ui.training_workspace import TrainingWorkspace

log = logging.getLogger(__name__)

STATE_VERSION = 1
PoolUser = Callable[[JobPool], None]
"""Connects a part of the window (a workspace, a tool) to the job pool once it runs."""


def ui_settings(paths: StudioPaths) -> QSettings:
    """The window's own settings file (layout, last parameters) under the studio home."""
    return QSettings(str(paths.root / "ui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Workspaces + docks + menus + status bar. The pool is attached later (see module doc)."""

    models_scanned = Signal(list)
    settings_changed = Signal(object)  # Settings, after the Settings dialog saved them
    restart_requested = Signal()  # the user asked to restart the studio (the window is closed already)

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QWidget | None = None,
                 defer_workspaces: bool = False) -> None:
        """``defer_workspaces``: build the Text, Training and Faces workspaces and the canvas tools only on
        :meth:`ensure_workspaces` (the app calls it right after the first paint, to show the window sooner)."""
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self.pool: JobPool | None = None
        self.wants_restart = False  # set by restart(): the app starts a new studio once its event loop ends
        self._pool_users: list[PoolUser] = []
        # Built by ensure_workspaces():
        self.model_manager: ModelManager
        self.text_workspace: TextWorkspace
        self.training_workspace: TrainingWorkspace
        self.faces_workspace: FacesWorkspace
        self.upscale_tools: UpscaleTools
        self.canvas_editor: CanvasEditor
        self.prompt_expander: PromptExpander
        self.guided_workspace: GuidedWorkspace
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self._job_sizes: dict[int, QSize] = {}
        self._canvas_request: object = None
        self._workspace_keys: list[str] = []
        self._workspace_docks: dict[str, tuple[QDockWidget, ...]] = {}
        self._workspace_widgets: dict[str, QWidget] = {}
        self._hidden_docks: list[QDockWidget] = []
        self._models: list = []  # the last scan's ModelEntry list (pickers of installed models)

        self.canvas = ImageCanvas()
        self.workspaces = QTabWidget()
        self.workspaces.setObjectName("workspaces")
        self.workspaces.setDocumentMode(True)
        self.setCentralWidget(self.workspaces)

        self.prompt_editor = PromptEditor()
        self.queue_view = QueueView()
        self.history = HistoryStrip(paths)
        self.prompt_dock = self._dock("prompt_dock", self.tr("Prompt"), self.prompt_editor,
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        self.queue_dock = self._dock("queue_dock", self.tr("Queue"), self.queue_view,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_dock = self._dock("history_dock", self.tr("History"), self.history,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.control_panel = ControlPanel(paths.cache, canvas_image=self.canvas.image,
                                          scribble_image=self._scribble_strokes)
        self.control_dock = self._dock("control_dock", self.tr("Control"), self.control_panel,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.queue_dock, self.control_dock, Qt.Orientation.Vertical)
        self.prompt_editor.spec_extras = self.control_panel.spec_fields
        self.prompt_editor.spec_applied.connect(self.control_panel.apply_spec)
        self.prompt_editor.model_changed.connect(
            lambda _name: self.control_panel.follow_model(self.prompt_editor.model_entry()))

        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self._loader = ImageLoader(threads=1, parent=self)
        self._loader.loaded.connect(self._on_image_loaded)
        self.batch_grid = BatchGrid(self)
        self.scanner = ModelScanner(paths, settings, self)
        self.scanner.scanned.connect(self._on_models_scanned)
        self.scanner.progress.connect(lambda items, folder: self.status.showMessage(
            self.tr("Scanning models: {0} files and folders so far ({1})").format(items, folder), 3000))

        self._build_actions()
        self._build_menus()
        self.add_workspace("image", self.canvas, self.tr("Image"),
                           (self.prompt_dock, self.control_dock, self.history_dock), scroll=False)
        self.prompt_editor.generate_requested.connect(self.submit_specs)
        self.prompt_editor.cancel_requested.connect(self.cancel_current)
        self.prompt_editor.open_model_manager_requested.connect(self.open_model_manager)
        self.history.show_requested.connect(self.show_file)
        self.history.reuse_requested.connect(self.reuse_parameters)
        self.history.evaluate_requested.connect(self.open_evaluate)
        self.queue_view.show_output_requested.connect(self._show_job_output)
        self.workspaces.currentChanged.connect(self._on_workspace_changed)
        self._saved_workspace = "image"
        ui = "studio.ui."
        self._workspace_steps: list[Step] = [
            ((ui + "text_workspace",), self._build_text),
            ((ui + "training_workspace",), self._build_training),
            ((ui + "faces_workspace",), self._build_faces),
            ((ui + "builtin_tools", ui + "edit_tools"), self._build_canvas_tools),
            ((ui + "prompt_expand", ui + "describe_image", ui + "prompt_tools"), self._build_prompt_expander),
            ((ui + "model_manager", ui + "model_use"), self._build_models),
            ((ui + "guided_workspace",), self._build_guided),
            ((), self._show_saved_workspace)]
        """What :meth:`ensure_workspaces` still has to build, in tab order."""

        self.resize(1360, 860)
        self._sized = False
        self._restored = self._restore()
        if not defer_workspaces:
            self.ensure_workspaces()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._sized:  # dock sizes only take once the window has its real size
            self._sized = True
            self._default_sizes()
            self._default_state = self.saveState(STATE_VERSION)
            if self._restored:
                self.restoreState(self._restored, STATE_VERSION)
                # restoreState shows every dock it saved as visible; hide those of other workspaces again.
                self._hidden_docks = []
                self._on_workspace_changed(self.workspaces.currentIndex())

    def _default_sizes(self) -> None:
        self.resizeDocks([self.prompt_dock, self.queue_dock], [350, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.history_dock], [150], Qt.Orientation.Vertical)

    # -- construction -------------------------------------------------------------------------
    def _scribble_strokes(self) -> QImage | None:
        """What the canvas brush painted (white strokes on black), for a scribble ControlNet unit."""
        editor = getattr(self, "canvas_editor", None)
        if editor is None or editor.mask.is_empty():
            return None
        return editor.mask.alpha()

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        self.generate_action = QAction(self.tr("&Generate"), self)
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.generate_action.triggered.connect(self.prompt_editor.queue)
        self.cancel_action = QAction(self.tr("&Cancel running job"), self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.triggered.connect(self.cancel_current)
        self.open_png_action = QAction(self.tr("&Open image / PNG parameters…"), self)
        self.open_png_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_png_action.triggered.connect(lambda: self.history.open_png())
        self.save_as_action = QAction(self.tr("&Save image as…"), self)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.triggered.connect(lambda: self.canvas.save_as())
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.reset_layout_action = QAction(self.tr("&Reset layout"), self)
        self.reset_layout_action.triggered.connect(self.reset_layout)
        self.rescan_action = QAction(self.tr("&Rescan model folders"), self)
        self.rescan_action.setShortcut(QKeySequence("F5"))
        self.rescan_action.triggered.connect(self.rescan_models)
        self.model_manager_action = QAction(self.tr("&Model manager…"), self)
        self.model_manager_action.triggered.connect(self.open_model_manager)
        self.evaluate_action = QAction(self.tr("&Evaluate images or texts…"), self)
        self.evaluate_action.setObjectName("evaluate_action")
        self.evaluate_action.triggered.connect(lambda: self.open_evaluate([]))
        self.grid_action = QAction(self.tr("Comparison &grid…"), self)
        self.grid_action.setObjectName("grid_action")
        self.grid_action.triggered.connect(lambda: self.open_grid())
        self.unload_action = QAction(self.tr("&Unload models (free memory)"), self)
        self.unload_action.triggered.connect(lambda: self.pool is not None and self.pool.unload_models())
        self.settings_action = QAction(self.tr("&Settings…"), self)
        self.settings_action.setObjectName("settings_action")
        self.settings_action.setShortcuts([QKeySequence("Ctrl+,"), QKeySequence(QKeySequence.StandardKey.Preferences)])
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(lambda: self.open_settings())
        self.about_action = QAction(self.tr("&About {0}").format(APP_NAME), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        for a in (self.generate_action, self.cancel_action, self.settings_action):
            self.addAction(a)  # shortcuts work even when the menus are hidden

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.open_png_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        gen_menu = self.generate_menu = bar.addMenu(self.tr("&Generate"))
        gen_menu.addAction(self.generate_action)
        gen_menu.addAction(self.cancel_action)
        gen_menu.addSeparator()
        gen_menu.addAction(self.grid_action)
        gen_menu.addAction(self.evaluate_action)
        gen_menu.addSeparator()
        gen_menu.addAction(self.unload_action)
        self.view_menu = bar.addMenu(self.tr("&View"))
        for dock in (self.prompt_dock, self.queue_dock, self.history_dock):
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)
        self.workspace_menu = bar.addMenu(self.tr("&Workspace"))
        self._workspace_actions: list[QAction] = []
        models_menu = bar.addMenu(self.tr("&Models"))
        models_menu.addAction(self.model_manager_action)
        models_menu.addAction(self.rescan_action)
        self.help_menu = bar.addMenu(self.tr("&Help"))
        self.help_menu.addAction(self.about_action)
        self._refresh_workspace_menu()

    # -- workspaces ---------------------------------------------------------------------------
    def add_workspace(self, key: str, widget: QWidget, title: str, docks: tuple[QDockWidget, ...] = (),
                      scroll: bool = True, bind: PoolUser | None = None) -> int:
        """Add a central tab; ``docks`` are shown only while it is the current workspace; ``bind`` is
        called with the job pool (now, or once it is attached).

        With ``scroll`` the workspace sits in a scroll area, so its minimum size never forces
        the whole window (and every other workspace) wider than the screen.
        """
        self._workspace_keys.append(key)
        self._workspace_docks[key] = docks
        self._workspace_widgets[key] = widget
        page: QWidget = widget
        if scroll:
            area = QScrollArea()
            area.setObjectName(f"{key}_scroll")
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(widget)
            page = area
        index = self.workspaces.addTab(page, title)
        self._refresh_workspace_menu()
        if bind is not None:
            self._add_pool_user(bind)
        return index

    def _add_pool_user(self, bind: PoolUser) -> None:
        self._pool_users.append(bind)
        if self.pool is not None:
            bind(self.pool)

    def workspace(self, key: str) -> QWidget | None:
        """The widget of workspace ``key`` (not its scroll area), None when there is none."""
        if key not in self._workspace_widgets:
            self.ensure_workspaces()
        return self._workspace_widgets.get(key)

    def show_workspace(self, key: str) -> None:
        if key not in self._workspace_keys:
            self.ensure_workspaces()
        if key in self._workspace_keys:
            self.workspaces.setCurrentIndex(self._workspace_keys.index(key))

    def current_workspace(self) -> str:
        i = self.workspaces.currentIndex()
        return self._workspace_keys[i] if 0 <= i < len(self._workspace_keys) else ""

    def _refresh_workspace_menu(self) -> None:
        self.workspace_menu.clear()
        for i, key in enumerate(self._workspace_keys):
            action = self.workspace_menu.addAction(self.workspaces.tabText(i))
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, k=key: self.show_workspace(k))
        self.workspaces.tabBar().setVisible(len(self._workspace_keys) > 1)

    def ensure_workspaces(self) -> None:
        """Build the Text, Training, Faces, Models and Guided workspaces, the Upscale menu and the canvas
        tools now: whatever :meth:`build_workspaces_later` has not built yet."""
        while self._workspace_steps:
            self._workspace_steps.pop(0)[1]()

    def build_workspaces_later(self, done: Callable[[], None] = lambda: None,
                               preloader: Preloader | None = None) -> None:
        """Build the workspaces one step per event-loop turn, each once ``preloader`` (started with
        :meth:`workspace_modules`) has imported its modules, so the window answers between them; then
        ``done``."""
        run_steps(self._workspace_steps, done, preloader, self)

    def workspace_modules(self) -> list[str]:
        """The modules the workspaces not built yet import, in the order they are built."""
        return [m for modules, _step in self._workspace_steps for m in modules]

    def workspaces_built(self) -> bool:
        return not self._workspace_steps

    # Each step imports its own modules (a Preloader has usually done it): together they take ~0.1-0.2 s.
    def _build_text(self) -> None:
        from studio.ui.text_workspace import TextWorkspace

        self.text_workspace = TextWorkspace(paths=self.paths)
        self.add_workspace("text", self.text_workspace, self.tr("Text"), bind=self.text_workspace.bind)

    def _build_training(self) -> None:
        from studio.ui.training_workspace import TrainingWorkspace

        self.training_workspace = TrainingWorkspace(paths=self.paths)
        self.add_workspace("training", self.training_workspace, self.tr("Training"),
                           bind=self.training_workspace.bind)
        self.training_workspace.model_saved.connect(self.rescan_models)

    def _build_faces(self) -> None:
        from studio.ui.faces_workspace import FacesWorkspace

        self.faces_workspace = FacesWorkspace()
        self.faces_workspace.set_models(self.installed_models())
        self.models_scanned.connect(self.faces_workspace.set_models)
        self.add_workspace("faces", self.faces_workspace, self.tr("Faces"), bind=self.faces_workspace.bind)

    def _build_canvas_tools(self) -> None:
        from studio.ui.builtin_tools import UpscaleTools
        from studio.ui.edit_tools import CanvasEditor

        self.upscale_tools = UpscaleTools(self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.upscale_tools)
        self.canvas_editor = CanvasEditor(self)
        editor = self.prompt_editor
        editor.model_changed.connect(lambda _name: self.canvas_editor.follow_model(editor.model_entry()))
        self.canvas_editor.follow_model(editor.model_entry())

    def _build_prompt_expander(self) -> None:
        from studio.ui.prompt_expand import PromptExpander

        self.prompt_expander = PromptExpander(self)
        from studio.ui.describe_image import ImageDescriber

        self.image_describer = ImageDescriber(self)
        self.history.describe_requested.connect(self.image_describer.describe)
        from studio.ui.prompt_tools import PromptTools

        self.prompt_tools = PromptTools(self)

    def _build_models(self) -> None:
        from studio.ui.model_manager import ModelManager
        from studio.ui.model_use import use_label, use_model

        self.model_manager = ModelManager(self.paths, self.settings, pool=lambda: self.pool,
                                          on_changed=self.rescan_models, use=lambda entry: use_model(self, entry),
                                          use_label=use_label)
        self.add_workspace("models", self.model_manager, self.tr("Models"))
        self.settings_changed.connect(self.model_manager.apply_settings)
        # The manager's own offline switch saves the file; the window and the pool take the new value too.
        self.model_manager.offline_changed.connect(
            lambda off: self.apply_settings(self.settings.replace(offline=off)))

    def _build_guided(self) -> None:
        from studio.ui.guided_workspace import GuidedWorkspace

        self.guided_workspace = GuidedWorkspace()
        self.guided_workspace.set_models(self.installed_models())
        self.models_scanned.connect(self.guided_workspace.set_models)
        self.add_workspace("guided", self.guided_workspace, self.tr("Guided"), bind=self.guided_workspace.bind)

    def _show_saved_workspace(self) -> None:
        if self._saved_workspace != "image" and self.current_workspace() == "image":
            self.show_workspace(self._saved_workspace)

    def _on_workspace_changed(self, index: int) -> None:
        key = self.current_workspace()
        # Ctrl+Enter belongs to the image workspace; other workspaces use it for their own input.
        self.generate_action.setEnabled(key == "image")
        own = set(self._workspace_docks.get(key, ()))
        others = {d for k, ds in self._workspace_docks.items() if k != key for d in ds} - own
        for dock in self._hidden_docks:
            if dock in own:
                dock.show()
        self._hidden_docks = [d for d in self._hidden_docks if d not in own]
        for dock in others:
            if dock.isVisible():
                dock.hide()
                self._hidden_docks.append(dock)

    # -- pool ---------------------------------------------------------------------------------
    def attach_pool(self, pool: JobPool) -> None:
        """Connect a running job pool: queue, history, canvas previews, status bar, the workspaces."""
        self.pool = pool
        pool.confirm_flagged = self._confirm_flagged
        self.queue_view.bind(pool)
        self.history.bind(pool.gallery)
        # The canvas shows whatever image job runs (also those restored from the database or retried
        # in the queue), so it follows every job rather than only the handles this window submitted.
        pool.job_preview.connect(self._on_preview)
        # Previews travel already scaled to what the canvas shows (the engine host scales them).
        self.canvas.shown_area_changed.connect(self._tell_preview_box)
        self._tell_preview_box(self.canvas.shown_area())
        self.canvas.preview_shown.connect(pool.preview_consumed)
        pool.job_ended.connect(self._on_ended)
        pool.job_log.connect(lambda job_id, msg: self.status.showMessage(f"#{job_id}: {msg}", 8000))
        pool.engine_ready.connect(self.status.on_engine_ready)
        pool.engine_failed.connect(self.status.on_engine_failed)
        pool.engine_status.connect(self.status.on_engine_status)
        pool.job_progress.connect(self.status.on_job_progress)
        pool.job_load.connect(self.status.on_job_load)
        if pool.store.notice:  # the queue database was damaged and replaced: say so once
            self.status.showMessage(pool.store.notice, 60000)
        for bind in self._pool_users:
            bind(pool)

    def _tell_preview_box(self, area: QSize) -> None:
        if self.pool is not None:  # an empty area (zoomed in): the pool's default size limit
            self.pool.set_preview_box(ImageSpec.kind, max(0, area.width()), max(0, area.height()))

    def submit_specs(self, specs: list[Spec]) -> list[int]:
        """Queue the prompt editor's specs; returns the job ids."""
        try:  # wildcards and {a|b} choices, per image with its seed; nothing is queued when one fails
            specs = [expand_spec(s, self.paths.wildcards) if isinstance(s, ImageSpec) else s for s in specs]
        except SpecError as exc:
            self.prompt_editor.show_message(str(exc), error=True)
            return []
        if self.pool is None:
            self.status.showMessage(self.tr("The engine is still starting; try again in a moment."), 5000)
            return []
        if not self._confirm_long_jobs(specs):
            return []
        handles = []
        for spec in specs:
            try:
                handles.append(self.pool.submit(spec))
            except SpecError as exc:
                self.prompt_editor.show_message(str(exc), error=True)
                break
        if handles:
            self.status.showMessage(self.tr("Queued {0} job(s)").format(len(handles)), 3000)
            self.batch_grid.add(handles)
        return [h.job_id for h in handles]

    def _confirm_flagged(self, warning: str) -> bool:
        """The content filter's "warn" mode: the user may go ahead once (any workspace's submit asks here)."""
        self.status.showMessage(warning, 15000)
        answer = QMessageBox.question(self, self.tr("Content filter"),
                                      self.tr("{0}\n\nRun this job anyway?").format(warning),
                                      defaultButton=QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _speed(self, spec: Spec, device: str) -> StepSpeed | None:
        """The measured speed of ``spec``'s model here, from the history (None: never measured)."""
        return measured_speed(self.pool.gallery, spec.model, device) if isinstance(spec, ImageSpec) else None

    def _confirm_long_jobs(self, specs: list) -> bool:
        """Ask before queueing a job estimated to run very long on this device (e.g. 2048² on a CPU)."""
        device = self.pool.device or "cpu"
        warning = next((w for w in (long_job_warning(s, device, self._speed(s, device)) for s in specs) if w), "")
        if not warning:
            return True
        self.status.showMessage(warning, 15000)
        answer = QMessageBox.question(self, self.tr("A very long job"),
                                      self.tr("{0}\n\nQueue it anyway?").format(warning))
        return answer == QMessageBox.StandardButton.Yes

    def cancel_current(self) -> None:
        if self.pool is not None:
            self.pool.cancel_current()

    def _target_size(self, job_id: int) -> QSize | None:
        size = self._job_sizes.get(job_id)
        if size is None and self.pool is not None:
            try:
                spec = self.pool.job(job_id).spec
            except (KeyError, ValueError, SpecError):
                return None
            if isinstance(spec, ImageSpec):
                size = QSize(spec.width, spec.height)
                self._job_sizes[job_id] = size
        return size

    def _on_preview(self, job_id: int, image: QImage) -> None:
        record = self.queue_view.model.record_for(job_id)
        if record is not None and record.kind != ImageSpec.kind:
            if self.pool is not None:
                self.pool.preview_consumed(job_id)
            return
        self._canvas_request = None  # a running job takes the canvas back from a history click
        row = self.queue_view.model.row_of(job_id)
        step = self.queue_view.model.progress_text(row) if row >= 0 else ""
        self.canvas.show_preview(job_id, image, self._target_size(job_id), step)

    def _on_ended(self, job_id: int, state: str) -> None:
        """Any job ended: its record in the store says how (it may have no handle in this window)."""
        self._job_sizes.pop(job_id, None)
        if state != DONE:
            self.canvas.drop_preview(job_id)  # a half-denoised image is not a result
        if state == CANCELLED:
            self.status.showMessage(self.tr("Job #{0} cancelled").format(job_id), 5000)
        if state not in (DONE, FAILED) or self.pool is None:
            return
        try:
            record = self.pool.job(job_id)
        except KeyError:  # removed meanwhile
            return
        if state == FAILED:
            self.status.showMessage(self.tr("Job #{0} failed: {1}").format(job_id, record.error), 15000)
            return
        self.history.refresh()
        outputs = [o for o in record.outputs if o.lower().endswith((".png", ".jpg", ".webp"))]
        if outputs and record.kind in (ImageSpec.kind, UpscaleSpec.kind):
            self.show_file(outputs[-1])

    def _show_job_output(self, job_id: int) -> None:
        record = self.queue_view.model.record_for(job_id)
        if record is not None and record.outputs:
            self.show_file(record.outputs[-1])

    # -- canvas -------------------------------------------------------------------------------
    def show_file(self, path: str) -> None:
        """Show an image file on the canvas (decoded off the GUI thread)."""
        self._canvas_request = object()
        self._loader.request((self._canvas_request, path), path)

    def canvas_owner(self) -> object:
        """A token for what was last asked onto the canvas (changes with every show request)."""
        return self._canvas_request

    def show_canvas_image(self, image: QImage, label: str) -> None:
        """Show an image that has no file (a batch grid) and take the canvas from pending requests."""
        self._canvas_request = object()
        self.canvas.show_image(image, None)
        self.canvas.info_label.setText(f"{label} · {image.width()}×{image.height()}")

    def _on_image_loaded(self, key: tuple, image: QImage) -> None:
        token, path = key
        if token is not self._canvas_request:
            return  # a newer request (or a live preview) took the canvas meanwhile
        if image.isNull():
            self.status.showMessage(self.tr("Cannot open {0}").format(path), 8000)
            return
        self.canvas.show_image(image, path)

    def reuse_parameters(self, spec: ImageSpec, ref: object = None) -> None:
        """Fill the prompt editor from a reused image (``ref``: the ModelRef its PNG names, if any)."""
        self.prompt_editor.apply_spec(spec, ref if isinstance(ref, ModelRef) else None)
        self.show_workspace("image")
        self.prompt_dock.show()
        self.prompt_dock.raise_()
        self.status.showMessage(self.tr("Parameters loaded into the prompt editor"), 4000)

    # -- models -------------------------------------------------------------------------------
    def rescan_models(self) -> None:
        self.scanner.scan()

    def _on_models_scanned(self, entries: list) -> None:
        self._models = list(entries)
        self.prompt_editor.set_models(entries)
        self.control_panel.set_models(entries)
        self.control_panel.follow_model(self.prompt_editor.model_entry())
        self.models_scanned.emit(entries)

    def installed_models(self) -> list:
        """The last scan's ModelEntry list (empty before the first scan ends)."""
        return list(self._models)

    def open_evaluate(self, paths: list) -> QWidget | None:
        """The Evaluate panel (one, non-modal), with ``paths`` as its inputs when given."""
        if self.pool is None:
            self.status.showMessage(self.tr("The engine is still loading; try again in a moment."), 4000)
            return None
        from studio.ui.evaluate_dialog import EvaluateDialog

        dialog = self.findChild(EvaluateDialog)
        if dialog is None:
            dialog = EvaluateDialog(self.pool, self)
            dialog.set_models(self.installed_models())
            self.models_scanned.connect(dialog.set_models)
        if paths:
            dialog.set_inputs([str(p) for p in paths])
        dialog.show()
        dialog.raise_()
        return dialog

    def open_grid(self) -> QWidget | None:
        """The comparison-grid dialog (one, non-modal) over the prompt editor's current settings."""
        if self.pool is None:
            self.status.showMessage(self.tr("The engine is still loading; try again in a moment."), 4000)
            return None
        from studio.ui.grid_dialog import GridDialog

        dialog = self.findChild(GridDialog)
        if dialog is None:
            dialog = GridDialog(self.pool, self.prompt_editor.spec, self)
            dialog.show_requested.connect(self.show_file)
        dialog.show()
        dialog.raise_()
        return dialog

    def open_model_manager(self) -> ModelManager:
        """Show the Models workspace (scanned again when it was shown before)."""
        self.show_workspace("models")
        self.model_manager.refresh()
        return self.model_manager

    # -- settings -----------------------------------------------------------------------------
    def open_settings(self, page: type | None = None) -> QWidget:
        """Show the Settings dialog (optionally on ``page``'s class); returns it (it is modal)."""
        from studio.ui.settings.dialog import SettingsDialog
        from studio.ui.settings.page import SettingsContext

        dialog = SettingsDialog(SettingsContext(self.paths, self.installed_models()), self)
        if page is not None:
            dialog.show_page(page)
        dialog.saved.connect(self.apply_settings)
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings take effect: colours now, model folders by a rescan, engine settings from the next job."""
        old, self.settings = self.settings, settings
        if settings.theme != old.theme:
            from PySide6.QtWidgets import QApplication

            from studio.ui.theme import apply_theme

            apply_theme(QApplication.instance(), settings.theme)
        self.scanner.settings = settings
        if (settings.model_dirs, settings.scan_hf_cache, settings.hf_cache_dir) != (
                old.model_dirs, old.scan_hf_cache, old.hf_cache_dir):
            self.rescan_models()
        if self.pool is not None:
            self.pool.apply_settings(settings)
        self.settings_changed.emit(settings)
        if settings.language != old.language:
            self.status.showMessage(self.tr("Settings saved. The new language applies when the studio next starts."),
                                    15000)
            self.offer_restart()
        else:
            self.status.showMessage(self.tr("Settings saved"), 4000)

    def offer_restart(self) -> QMessageBox:
        """A new language applies at the next start: offer to restart now (non-modal for the caller; returns the
        question). "Restart now" closes the window as Quit does (asking first if a training runs); the queue is
        in its database, so queued jobs are there again after the restart."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Restart to change the language"),
                          self.tr("The new language applies when the studio starts again. Restart now? Queued jobs "
                                  "are kept and run after the restart."), QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("restart_question")
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        restart.setObjectName("restart_now")
        later = box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        later.setObjectName("restart_later")
        box.setDefaultButton(restart)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.restart() if button is restart else None)
        box.open()
        return box

    def restart(self) -> bool:
        """Close the window (as Quit does) and ask for the studio to be started again: ``restart_requested``
        tells the app, which quits its event loop and starts a new studio process (:func:`studio.app.run_gui`).
        False when the user kept the window open (e.g. a training is running)."""
        self.wants_restart = True
        if not self.close():
            self.wants_restart = False
            return False
        self.restart_requested.emit()
        return True

    # -- help ---------------------------------------------------------------------------------
    def show_about(self) -> QWidget:
        from studio.ui.about_dialog import show_about

        return show_about(self, self.status.device_label.text() if self.status.ready else None)

    # -- state --------------------------------------------------------------------------------
    def _restore(self) -> QByteArray | None:
        """Apply the saved geometry and editor values; returns the saved dock layout (or None)."""
        s = ui_settings(self.paths)
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window/state")  # applied on first show, after the default layout is known
        restored = state if isinstance(state, QByteArray) and not state.isEmpty() else None
        spec_json = s.value("editor/last_spec")
        if isinstance(spec_json, str) and spec_json:
            try:
                spec = spec_from_json(spec_json)
                if isinstance(spec, ImageSpec):
                    self.prompt_editor.apply_spec(spec)
                    self.prompt_editor.mark_seed_used()  # the last session's seed: shown, not reused unlocked
            except (ValueError, TypeError, SpecError):
                log.warning("ignoring unreadable saved editor parameters")
        self.prompt_editor.lock_button.setChecked(s.value("editor/seed_locked", False, type=bool))
        self.prompt_editor.batch_spin.setValue(int(s.value("editor/batch", 1, type=int)))
        self._saved_workspace = str(s.value("window/workspace", "image"))
        return restored

    def save_ui_state(self) -> None:
        self.show_workspace("image")  # so the image docks are saved as the user left them there
        s = ui_settings(self.paths)
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(STATE_VERSION))
        s.setValue("window/workspace", self.current_workspace())
        s.setValue("editor/last_spec", spec_to_json(self.prompt_editor.spec()))
        s.setValue("editor/seed_locked", self.prompt_editor.seed_locked())
        s.setValue("editor/batch", self.prompt_editor.batch_spin.value())
        s.sync()

    def reset_layout(self) -> None:
        self.show_workspace("image")
        for dock in (self.prompt_dock, self.queue_dock, self.history_dock):
            dock.setFloating(False)
            dock.show()
        if self._sized:
            self.restoreState(self._default_state, STATE_VERSION)
        self._default_sizes()

    def running_training(self) -> list:
        """The JobRecords of trainings running now (quitting would stop them)."""
        pool = self.pool
        if pool is None:
            return []
        out = []
        for job_id in pool.running_jobs():
            try:
                rec = pool.job(job_id)
            except KeyError:
                continue
            if rec.kind == "train":
                out.append(rec)
        return out

    def confirm_quit(self) -> bool:
        """Ask before quitting stops a training (its checkpoint is kept: Resume continues from it)."""
        running = self.running_training()
        if not running:
            return True
        rec = running[0]
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Quit while training?"),
                          self.tr("“{0}” is training (step {1} of {2}). Quitting stops it now; its checkpoint is "
                                  "saved and Training → Resume continues from it.").format(
                              rec.title, rec.progress_done, rec.progress_total or "?"),
                          QMessageBox.StandardButton.Cancel, self)
        stop = box.addButton(self.tr("Stop training and quit"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is stop

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.confirm_quit():
            event.ignore()
            return
        workspace = self.current_workspace()
        self.save_ui_state()
        ui_settings(self.paths).setValue("window/workspace", workspace)
        self.history.release_deleted()  # the undo window ends with the session: deleted files go to the trash
        self._loader.wait(2000)
        self.scanner.wait(2000)
        super().closeEvent(event)
