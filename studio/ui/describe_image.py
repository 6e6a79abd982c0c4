""""Describe this image" in the window: the canvas's Describe button and the history's context menu queue a
``describe`` job (``studio.engines.clip.describe``); its prompt replaces the prompt editor's text in one
undo step (Ctrl+Z brings the old prompt back), ready to edit.

The main window makes one :class:`ImageDescriber` (on the session and the prompt editor) with its other workspaces.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextCursor

from studio.core.errors import SpecError
from studio.core.results import DescribeResult, JobResult
from studio.core.specs.image import DescribeSpec
from studio.jobs.api import JobHandle

if TYPE_CHECKING:
    from studio.ui.prompt_editor import PromptEditor
    from studio.ui.session import StudioSession


class ImageDescriber(QObject):
    """Queues describe jobs and puts their prompt into the prompt editor."""

    described = Signal(str)  # the prompt written into the editor

    def __init__(self, session: StudioSession, editor: PromptEditor) -> None:
        super().__init__(session)
        self.session, self.editor = session, editor
        self.job: JobHandle | None = None

    def describe(self, path: str) -> JobHandle | None:
        """Queue a description of the image at ``path``; its handle, or None (with the reason shown)."""
        pool = self.session.pool
        if pool is None:
            self.editor.show_message(self.tr("The engine is still starting; try again in a moment."), error=True)
            return None
        try:
            job = pool.submit(DescribeSpec(image=path))
        except SpecError as exc:
            self.editor.show_message(str(exc), error=True)
            return None
        self.job = job
        job.finished.connect(self._on_finished)
        job.failed.connect(lambda message: self._end(self.tr("Describing the image failed: {0}").format(message)))
        job.cancelled.connect(lambda: self._end(""))
        self.editor.show_message(self.tr("Describing the image with a CLIP (job #{0})…").format(job.job_id))
        return job

    def _on_finished(self, result: JobResult) -> None:
        self.job = None
        if not isinstance(result, DescribeResult) or not result.text:
            self._end(self.tr("The image could not be described."))
            return
        edit = self.editor.prompt_edit
        cursor = QTextCursor(edit.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(result.text)
        cursor.endEditBlock()
        self.session.show_workspace("image")
        edit.setFocus()
        edit.moveCursor(QTextCursor.MoveOperation.End)
        by = f"{result.clip} + {result.captioner}" if result.captioner else result.clip
        self.editor.show_message(self.tr("Described by {0}: edit the prompt as you like (Ctrl+Z brings yours "
                                         "back).").format(by))
        self.described.emit(result.text)

    def _end(self, message: str) -> None:
        self.job = None
        self.editor.show_message(message, error=bool(message))
