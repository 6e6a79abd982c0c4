"""The Image workspace's jobs: queue the prompt editor's specs (asking first about very long ones and about
what the content filter flags), and show each finished image on the canvas and in the history."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from studio.core.errors import SpecError
from studio.core.estimate import StepSpeed, long_job_warning, measured_speed
from studio.core.store.queue import CANCELLED, DONE, FAILED
from studio.core.specs.image import ImageSpec, UpscaleSpec
from studio.core.specs.base import Spec
from studio.core.specs.wildcards import expand_spec
from studio.jobs.api import JobPool
from studio.ui.batch_grid import BatchGrid
from studio.ui.canvas_feed import CanvasFeed
from studio.ui.history_strip import HistoryStrip
from studio.ui.prompt_editor import PromptEditor
from studio.ui.session import StudioSession

IMAGE_SUFFIXES = (".png", ".jpg", ".webp")

translate = QCoreApplication.translate  # the window's strings keep their "MainWindow" context


class ImageJobs(QObject):
    """Submits the editor's specs to the session's pool; follows every job's end for the canvas."""

    def __init__(self, session: StudioSession, feed: CanvasFeed, editor: PromptEditor, history: HistoryStrip) -> None:
        super().__init__(session)
        self.session, self.feed, self.editor, self.history = session, feed, editor, history
        self.batch_grid = BatchGrid(session, feed)
        session.when_pool(self._bind)

    def _dialog_parent(self) -> QWidget:
        return self.editor.window()

    def _bind(self, pool: JobPool) -> None:
        pool.confirm_flagged = self._confirm_flagged
        pool.job_ended.connect(self._on_ended)

    def submit_specs(self, specs: list[Spec]) -> list[int]:
        """Queue the prompt editor's specs; returns the job ids."""
        try:  # wildcards and {a|b} choices, per image with its seed; nothing is queued when one fails
            specs = [expand_spec(s, self.session.paths.wildcards) if isinstance(s, ImageSpec) else s for s in specs]
        except SpecError as exc:
            self.editor.show_message(str(exc), error=True)
            return []
        pool = self.session.pool
        if pool is None:
            self.session.notify(translate("MainWindow", "The engine is still starting; try again in a moment."), 5000)
            return []
        if not self._confirm_long_jobs(pool, specs):
            return []
        handles = []
        for spec in specs:
            try:
                handles.append(pool.submit(spec))
            except SpecError as exc:
                self.editor.show_message(str(exc), error=True)
                break
        if handles:
            self.session.notify(translate("MainWindow", "Queued {0} job(s)").format(len(handles)), 3000)
            self.batch_grid.add(handles)
        return [h.job_id for h in handles]

    def cancel_current(self) -> None:
        if self.session.pool is not None:
            self.session.pool.cancel_current()

    def _confirm_flagged(self, warning: str) -> bool:
        """The content filter's "warn" mode: the user may go ahead once (any workspace's submit asks here)."""
        self.session.notify(warning, 15000)
        answer = QMessageBox.question(self._dialog_parent(), translate("MainWindow", "Content filter"),
                                      translate("MainWindow", "{0}\n\nRun this job anyway?").format(warning),
                                      defaultButton=QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    @staticmethod
    def _speed(pool: JobPool, spec: Spec, device: str) -> StepSpeed | None:
        """The measured speed of ``spec``'s model here, from the history (None: never measured)."""
        return measured_speed(pool.gallery, spec.model, device) if isinstance(spec, ImageSpec) else None

    def _confirm_long_jobs(self, pool: JobPool, specs: list[Spec]) -> bool:
        """Ask before queueing a job estimated to run very long on this device (e.g. 2048² on a CPU)."""
        device = pool.device or "cpu"
        warning = next((w for w in (long_job_warning(s, device, self._speed(pool, s, device)) for s in specs) if w), "")
        if not warning:
            return True
        self.session.notify(warning, 15000)
        answer = QMessageBox.question(self._dialog_parent(), translate("MainWindow", "A very long job"),
                                      translate("MainWindow", "{0}\n\nQueue it anyway?").format(warning))
        return answer == QMessageBox.StandardButton.Yes

    def _on_ended(self, job_id: int, state: str) -> None:
        """Any job ended: its record in the store says how (it may have no handle in this window)."""
        self.feed.job_ended(job_id, state)
        if state == CANCELLED:
            self.session.notify(translate("MainWindow", "Job #{0} cancelled").format(job_id), 5000)
        pool = self.session.pool
        if state not in (DONE, FAILED) or pool is None:
            return
        try:
            record = pool.job(job_id)
        except KeyError:  # removed meanwhile
            return
        if state == FAILED:
            self.session.notify(translate("MainWindow", "Job #{0} failed: {1}").format(job_id, record.error), 15000)
            return
        self.history.refresh()
        outputs = [o for o in record.outputs if o.lower().endswith(IMAGE_SUFFIXES)]
        if outputs and record.kind in (ImageSpec.kind, UpscaleSpec.kind):
            self.feed.show_file(outputs[-1])
