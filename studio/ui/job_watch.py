"""One job a panel submits and follows: the run/cancel buttons, a progress bar and a status line.

The Evaluate, Grid and Dataset dialogs and the Faces and Guided workspaces each run one job at a
time the same way: submit the spec (a bad spec or a starting engine is one line, nothing queued),
disable the run button while it runs, show its progress, say how it ended, and enable the run
button again when the handle's ``ended`` comes (after ``finished``/``failed``/``cancelled``, so
whatever way it ends the panel is usable again). The panel keeps only what is its own: what to do
with the result (``finished``) and how a progress report reads (``format_progress``).
:func:`seed_row` and :func:`run_buttons` are the controls such panels share.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QProgressBar, QPushButton, QWidget

from studio.core.errors import SpecError
from studio.core.specs.base import Spec, random_seed
from studio.jobs.api import JobHandle, JobPool
from studio.ui.queue_model import format_eta
from studio.ui.spin_boxes import SeedSpinBox

Say = Callable[[str, bool], None]
"""Shows one status line (text, is_error) in the panel."""
ProgressText = Callable[[int, int, float], str]
"""(done, total, eta seconds) → the progress bar's format (Qt's %p/%v/%m work) or, without a bar, the line."""


class JobWatch(QObject):
    """Submits a panel's jobs (one at a time) and reflects the running one on the panel's controls."""

    finished = Signal(object)  # the typed result (studio.core.results)
    ended = Signal(str)  # the final state; the controls are already reset

    def __init__(self, panel: QWidget, say: Say, run_button: QAbstractButton, *,
                 progress: QProgressBar | None = None, cancel_button: QAbstractButton | None = None,
                 format_progress: ProgressText | None = None, progress_always_shown: bool = False) -> None:
        super().__init__(panel)
        self.pool: JobPool | None = None
        self.job: JobHandle | None = None
        """The running job, None when idle."""
        self._say, self._run, self._cancel, self._progress = say, run_button, cancel_button, progress
        self._format = format_progress or self.eta_format
        self._hide_progress = progress is not None and not progress_always_shown
        if self._hide_progress:
            progress.hide()
        if cancel_button is not None:
            cancel_button.clicked.connect(self.cancel)
        self._update()

    def eta_format(self, done: int, total: int, eta: float) -> str:
        """The default progress text: "3 / 8 · ETA 4 s"."""
        return self.tr("%v / %m · ETA {0}").format(format_eta(eta))

    @property
    def running(self) -> bool:
        return self.job is not None

    def submit(self, make_spec: Callable[[], Spec], queued: str = "", total: int = 0) -> JobHandle | None:
        """Build the spec (``make_spec`` may raise SpecError) and queue it; None, with one line said, when
        the engine is not up yet, a job of this panel still runs, or the spec is refused. ``total``: the
        progress bar's range before the first report (0: busy)."""
        if self.job is not None:
            return None
        if self.pool is None:
            self._say(self.tr("The engine is still starting; try again in a moment."), True)
            return None
        try:
            job = self.pool.submit(make_spec())
        except SpecError as exc:
            self._say(str(exc), True)
            return None
        self.job = job
        job.progress.connect(self._on_progress)
        job.finished.connect(self.finished.emit)
        job.failed.connect(lambda message: self._say(message, True))
        job.cancelled.connect(lambda: self._say(self.tr("Cancelled."), False))
        job.ended.connect(self._on_ended)
        if self._progress is not None:
            self._progress.setRange(0, total)
            self._progress.setValue(0)
            self._progress.setFormat("")
            self._progress.show()
        self._say(queued or self.tr("Queued…"), False)
        self._update()
        return job

    def cancel(self) -> None:
        """Cancel the running job (its ``ended`` resets the controls)."""
        if self.pool is not None and self.job is not None:
            self.pool.cancel(self.job.job_id)

    def _on_progress(self, done: int, total: int, eta: float) -> None:
        text = self._format(done, total, eta)
        if self._progress is None:
            self._say(text, False)
            return
        if total > 0:
            self._progress.setRange(0, total)
            self._progress.setValue(done)
        self._progress.setFormat(text)

    def _on_ended(self, state: str) -> None:
        self.job = None
        if self._hide_progress and self._progress is not None:
            self._progress.hide()
        self._update()
        self.ended.emit(state)

    def _update(self) -> None:
        self._run.setEnabled(self.job is None)
        if self._cancel is not None:
            self._cancel.setEnabled(self.job is not None)


def seed_row(seed: int = 1) -> tuple[SeedSpinBox, QPushButton, QHBoxLayout]:
    """A seed box and its Random button, laid out as one form row."""
    box = SeedSpinBox()
    box.set_seed(seed)
    random_button = QPushButton(QCoreApplication.translate("JobWatch", "Random"))
    random_button.clicked.connect(lambda: box.set_seed(random_seed()))
    row = QHBoxLayout()
    row.addWidget(box, 1)
    row.addWidget(random_button)
    return box, random_button, row


def run_buttons(run: Callable[[], object]) -> tuple[QPushButton, QPushButton, QHBoxLayout]:
    """Generate (the default button, calling ``run``) and Cancel side by side; hand both to a JobWatch."""
    generate = QPushButton(QCoreApplication.translate("JobWatch", "Generate"))
    generate.setDefault(True)
    generate.clicked.connect(run)
    cancel = QPushButton(QCoreApplication.translate("JobWatch", "Cancel"))
    row = QHBoxLayout()
    row.addWidget(generate)
    row.addWidget(cancel)
    return generate, cancel, row
