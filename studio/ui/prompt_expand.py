""""Expand prompt" in the window: the prompt editor's button (and Ctrl+E) queues an expansion text job
(``studio.core.prompt_expansion.expansion_spec``) and streams its answer into the prompt box.

The main window makes one :class:`PromptExpander` (on the session and the prompt editor) with its other
workspaces. The box is emptied and refilled inside one undo step, so Ctrl+Z brings the short prompt back; a
cancelled or failed expansion restores it at once. The expansion job's own handle brings its text and its end.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from studio.core.errors import SpecError
from studio.core.prompt_expansion import clean_expansion, expansion_spec
from studio.core.results import JobResult
from studio.core.specs.base import random_seed
from studio.jobs.api import JobHandle

if TYPE_CHECKING:
    from studio.ui.prompt_editor import PromptEditor
    from studio.ui.session import StudioSession


class PromptExpander(QObject):
    """Routes the expansion job's streamed text and end to the prompt editor."""

    def __init__(self, session: StudioSession, editor: PromptEditor) -> None:
        super().__init__(session)
        self.session, self.editor = session, editor
        self.assist = self.editor.assist
        self.job: JobHandle | None = None
        """The running expansion, None when idle."""
        self._short = ""
        self.assist.expand_requested.connect(self.expand)
        self.assist.stop_requested.connect(self.stop)

    def expand(self, short: str) -> JobHandle | None:
        """Queue the expansion of ``short``; its handle, or None (with the reason shown)."""
        pool = self.session.pool
        if pool is None:
            self.editor.show_message(self.tr("The engine is still starting; try again in a moment."), error=True)
            return None
        try:
            job = pool.submit(expansion_spec(short, seed=random_seed()))
        except SpecError as exc:
            self.editor.show_message(str(exc), error=True)
            return None
        self.job, self._short = job, short
        job.text.connect(self.assist.add_chunk)
        job.finished.connect(self._on_finished)
        job.failed.connect(lambda message: self._end(self.tr("Expanding the prompt failed: {0}").format(message)))
        job.cancelled.connect(lambda: self._end(""))
        self.assist.begin_stream()
        self.editor.show_message(self.tr("Expanding the prompt with the default text model (job #{0})…")
                                 .format(job.job_id))
        return job

    def stop(self) -> None:
        if self.job is not None and self.session.pool is not None:
            self.session.pool.cancel(self.job.job_id)

    def _on_finished(self, result: JobResult) -> None:
        self.job = None
        text = clean_expansion(result.text) or " ".join(self._short.split())
        self.assist.finish(text)
        self.editor.show_message(self.tr("Prompt expanded (Ctrl+Z brings yours back)."))

    def _end(self, message: str) -> None:
        self.job = None
        self.assist.abort()
        self.editor.show_message(message, error=bool(message))
