"""The Training workspace: set up a training job, queue it, and watch it learn.

Construct ``TrainingWorkspace(pool, paths, models)`` (all optional: the main window builds it with
``paths`` and calls ``bind(pool)`` once the job pool runs; ``set_models(entries)`` refreshes the
base-model list). Start queues a TrainSpec in the same queue as generation jobs; while it runs
the workspace shows the progress bar, steps/s, ETA, a live loss plot and the sample grids, and
Cancel stops it at the next step keeping a checkpoint that Resume continues from. The followed job's
events come from its JobHandle; a training job started elsewhere (retried from the queue, restored
after a restart) is followed too when this workspace is idle.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from studio.core.errors import SpecError
from studio.core.models.swap import made_by_studio, train_target
from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry
from studio.core.store.queue import CANCELLED, DONE, FAILED, FINAL_STATES, INTERRUPTED, QUEUED, RUNNING
from studio.core.models.safetensors_header import SafetensorsError, read_header
from studio.core.results import JobResult, TrainResult
from studio.core.specs.training import TrainSpec
from studio.jobs.api import JobHandle, JobPool
from studio.ui.staged import finish
from studio.ui.training_form import TrainingForm
from studio.ui.training_images import DatasetPanel, SamplePanel
from studio.ui.training_plot import LossPlot

if TYPE_CHECKING:
    from studio.ui.dataset_dialog import DatasetDialog
    from studio.ui.session import StudioSession

# The framework's checkpoint file (studio/engines/training/checkpoint.py CHECKPOINT_NAME; the UI may
# not import engines, and the cancel test checks this exact file appears).
CHECKPOINT_FILE = "checkpoint.safetensors"
MODELS_RESCAN_INTERVAL_S = 10.0


def checkpoint_path(paths: StudioPaths, out: str) -> Path:
    """Where the trainer keeps the checkpoint of the model named ``out``."""
    return Path(paths.training) / out / CHECKPOINT_FILE


def checkpoint_step(path: Path) -> int | None:
    """The step a checkpoint was saved at (read from its header only), or None if there is none."""
    try:
        meta = read_header(path, validate=False).metadata
        tree = json.loads(meta.get("tree", "{}"))
        return int(dict(tree.get("__dict__", [])).get("step"))
    except (OSError, SafetensorsError, ValueError, TypeError, AttributeError):
        return None


def format_eta(seconds: float) -> str:
    if seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingWorkspace(QWidget):
    """Form on the left; progress, samples, dataset preview, loss plot and log on the right."""

    job_submitted = Signal(int)
    job_ended = Signal(int, str)  # job id, final state
    model_saved = Signal(str)  # a training finished: the folder of the new model

    def __init__(self, pool: JobPool | None = None, paths: StudioPaths | None = None,
                 models: Sequence[ModelEntry] = (), parent: QWidget | None = None,
                 session: StudioSession | None = None, later: bool = False) -> None:
        """``models``: the base models to offer when there is no ``session`` (whose scans fill them otherwise;
        the workspace asks it for a new scan when shown after a while). ``later``: build only the frame now,
        the rest by :attr:`parts`."""
        super().__init__(parent)
        self.setObjectName("TrainingWorkspace")
        self.paths = paths or (session.paths if session is not None else StudioPaths.from_env())
        self.pool: JobPool | None = None
        self.session = session
        self._last_scan = 0.0
        self.job_id: int | None = None
        self.job_spec: TrainSpec | None = None
        self.job_state = ""
        self._step = 0
        self._rate_origin: tuple[float, int] | None = None
        self.parts = self._construct(pool, models, session)
        """What is left to build: ``later`` leaves it to the caller (one ``next()`` per event-loop turn)."""
        if not later:
            finish(self.parts)

    def _construct(self, pool: JobPool | None, models: Sequence[ModelEntry],
                   session: StudioSession | None) -> Iterator[None]:
        yield from self._build()
        yield
        if session is not None:
            self._last_scan = time.monotonic()  # the session scans at start-up
            session.follow_models(self.set_models)
            self.model_saved.connect(lambda _folder: session.rescan())  # the new model shows up in the pickers
        else:
            self.set_models(models)
        if pool is not None:
            self.bind(pool)
        self._update_buttons()

    # -- layout --------------------------------------------------------------------------------
    def _build(self) -> Iterator[None]:
        """The widgets, in parts (a few ms each)."""
        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(split)

        left = QWidget()
        lv = QVBoxLayout(left)
        self.form = TrainingForm(later=True)
        yield from self.form.parts
        self.form.setObjectName("training_form")
        yield
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(320)
        lv.addWidget(scroll, 1)
        self.note = QLabel()
        self.note.setObjectName("training_note")
        self.note.setWordWrap(True)
        lv.addWidget(self.note)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(self.tr("Start training"))
        self.start_button.setObjectName("start_button")
        self.start_button.setToolTip(self.tr("Queue this training job (it runs after the jobs before it)"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.setObjectName("resume_button")
        self.resume_button.setToolTip(self.tr("Continue from the last checkpoint of this output name, with the same "
                                              "optimizer state and step count"))
        self.resume_button.clicked.connect(self.resume)
        buttons.addWidget(self.start_button, 1)
        buttons.addWidget(self.resume_button)
        lv.addLayout(buttons)
        split.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        head = QHBoxLayout()
        self.state_label = QLabel(self.tr("No training job yet."))
        self.state_label.setObjectName("training_state")
        self.state_label.setWordWrap(True)
        head.addWidget(self.state_label, 1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("training_cancel")
        self.cancel_button.setToolTip(self.tr("Stop after the current step; a checkpoint is saved so Resume can "
                                              "continue later"))
        self.cancel_button.clicked.connect(self.cancel)
        head.addWidget(self.cancel_button)
        rv.addLayout(head)
        figures = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setObjectName("training_progress")
        self.progress.setFormat(self.tr("step %v / %m"))
        self.rate_label = QLabel("– " + self.tr("steps/s"))
        self.rate_label.setObjectName("rate_label")
        self.rate_label.setToolTip(self.tr("Training speed (optimisation steps per second)"))
        self.eta_label = QLabel(self.tr("ETA") + " –")
        self.eta_label.setObjectName("eta_label")
        self.eta_label.setToolTip(self.tr("Estimated time until the last step"))
        figures.addWidget(self.progress, 1)
        figures.addWidget(self.rate_label)
        figures.addWidget(self.eta_label)
        rv.addLayout(figures)
        yield

        vsplit = QSplitter(Qt.Orientation.Vertical)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("training_tabs")
        self.samples = SamplePanel()
        self.dataset_panel = DatasetPanel()
        self.tabs.addTab(self.samples, self.tr("Samples"))
        self.tabs.addTab(self.dataset_panel, self.tr("Dataset"))
        vsplit.addWidget(self.tabs)
        yield
        self.plot = LossPlot()
        vsplit.addWidget(self.plot)
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("training_log")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(500)
        self.log_view.setPlaceholderText(self.tr("Messages from the trainer (checkpoints, skipped files) appear here."))
        vsplit.addWidget(self.log_view)
        vsplit.setSizes([420, 260, 90])
        rv.addWidget(vsplit, 1)
        split.addWidget(right)
        split.setSizes([380, 900])
        split.setStretchFactor(1, 1)

        self.form.preview_requested.connect(self.preview_dataset)
        self.form.make_dataset_requested.connect(lambda: self.make_dataset())
        self.form.changed.connect(self._update_buttons)
        self.samples.shown.connect(self._on_sample_shown)

    # -- pool and models -----------------------------------------------------------------------
    def bind(self, pool: JobPool) -> None:
        """Use ``pool``; while idle, follow training jobs that start from elsewhere."""
        if self.pool is pool:
            return
        self.pool = pool
        pool.job_changed.connect(self._on_changed)
        self._adopt_latest()

    def _adopt_latest(self) -> None:
        """Show the newest training job in the queue (after a restart: Resume continues an interrupted one)."""
        if self.job_id is not None:
            return
        try:
            records = [r for r in self.pool.jobs() if r.kind == "train"]
            rec = max(records, key=lambda r: r.id) if records else None
            spec = rec.spec if rec is not None else None
        except (ValueError, SpecError, TypeError):
            return
        if rec is None or not isinstance(spec, TrainSpec):
            return
        self.form.apply_spec(spec)
        self._track(rec.id, spec, keep_plot=False)
        self.progress.setValue(min(rec.progress_done, self.progress.maximum()))
        if rec.state == DONE:
            self.state_label.setText(self.tr("#{0} done: “{1}” is in your models folder.").format(rec.id, spec.out))
        elif rec.state == FAILED:
            self._show_failure(rec.id, rec.error)
        elif rec.state == CANCELLED:
            self._show_cancelled(rec.id)
        self._update_buttons()

    def _scan_models(self) -> None:
        """Ask the session for a new scan (a model trained or downloaded meanwhile shows up as a base)."""
        if self.session is not None:
            self._last_scan = time.monotonic()
            self.session.rescan()

    def set_models(self, models: Sequence[ModelEntry]) -> None:
        """Base models for the LoRA families, from a scan."""
        self.form.set_models(models)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._update_buttons()  # a checkpoint may have appeared (CLI, another window)
        if self.pool is not None and time.monotonic() - self._last_scan > MODELS_RESCAN_INTERVAL_S:
            self._scan_models()

    def wait(self, msecs: int = 10000) -> None:
        """Let background reads finish (tests, closing)."""
        self.dataset_panel.loader.wait(msecs)
        if self.session is not None:
            self.session.scanner.wait(msecs)

    # -- actions -------------------------------------------------------------------------------
    def start(self) -> int | None:
        """Queue the form's training job; returns its id (None when the form is incomplete)."""
        return self._submit(resume="")

    def resume(self) -> int | None:
        """Queue the form's job continuing from its output name's checkpoint."""
        ckpt = checkpoint_path(self.paths, self.form.out_name())
        if not ckpt.is_file():
            self._note(self.tr("There is no checkpoint for “{0}” yet.").format(self.form.out_name()), error=True)
            return None
        return self._submit(resume=str(ckpt))

    def _submit(self, resume: str) -> int | None:
        if self.pool is None:
            self._note(self.tr("The engine is still starting; try again in a moment."), error=True)
            return None
        try:
            spec = self.form.spec(resume=resume)
            spec = self._confirm_replace(spec)
            if spec is None:
                return None
            job_id = self.pool.submit(spec).job_id
        except SpecError as exc:
            self._note(str(exc), error=True)
            return None
        self.job_submitted.emit(job_id)
        if self.job_id is not None and self.job_state not in FINAL_STATES:
            # Keep watching the current run; the panel follows this one when it starts (see _on_changed).
            self._note(self.tr("Queued training job #{0}; it starts when #{1} has finished.").format(
                job_id, self.job_id))
            return job_id
        same_run = bool(resume) and self.job_spec is not None and self.job_spec.out == spec.out
        self._track(job_id, spec, keep_plot=same_run)
        if same_run:  # the curve goes on from the checkpoint; steps after it are trained again
            self.plot.truncate(checkpoint_step(Path(resume)) or 0)
        self._note(self.tr("Queued training job #{0}.").format(job_id))
        return job_id

    def _confirm_replace(self, spec: TrainSpec) -> TrainSpec | None:
        """``spec`` (with overwrite when the user agrees to replace the model it names); None to stop."""
        spec.validate()  # the name is checked before it is used as a folder
        target = train_target(self.paths.models, spec.family, spec.out.strip())
        if not (target.exists() or target.is_symlink()):
            return spec
        if not made_by_studio(target):
            self._note(self.tr("A model named “{0}” is already in your models folder and was not made by the "
                               "studio's trainer; choose another name.").format(target.name), error=True)
            return None
        answer = QMessageBox.question(
            self, self.tr("Replace model"),
            self.tr("A model named “{0}” already exists. Replace it with the model this training makes?\n"
                    "(When the training finishes; the current one goes to the trash.)").format(target.name),
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            self._note(self.tr("Not queued: choose another name to keep “{0}”.").format(target.name))
            return None
        return spec.replace(overwrite=True)

    def cancel(self) -> None:
        if self.pool is not None and self.job_id is not None and self.job_state not in FINAL_STATES:
            # Before cancel(): a queued job is cancelled at once and its final text must win.
            self.state_label.setText(self.tr("Cancelling… (saving a checkpoint)"))
            self.cancel_button.setEnabled(False)
            self.pool.cancel(self.job_id)

    def make_dataset(self) -> DatasetDialog:
        """Open the data augmentation dialog; the dataset it makes becomes the form's dataset."""
        from studio.ui.dataset_dialog import DatasetDialog

        dialog = DatasetDialog(self.pool, self.form.models(), self)
        dialog.made.connect(self._dataset_made)
        dialog.open()
        return dialog

    def _dataset_made(self, folder: str) -> None:
        self.form.set_dataset(folder)
        self._note(self.tr("Dataset ready: {0}").format(folder))

    def preview_dataset(self) -> None:
        """Show a grid of the chosen dataset's images (read off the GUI thread)."""
        data = self.form.dataset()
        self.tabs.setCurrentWidget(self.dataset_panel)
        self.dataset_panel.request(data)

    # -- following a job -----------------------------------------------------------------------
    def _track(self, job_id: int, spec: TrainSpec, keep_plot: bool) -> None:
        self.job_id, self.job_spec, self.job_state = job_id, spec, QUEUED
        self._follow(self.pool.handle(job_id) if self.pool is not None else None)
        self._rate_origin = None
        if not keep_plot:
            self.plot.clear()
            self.samples.clear()
        self.progress.setRange(0, max(1, spec.steps))
        self.progress.setValue(0)
        self.rate_label.setText("– " + self.tr("steps/s"))
        self.eta_label.setText(self.tr("ETA") + " –")
        self.state_label.setText(self.tr("#{0} {1}: waiting in the queue").format(job_id, spec.title()))
        self.state_label.setStyleSheet("")
        self._refresh_state()

    def _refresh_state(self) -> None:
        if self.pool is None or self.job_id is None:
            return
        try:
            rec = self.pool.job(self.job_id)
        except KeyError:
            return
        self.job_state = rec.state
        if rec.state == RUNNING:
            self.state_label.setText(self.tr("#{0} {1}: training").format(self.job_id, self.job_spec.title()))
            if self.note.text().startswith(self.tr("Queued training job #{0}.").format(self.job_id)):
                self._note("")  # it has started: the queued note is stale
        elif rec.state == INTERRUPTED:
            step = checkpoint_step(checkpoint_path(self.paths, self.job_spec.out))
            self.state_label.setText(
                self.tr("#{0} was interrupted (the studio closed); Resume continues from step {1}.").format(
                    self.job_id, step) if step is not None else
                self.tr("#{0} was interrupted (the studio closed) before its first checkpoint.").format(self.job_id))
            self.eta_label.setText(self.tr("ETA") + " –")
        self._update_buttons()

    def _follow(self, handle: JobHandle | None) -> None:
        """Show ``handle``'s events (None: the job has ended already, its record says how).

        A workspace switches jobs only once the previous one has ended, so an old handle sends nothing more.
        """
        if handle is None:
            return
        handle.started.connect(self._refresh_state)
        handle.progress.connect(self._on_progress)
        handle.metrics.connect(self._on_metrics)
        handle.preview.connect(lambda image, job_id=handle.job_id: self._on_preview(job_id, image))
        handle.log.connect(self._on_log)
        handle.finished.connect(self._on_finished)
        handle.failed.connect(self._on_failed)
        handle.cancelled.connect(self._on_cancelled)
        handle.ended.connect(lambda state: state == INTERRUPTED and self._refresh_state())

    def _on_changed(self, job_id: int) -> None:
        if job_id == self.job_id:
            return  # our own job: its handle tells
        if self.pool is None or (self.job_id is not None and self.job_state not in FINAL_STATES):
            return
        try:  # idle: follow a training job that starts from elsewhere (e.g. retried in the queue)
            rec = self.pool.job(job_id)
            if rec.kind == "train" and rec.state == RUNNING:
                spec = rec.spec
                if isinstance(spec, TrainSpec):
                    self._track(job_id, spec, keep_plot=False)
        except (KeyError, ValueError, SpecError):
            pass

    def _on_progress(self, done: int, total: int, eta: float) -> None:
        if self.job_state != RUNNING:
            self._refresh_state()
        self._step = done
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        now = time.monotonic()
        if self._rate_origin is None:
            self._rate_origin = (now, done)
        else:
            t0, d0 = self._rate_origin
            if now > t0 and done > d0:
                self._show_rate((done - d0) / (now - t0))
        self.eta_label.setText(self.tr("ETA") + " " + format_eta(eta))

    def _show_rate(self, rate: float) -> None:
        text = f"{rate:.2f}" if rate < 10 else f"{rate:.1f}"
        self.rate_label.setText(f"{text} " + self.tr("steps/s"))

    def _on_metrics(self, step: int, values: dict) -> None:
        self.plot.add(step, values)
        if "steps_per_s" in values:  # the trainer's own figure (excludes queue and load time)
            self._show_rate(float(values["steps_per_s"]))

    def _on_preview(self, job_id: int, image: QImage) -> None:
        first = not self.samples.history
        if first and self.tabs.currentWidget() is not self.samples:
            self.tabs.setCurrentWidget(self.samples)
        self.samples.add(job_id, self._step, image)

    def _on_sample_shown(self, job_id: int) -> None:
        if self.pool is not None:
            self.pool.preview_consumed(job_id)

    def _on_log(self, message: str) -> None:
        self.log_view.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {message}")

    def _on_finished(self, result: JobResult) -> None:
        job_id = self.job_id
        self._ended(DONE)
        spec = self.job_spec
        folder = (result.folder if isinstance(result, TrainResult) else "") or str(Path(self.paths.models) / spec.out)
        self.progress.setValue(self.progress.maximum())
        self.state_label.setText(self.tr("#{0} done: “{1}” is saved in {2} and ready to use.").format(
            job_id, spec.out, folder))
        self._scan_models()
        self.model_saved.emit(folder)  # the window rescans: the model shows up in the image / text pickers

    def _on_failed(self, message: str) -> None:
        self._ended(FAILED)
        self._show_failure(self.job_id, message)
        self.log_view.appendPlainText(message)

    def _show_failure(self, job_id: int, message: str) -> None:
        self.state_label.setText(self.tr("#{0} failed: {1}").format(job_id, message))
        self.state_label.setStyleSheet("color: #d9534f;")

    def _on_cancelled(self) -> None:
        self._ended(CANCELLED)
        self._show_cancelled(self.job_id)

    def _show_cancelled(self, job_id: int) -> None:
        try:
            started = self.pool.job(job_id).started is not None
        except (KeyError, AttributeError):
            started = True
        step = checkpoint_step(checkpoint_path(self.paths, self.job_spec.out)) if started else None
        if not started:
            self.state_label.setText(self.tr("#{0} cancelled before it started.").format(job_id))
        elif step is not None:
            self.state_label.setText(self.tr("#{0} cancelled at step {1}; the checkpoint is kept: Resume continues "
                                             "from it.").format(job_id, step))
        else:
            self.state_label.setText(self.tr("#{0} cancelled before the first step.").format(job_id))

    def _ended(self, state: str) -> None:
        self.job_state = state
        self.eta_label.setText(self.tr("ETA") + " –")
        self.job_ended.emit(self.job_id, state)
        self._update_buttons()

    # -- state of the buttons ------------------------------------------------------------------
    def _update_buttons(self) -> None:
        busy = self.job_id is not None and self.job_state not in FINAL_STATES
        self.cancel_button.setEnabled(busy and self.pool is not None)
        out = self.form.out_name()
        step = checkpoint_step(checkpoint_path(self.paths, out)) if out else None
        resuming_same = busy and self.job_spec is not None and self.job_spec.out == out
        self.resume_button.setEnabled(step is not None and not resuming_same)
        if step is not None:
            self.resume_button.setText(self.tr("Resume from step {0}").format(step))
            if not busy:
                self._note(self.tr("“{0}” has a checkpoint at step {1}: Resume continues it; Start trains again "
                                   "from scratch and replaces it.").format(out, step))
        else:
            self.resume_button.setText(self.tr("Resume"))
            if not busy and self.job_state in ("", DONE, INTERRUPTED):
                self._note("")

    def _note(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet("color: #d9534f;" if error else "")
