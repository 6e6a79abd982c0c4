"""The Guided workspace: CLIP-guided generation — steer a GAN or VAE towards a prompt, watching every step.

Jobs go through the shared queue as ``GuidedSpec``; each optimisation step's image streams in as a
preview (with CLIP's similarity in the progress text), Cancel stops it, and the final image is shown
with its CLIP score before and after guidance.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QSpinBox, QVBoxLayout, QWidget)

from studio.core.errors import SpecError
from studio.core.models.registry import ModelEntry
from studio.core.results import GuidedResult, JobResult
from studio.core.specs.image import GuidedSpec
from studio.jobs.api import JobHandle, JobPool
from studio.ui.job_watch import JobWatch, run_buttons, seed_row

if TYPE_CHECKING:
    from studio.ui.session import StudioSession

GUIDABLE_TYPES = ("gan", "studio_vae", "vae")
VIEW = 320  # px: previews are enlarged to this size (the models draw 32–64 px)


class GuidedWorkspace(QWidget):
    """Prompt, model, CLIP and optimisation settings on the left; the live image on the right."""

    def __init__(self, parent: QWidget | None = None, session: StudioSession | None = None) -> None:
        """With a ``session``, its model scans fill the model lists."""
        super().__init__(parent)
        self.setObjectName("GuidedWorkspace")
        self.outputs: tuple[str, ...] = ()
        d = GuidedSpec()

        self.prompt_edit = QLineEdit("a red sneaker")
        self.prompt_edit.setObjectName("guided_prompt")
        self.prompt_edit.setToolTip(self.tr("What the image should show; CLIP judges how well it does"))
        self.prompt_edit.returnPressed.connect(self.generate)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("guided_model")
        self.model_combo.setToolTip(self.tr("A GAN or VAE whose latent is optimised (train one in Training)"))
        self.clip_combo = QComboBox()
        self.clip_combo.setObjectName("guided_clip")
        self.clip_combo.setToolTip(self.tr("The CLIP that judges the image (Automatic: the model's paired CLIP, "
                                           "else the first installed)"))
        self.seed_box, self.random_button, seed_layout = seed_row()
        self.steps_box = QSpinBox()
        self.steps_box.setRange(1, 2000)
        self.steps_box.setValue(d.steps)
        self.steps_box.setToolTip(self.tr("Optimisation steps: each one nudges the latent towards the prompt"))
        self.lr_box = QDoubleSpinBox()
        self.lr_box.setDecimals(3)
        self.lr_box.setRange(0.001, 10.0)
        self.lr_box.setSingleStep(0.01)
        self.lr_box.setValue(d.lr)
        self.lr_box.setToolTip(self.tr("How far each step moves the latent (Adam learning rate)"))
        self.prior_box = QDoubleSpinBox()
        self.prior_box.setRange(0.0, 100.0)
        self.prior_box.setSingleStep(0.05)
        self.prior_box.setValue(d.prior_weight)
        self.prior_box.setToolTip(self.tr("How strongly the latent stays typical: higher keeps the image "
                                          "closer to what the model normally draws"))
        self.candidates_box = QSpinBox()
        self.candidates_box.setObjectName("guided_candidates")
        self.candidates_box.setRange(1, 8192)
        self.candidates_box.setSingleStep(64)
        self.candidates_box.setValue(d.candidates)
        self.candidates_box.setToolTip(self.tr("Images drawn from the seed before optimising: the one CLIP ranks "
                                               "best is the start (1: the seed's own image)"))
        self.generate_button, self.cancel_button, run_row = run_buttons(self.generate)
        self.generate_button.setObjectName("guided_generate")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.message = QLabel()
        self.message.setObjectName("guided_message")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Prompt"), self.prompt_edit)
        form.addRow(self.tr("Model"), self.model_combo)
        form.addRow(self.tr("CLIP"), self.clip_combo)
        form.addRow(self.tr("Seed"), seed_layout)
        form.addRow(self.tr("Starts searched"), self.candidates_box)
        form.addRow(self.tr("Steps"), self.steps_box)
        form.addRow(self.tr("Step size"), self.lr_box)
        form.addRow(self.tr("Prior weight"), self.prior_box)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(run_row)
        left.addWidget(self.progress)
        left.addWidget(self.message)
        left.addStretch(1)
        panel = QWidget()
        panel.setLayout(left)
        panel.setMaximumWidth(360)
        self.view = QLabel(self.tr("Pick a GAN or VAE, write a prompt and press Generate: every optimisation "
                                   "step appears here."))
        self.view.setObjectName("guided_view")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setWordWrap(True)
        self.view.setMinimumSize(VIEW // 2, VIEW // 2)
        layout = QHBoxLayout(self)
        layout.addWidget(panel)
        layout.addWidget(self.view, 1)
        self.set_models(())
        self.watch = JobWatch(self, self._say, self.generate_button, progress=self.progress,
                              cancel_button=self.cancel_button, format_progress=self._progress_text,
                              progress_always_shown=True)
        self.watch.finished.connect(self._on_finished)
        if session is not None:
            session.follow_models(self.set_models)

    @property
    def job(self) -> JobHandle | None:
        """The running job, None when idle."""
        return self.watch.job

    # -- models --------------------------------------------------------------------------------
    def set_models(self, entries: Iterable[ModelEntry]) -> None:
        """List the usable GANs/VAEs and CLIPs of a model scan, keeping the current choices."""
        entries = list(entries)
        self._fill(self.model_combo, [(e.title, e.name) for e in entries if e.type in GUIDABLE_TYPES and e.usable],
                   self.tr("(no GAN or VAE installed: train one)"))
        clips = [(e.title, e.name) for e in entries if e.type == "clip" and e.usable]
        self._fill(self.clip_combo, [(self.tr("Automatic"), "")] + clips, "")

    def _fill(self, combo: QComboBox, items: list[tuple[str, str]], empty: str) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for title, name in items:
            combo.addItem(title, name)
        if not items:
            combo.addItem(empty, None)
        i = combo.findData(current)
        combo.setCurrentIndex(max(0, i))
        combo.blockSignals(False)

    def spec(self) -> GuidedSpec:
        """The job the controls describe (validated)."""
        model = self.model_combo.currentData()
        if not model:
            raise SpecError(self.tr("Install or train a GAN or VAE first (Training → GAN on fashion-colour)."))
        spec = GuidedSpec(prompt=self.prompt_edit.text().strip(), model=str(model),
                          clip=str(self.clip_combo.currentData() or ""), seed=self.seed_box.seed(),
                          steps=self.steps_box.value(), lr=self.lr_box.value(), prior_weight=self.prior_box.value(),
                          candidates=self.candidates_box.value())
        spec.validate()
        return spec

    # -- jobs ------------------------------------------------------------------------------------
    def bind(self, pool: JobPool) -> None:
        self.watch.pool = pool

    def generate(self) -> JobHandle | None:
        job = self.watch.submit(self.spec)
        if job is not None:
            job.preview.connect(lambda image: self._show(QPixmap.fromImage(image)))
            job.log.connect(self._say)
        return job

    def cancel(self) -> None:
        self.watch.cancel()

    def _progress_text(self, done: int, total: int, eta: float) -> str:
        eta_text = self.tr(", {0:.0f} s left").format(eta) if eta >= 0 else ""
        return self.tr("step {0}/{1}{2}").format(done, total, eta_text)

    def _on_finished(self, result: JobResult) -> None:
        self.outputs = tuple(result.outputs)
        if self.outputs:
            self._show(QPixmap(self.outputs[0]))
        if isinstance(result, GuidedResult) and result.clip_score is not None:
            self._say(self.tr("CLIP score {0:.1f} → {1:.1f} ({2}). Saved {3}").format(
                result.start_score, result.clip_score, result.clip, self.outputs[0] if self.outputs else ""))

    # -- showing -----------------------------------------------------------------------------------
    def _show(self, pixmap: QPixmap) -> None:
        if not pixmap.isNull():
            self.view.setPixmap(pixmap.scaled(VIEW, VIEW, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.FastTransformation))

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

