"""The studio's main window: workspace tabs in the centre, dockable panels around them, the menus.

It draws a :class:`~studio.ui.session.StudioSession`; panels get the session, never the window. The Image
workspace's panels are docks (layout saved in ``<studio home>/ui.ini``); the other workspaces are built after
the first paint, one per event-loop turn (:meth:`MainWindow.build_workspaces_later`). The window never imports
torch: the job pool is attached once the window is shown (:meth:`attach_pool`).
"""
from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Callable, Iterator

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabWidget, QWidget

from studio import APP_NAME
from studio.core.models.match import ModelRef
from studio.core.paths import StudioPaths
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.core.specs.base import Spec
from studio.jobs.api import JobPool
from studio.ui.actions import make_action
from studio.ui.icons import app_icon
from studio.ui.image_workspace import ImageWorkspace
from studio.ui.session import PoolUser, StudioSession
from studio.ui.staged import Step, Steps, named, paint_off_screen
from studio.ui.status_bar import StudioStatusBar
from studio.ui.window_dialogs import WindowDialogs, confirm_quit
from studio.ui.window_state import STATE_VERSION, restore_window, save_window

if TYPE_CHECKING:
    from studio.ui.faces_workspace import FacesWorkspace
    from studio.ui.guided_workspace import GuidedWorkspace
    from studio.ui.model_manager import ModelManager
    from studio.ui.text_workspace import TextWorkspace
    from studio.ui.training_workspace import TrainingWorkspace


class MainWindow(QMainWindow):
    """Workspaces + docks + menus + status bar over a :class:`StudioSession`; the pool comes later."""

    restart_requested = Signal()  # the user asked to restart the studio (the window is closed already)

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QWidget | None = None,
                 defer_workspaces: bool = False) -> None:
        """``defer_workspaces``: build the Text, Training and Faces workspaces and the canvas tools only on
        :meth:`ensure_workspaces` (the app calls it right after the first paint, to show the window sooner)."""
        super().__init__(parent)
        self.paths, self.session = paths, (session := StudioSession(paths, settings, self))
        self.wants_restart = False  # set by restart(): the app starts a new studio once its event loop ends
        # Built by ensure_workspaces() (and the Image workspace's tools: upscale_tools, canvas_editor…):
        self.text_workspace: TextWorkspace
        self.training_workspace: TrainingWorkspace
        self.faces_workspace: FacesWorkspace
        self.model_manager: ModelManager
        self.guided_workspace: GuidedWorkspace
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self._workspace_keys: list[str] = []
        self._workspace_docks: dict[str, tuple[QDockWidget, ...]] = {}
        self._workspace_widgets: dict[str, QWidget] = {}
        self._hidden_docks: list[QDockWidget] = []

        self.workspaces = QTabWidget()
        self.workspaces.setObjectName("workspaces")
        self.workspaces.setDocumentMode(True)
        self.setCentralWidget(self.workspaces)
        self.image = image = ImageWorkspace(session)
        self.canvas, self.prompt_editor, self.queue_view = image.canvas, image.prompt_editor, image.queue_view
        self.history, self.control_panel, self.feed, self.image_jobs = (image.history, image.control_panel,
                                                                        image.feed, image.jobs)
        area = Qt.DockWidgetArea
        self.prompt_dock = self._dock("prompt_dock", self.tr("Prompt"), self.prompt_editor, area.LeftDockWidgetArea)
        self.queue_dock = self._dock("queue_dock", self.tr("Queue"), self.queue_view, area.RightDockWidgetArea)
        self.history_dock = self._dock("history_dock", self.tr("History"), self.history, area.BottomDockWidgetArea)
        self.control_dock = self._dock("control_dock", self.tr("Control"), self.control_panel, area.RightDockWidgetArea)
        self.splitDockWidget(self.queue_dock, self.control_dock, Qt.Orientation.Vertical)

        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        session.message.connect(self.status.showMessage)
        session.workspace_requested.connect(self.show_workspace)
        session.scan_progress.connect(lambda items, folder: self.status.showMessage(
            self.tr("Scanning models: {0} files and folders so far ({1})").format(items, folder), 3000))
        self.dialogs = dialogs = WindowDialogs(session, self, self.status, self.restart, self.show_file)
        self.open_evaluate, self.open_grid, self.open_settings = (dialogs.open_evaluate, dialogs.open_grid,
                                                                  dialogs.open_settings)
        self.apply_settings, self.offer_restart, self.show_about = (dialogs.apply_settings, dialogs.offer_restart,
                                                                    dialogs.show_about)
        # The session's parts, by the names the window's users know them by:
        self.scanner, self.batch_grid = session.scanner, image.jobs.batch_grid
        self.models_scanned, self.settings_changed = session.models_changed, session.settings_changed

        self._build_actions()
        self._build_menus()
        self.add_workspace("image", self.canvas, self.tr("Image"),
                           (self.prompt_dock, self.control_dock, self.history_dock), scroll=False)
        self.prompt_editor.open_model_manager_requested.connect(self.open_model_manager)
        self.history.reuse_requested.connect(self.reuse_parameters)
        self.history.evaluate_requested.connect(self.open_evaluate)
        self.workspaces.currentChanged.connect(self._on_workspace_changed)
        session.set_workspace(self.current_workspace())
        ui = "studio.ui."

        def tab(key: str, title: str) -> list[Step]:  # the widget (in parts), then its tab (styled, laid out)
            module = ui + f"{key}_workspace"
            return [((module,), named(f"make_{key}_workspace", lambda: self._make_workspace(key, module))),
                    ((), named(f"add_{key}_tab", lambda: self._add_tab(key, title)))]

        self._workspace_steps = Steps(session.turns, [  # what ensure_workspaces() still has to build, in tab order
            *tab("text", self.tr("Text")), *tab("training", self.tr("Training")), *tab("faces", self.tr("Faces")),
            ((ui + "builtin_tools", ui + "describe_image"), self._build_upscale_tools),
            ((ui + "edit_tools",), self._build_edit_tools),
            ((ui + "prompt_expand", ui + "prompt_tools"), self._build_prompt_tools),
            ((ui + "model_manager", ui + "model_use"), self._build_models),
            ((), named("add_models_tab", lambda: self.add_workspace("models", self.model_manager, self.tr("Models")))),
            *tab("guided", self.tr("Guided")), ((), self._show_saved_workspace)])

        self.resize(1360, 860)
        self._sized = False  # the saved geometry and editor values now, the dock layout on first show:
        self._restored, self._saved_workspace = restore_window(self, self.prompt_editor, paths)
        if not defer_workspaces:
            self.ensure_workspaces()
        else:  # shown soon: its docks sized and painted off screen, so its first layout and paint are short ones
            paint_off_screen(self, then=self._default_sizes)  # (again on show: the same, unless the size differs)

    @property  # the session's state, by the window's names
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def pool(self) -> JobPool | None:
        return self.session.pool

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
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState key
        dock.setWidget(widget)
        feature = QDockWidget.DockWidgetFeature
        dock.setFeatures(feature.DockWidgetMovable | feature.DockWidgetFloatable | feature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        image, dialogs = self.image, self.dialogs
        self.generate_action, self.cancel_action = image.generate_action, image.cancel_action
        self.evaluate_action, self.grid_action = dialogs.evaluate_action, dialogs.grid_action
        self.settings_action = dialogs.settings_action
        self.quit_action = make_action(self, self.tr("&Quit"), self.close, ("Ctrl+Q",), role=QAction.MenuRole.QuitRole)
        self.reset_layout_action = make_action(self, self.tr("&Reset layout"), self.reset_layout)
        self.rescan_action = make_action(self, self.tr("&Rescan model folders"), self.rescan_models, ("F5",))
        self.model_manager_action = make_action(self, self.tr("&Model manager…"), self.open_model_manager)
        self.addActions([self.generate_action, self.cancel_action, self.settings_action])  # hidden menus too

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.image.open_png_action)
        file_menu.addAction(self.image.save_as_action)
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
        gen_menu.addAction(self.dialogs.unload_action)
        self.view_menu = bar.addMenu(self.tr("&View"))
        for dock in (self.prompt_dock, self.queue_dock, self.history_dock):
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.reset_layout_action)
        self.workspace_menu = bar.addMenu(self.tr("&Workspace"))
        models_menu = bar.addMenu(self.tr("&Models"))
        models_menu.addAction(self.model_manager_action)
        models_menu.addAction(self.rescan_action)
        self.help_menu = bar.addMenu(self.tr("&Help"))
        self.help_menu.addAction(self.dialogs.about_action)
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
        self._workspace_docks[key], self._workspace_widgets[key] = docks, widget
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
            self.session.when_pool(bind)
        return index

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
        """Build now whatever :meth:`build_workspaces_later` has not built yet."""
        self._workspace_steps.run_now()

    def build_workspaces_later(self, done: Callable[[], None] = lambda: None) -> None:
        """Build the workspaces one step per event-loop turn, once a background thread has imported their modules
        (see :class:`~studio.ui.staged.Steps`); then ``done``."""
        self._workspace_steps.run_later(done, self.session.turns.preload(self._workspace_steps.modules()), self)

    def workspaces_built(self) -> bool:
        return not self._workspace_steps.pending()

    # Each step imports its own modules (a Preloader has usually done it) and makes its panels on the session.
    def _make_workspace(self, key: str, module: str) -> Iterator[None]:
        """``self.<key>_workspace``: ``module``'s class of that name (``TextWorkspace``), in its parts if it has any."""
        cls = getattr(importlib.import_module(module), module.rsplit(".", 1)[1].title().replace("_", ""))
        widget = cls(session=self.session, **({"later": True} if "later" in inspect.signature(cls).parameters else {}))
        for _part in getattr(widget, "parts", ()):  # what a widget made ``later`` still has to build
            yield
        setattr(self, f"{key}_workspace", widget)

    def _add_tab(self, key: str, title: str) -> None:
        self.add_workspace(key, widget := getattr(self, f"{key}_workspace"), title, bind=widget.bind)

    def _build_upscale_tools(self) -> None:
        self.addAction(self.image.build_upscale_tools(self))  # the shortcut works with hidden menus too
        self.upscale_tools, self.image_describer = self.image.upscale_tools, self.image.image_describer
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.upscale_tools)

    def _build_edit_tools(self) -> Iterator[None]:
        yield from self.image.build_edit_tools()  # in two parts (two turns)
        self.canvas_editor = self.image.canvas_editor
        self.addActions(self.canvas_editor.undo_actions)  # Ctrl+Z anywhere in the Image workspace

    def _build_prompt_tools(self) -> None:
        history_action = self.image.build_prompt_tools()
        self.prompt_expander, self.prompt_tools = self.image.prompt_expander, self.image.prompt_tools
        self.addAction(history_action)
        self.generate_menu.addAction(history_action)

    def _build_models(self) -> Iterator[None]:
        from studio.ui.model_manager import ModelManager
        from studio.ui.model_use import ModelUse, use_label

        self.model_use = use = ModelUse(self.session, self.prompt_editor, self.upscale_tools, self.faces_workspace,
                                        self.text_workspace)
        self.model_manager = mm = ModelManager(self.paths, self.settings, use=use, use_label=use_label, later=True,
                                               session=self.session)
        yield from mm.parts  # a part per turn
        self.session.settings_changed.connect(mm.apply_settings)
        # The manager's own offline switch saves the file; the window and the pool take the new value too.
        mm.offline_changed.connect(lambda off: self.apply_settings(self.settings.replace(offline=off)))

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
        self.session.set_workspace(key)

    # -- pool, jobs, canvas ---------------------------------------------------------------------------
    def attach_pool(self, pool: JobPool) -> None:
        """Connect a running job pool: the status bar, then the session's panels (queue, history, canvas…)."""
        self.status.bind(pool)
        self.session.attach_pool(pool)

    def submit_specs(self, specs: list[Spec]) -> list[int]:
        """Queue the prompt editor's specs; returns the job ids."""
        return self.image_jobs.submit_specs(specs)

    def show_file(self, path: str) -> None:
        """Show an image file on the canvas (decoded off the GUI thread)."""
        self.feed.show_file(path)

    def reuse_parameters(self, spec: ImageSpec, ref: object = None) -> None:
        """Fill the prompt editor from a reused image (``ref``: the ModelRef its PNG names, if any)."""
        self.prompt_editor.apply_spec(spec, ref if isinstance(ref, ModelRef) else None)
        self.show_workspace("image")
        self.prompt_dock.show()
        self.prompt_dock.raise_()
        self.status.showMessage(self.tr("Parameters loaded into the prompt editor"), 4000)

    # -- models, dialogs, settings ----------------------------------------------------------------
    def rescan_models(self) -> None:
        self.session.rescan()

    def open_model_manager(self) -> ModelManager:
        """Show the Models workspace (scanned again when it was shown before)."""
        self.show_workspace("models")
        self.model_manager.refresh()
        return self.model_manager

    def restart(self) -> bool:
        """Close the window (as Quit does), then ``restart_requested``: the app starts a new studio process
        (:func:`studio.app.run_gui`). False when the user kept the window open (e.g. a training is running)."""
        self.wants_restart = True
        if not self.close():
            self.wants_restart = False
            return False
        self.restart_requested.emit()
        return True

    # -- state --------------------------------------------------------------------------------
    def save_ui_state(self, workspace: str = "image") -> None:
        """Save the layout and the editor's values, and ``workspace`` as the one to show at the next start."""
        self.show_workspace("image")  # so the image docks are saved as the user left them there
        save_window(self, self.prompt_editor, self.paths, workspace)

    def reset_layout(self) -> None:
        self.show_workspace("image")
        for dock in (self.prompt_dock, self.queue_dock, self.history_dock):
            dock.setFloating(False)
            dock.show()
        if self._sized:
            self.restoreState(self._default_state, STATE_VERSION)
        self._default_sizes()

    def confirm_quit(self) -> bool:
        """Ask before quitting stops a training (its checkpoint is kept: Resume continues from it)."""
        return confirm_quit(self, self.pool)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.confirm_quit():
            event.ignore()
            return
        self.save_ui_state(self.current_workspace())
        self.history.release_deleted()  # the undo window ends with the session: deleted files go to the trash
        self.feed.wait(2000)
        self.scanner.wait(2000)
        super().closeEvent(event)
