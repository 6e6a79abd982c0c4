""""Expand prompt" in the window: the prompt editor's button (and Ctrl+E) queues an expansion text job
(``studio.core.prompt_expansion.expansion_spec``) and streams its answer into the prompt box.

``install_prompt_expansion(window)`` is one of the main window's optional installers. The box is
emptied and refilled inside one undo step, so Ctrl+Z brings the short prompt back; a cancelled or
failed expansion restores it at once.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from studio.core.errors import SpecError
from studio.core.prompt_expansion import clean_expansion, expansion_spec
from studio.core.specs import JobResult, random_seed


class PromptExpander(QObject):
    """Routes the expansion job's streamed text and end to the prompt editor."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.editor = window.prompt_editor
        self.assist = self.editor.assist
        self.job_id: int | None = None
        self._short = ""
        self._bound: Any = None
        self.assist.expand_requested.connect(self.expand)
        self.assist.stop_requested.connect(self.stop)

    def bind(self, pool: Any) -> None:
        if self._bound is pool:
            return
        self._bound = pool
        pool.job_text.connect(self._on_text)
        pool.job_finished.connect(self._on_finished)
        pool.job_failed.connect(self._on_failed)
        pool.job_cancelled.connect(lambda job_id: self._end(job_id, ""))

    def expand(self, short: str) -> int | None:
        """Queue the expansion of ``short``; the job id, or None (with the reason shown)."""
        pool = self.window.pool
        if pool is None:
            self.editor.show_message(self.tr("The engine is still starting; try again in a moment."), error=True)
            return None
        try:
            spec = expansion_spec(short, seed=random_seed())
            job_id = pool.submit(spec)
        except SpecError as exc:
            self.editor.show_message(str(exc), error=True)
            return None
        self.job_id, self._short = job_id, short
        self.assist.begin_stream()
        self.editor.show_message(self.tr("Expanding the prompt with the default text model (job #{0})…")
                                 .format(job_id))
        return job_id

    def stop(self) -> None:
        if self.job_id is not None and self.window.pool is not None:
            self.window.pool.cancel(self.job_id)

    def _on_text(self, job_id: int, chunk: str) -> None:
        if job_id == self.job_id:
            self.assist.add_chunk(chunk)

    def _on_finished(self, job_id: int, result: Any) -> None:
        if job_id != self.job_id:
            return
        self.job_id = None
        answer = result.text if isinstance(result, JobResult) else ""
        text = clean_expansion(answer) or " ".join(self._short.split())
        self.assist.finish(text)
        self.editor.show_message(self.tr("Prompt expanded (Ctrl+Z brings yours back)."))

    def _on_failed(self, job_id: int, message: str) -> None:
        self._end(job_id, self.tr("Expanding the prompt failed: {0}").format(message))

    def _end(self, job_id: int, message: str) -> None:
        if job_id != self.job_id:
            return
        self.job_id = None
        self.assist.abort()
        self.editor.show_message(message, error=bool(message))


def install_prompt_expansion(window: Any) -> None:
    """Give the window's prompt editor a working "Expand prompt" (an optional installer)."""
    window.prompt_expander = PromptExpander(window)
    if window.pool is not None:
        window.prompt_expander.bind(window.pool)
    original = window.attach_pool

    def attach_pool(pool: Any) -> None:  # the pool comes after the window: bind then too
        original(pool)
        window.prompt_expander.bind(pool)

    window.attach_pool = attach_pool
