"""The Image workspace's panels on the session: the canvas (the window's centre), the prompt editor, the queue,
the history and the ControlNet panel (the window docks them), the jobs they queue, and the canvas tools built
after the first paint (the Upscale menu, Describe, the edit tools, prompt expansion and history)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QWidget

from studio.core.models.registry import ModelEntry
from studio.jobs.api import JobPool
from studio.ui.actions import make_action
from studio.ui.canvas import ImageCanvas
from studio.ui.canvas_feed import CanvasFeed
from studio.ui.control_panel import ControlPanel
from studio.ui.history_strip import HistoryStrip
from studio.ui.image_jobs import ImageJobs
from studio.ui.prompt_editor import PromptEditor
from studio.ui.queue_view import QueueView
from studio.ui.session import StudioSession

if TYPE_CHECKING:
    from studio.ui.builtin_tools import UpscaleTools
    from studio.ui.describe_image import ImageDescriber
    from studio.ui.edit_tools import CanvasEditor
    from studio.ui.prompt_expand import PromptExpander
    from studio.ui.prompt_tools import PromptTools


translate = QCoreApplication.translate  # the window's strings keep their "MainWindow" context


class ImageWorkspace(QObject):
    """Makes and wires the Image workspace's panels; :meth:`build_upscale_tools`, :meth:`build_edit_tools` and
    :meth:`build_prompt_tools` add the rest later."""

    def __init__(self, session: StudioSession) -> None:
        super().__init__(session)
        self.session = session
        self.canvas = ImageCanvas()
        self.feed = session.canvas = CanvasFeed(self.canvas, session)
        self.prompt_editor = editor = PromptEditor(turns=session.turns)
        session.spec_source = editor.spec
        self.queue_view = QueueView()
        self.history = HistoryStrip(session.paths)
        self.control_panel = ControlPanel(session.paths.cache, canvas_image=self.canvas.image,
                                          scribble_image=self._scribble_strokes)
        editor.spec_extras = self.control_panel.spec_fields
        editor.spec_applied.connect(self.control_panel.apply_spec)
        editor.model_changed.connect(lambda _name: self.control_panel.follow_model(editor.model_entry()))
        session.when_pool(self._bind)  # before the jobs: the queue follows the pool first
        self.jobs = ImageJobs(session, self.feed, editor, self.history)
        editor.generate_requested.connect(self.jobs.submit_specs)
        editor.cancel_requested.connect(self.jobs.cancel_current)
        self.history.show_requested.connect(self.feed.show_file)
        self.queue_view.show_output_requested.connect(self._show_job_output)
        session.models_changed.connect(self._on_models_scanned)
        self.generate_action = make_action(self, translate("MainWindow", "&Generate"), editor.queue,
                                           ("Ctrl+Return", "Ctrl+Enter"))
        self.generate_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.cancel_action = make_action(self, translate("MainWindow", "&Cancel running job"), self.jobs.cancel_current,
                                         (QKeySequence(Qt.Key.Key_Escape),))
        self.open_png_action = make_action(self, translate("MainWindow", "&Open image / PNG parameters…"),
                                           self.history.open_png, (QKeySequence(QKeySequence.StandardKey.Open),))
        self.save_as_action = make_action(self, translate("MainWindow", "&Save image as…"), self.canvas.save_as,
                                          ("Ctrl+Shift+S",))
        # Built by build_upscale_tools(), build_edit_tools() and build_prompt_tools():
        self.upscale_tools: UpscaleTools
        self.image_describer: ImageDescriber
        self.canvas_editor: CanvasEditor | None = None
        self.prompt_expander: PromptExpander
        self.prompt_tools: PromptTools

    def _bind(self, pool: JobPool) -> None:
        self.queue_view.bind(pool)
        self.history.bind(pool.gallery)
        self.feed.bind(pool, self.queue_view.model)

    def _scribble_strokes(self) -> QImage | None:
        """What the canvas brush painted (white strokes on black), for a scribble ControlNet unit."""
        editor = self.canvas_editor
        if editor is None or editor.mask.is_empty():
            return None
        return editor.mask.alpha()

    def _show_job_output(self, job_id: int) -> None:
        record = self.queue_view.model.record_for(job_id)
        if record is not None and record.outputs:
            self.feed.show_file(record.outputs[-1])

    def _on_models_scanned(self, entries: list[ModelEntry]) -> None:
        self.prompt_editor.set_models(entries)
        self.control_panel.set_models(entries)
        self.control_panel.follow_model(self.prompt_editor.model_entry())

    def build_upscale_tools(self, menu_parent: QWidget) -> QAction:
        """The Upscale menu (a child of ``menu_parent``) and Describe; returns the action whose shortcut (Ctrl+U)
        the window holds, so it works with the menus hidden too."""
        from studio.ui.builtin_tools import UpscaleTools
        from studio.ui.describe_image import ImageDescriber

        self.upscale_tools = UpscaleTools(self.session, self.prompt_editor, menu_parent)
        self.image_describer = ImageDescriber(self.session, self.prompt_editor)
        self.history.describe_requested.connect(self.image_describer.describe)
        return self.upscale_tools.upscale_action

    def build_edit_tools(self) -> Iterator[None]:
        """The canvas edit tools (after :meth:`build_upscale_tools`), in two parts: the tool row, then the editor
        that puts it on the canvas and wires it (its undo/redo actions are then :attr:`canvas_editor`'s)."""
        from studio.ui.edit_tools import CanvasEditor, EditTools

        tools = EditTools()
        yield
        editor = self.prompt_editor
        canvas_editor = self.canvas_editor = CanvasEditor(self.session, self.canvas, self.image_describer,
                                                          self.upscale_tools, tools)
        editor.model_changed.connect(lambda _name: canvas_editor.follow_model(editor.model_entry()))
        canvas_editor.follow_model(editor.model_entry())

    def build_prompt_tools(self) -> QAction:
        """Prompt expansion and the prompt history; returns the "Prompt history…" action."""
        from studio.ui.prompt_expand import PromptExpander
        from studio.ui.prompt_tools import PromptTools

        self.prompt_expander = PromptExpander(self.session, self.prompt_editor)
        self.prompt_tools = PromptTools(self.session, self.prompt_editor)
        return self.prompt_tools.history_action
