"""Data augmentation from the window: make a captioned dataset folder from a model's images.

N images per prompt (or, for a GAN/VAE/DDPM, N images) are queued as one ``DatasetSpec`` job; the
dialog shows its progress and, when done, hands the folder to the training form (``made``).
"""
from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QProgressBar, QSpinBox, QVBoxLayout, QWidget)

from studio.core.errors import SpecError
from studio.core.models.registry import IMAGE_TYPES, ModelEntry
from studio.core.results import JobResult
from studio.core.specs.training import DatasetSpec
from studio.core.specs.base import random_seed
from studio.jobs.api import JobHandle, JobPool
from studio.ui import theme
from studio.ui.job_watch import JobWatch

UNCONDITIONAL_TYPES = ("gan", "studio_vae", "studio_ddpm")


class DatasetDialog(QDialog):
    made = Signal(str)  # the dataset folder

    def __init__(self, pool: JobPool | None, models: Iterable[ModelEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Make a dataset from a model"))
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("dataset_model")
        self._types: dict[str, str] = {}
        for m in models:
            if m.type in IMAGE_TYPES and m.usable:
                self.model_combo.addItem(m.title, m.name)
                self._types[m.name] = m.type
        self.model_combo.currentIndexChanged.connect(self._update)
        self.prompts_edit = QPlainTextEdit()
        self.prompts_edit.setObjectName("dataset_prompts")
        self.prompts_edit.setPlaceholderText(self.tr("One prompt (label) per line, e.g.\na red dress\na blue coat"))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 10_000)
        self.count_spin.setValue(16)
        self.count_spin.setToolTip(self.tr("Images per prompt (each with the next seed)"))
        self.name_edit = QLineEdit("augmented")
        self.name_edit.setToolTip(self.tr("The dataset's folder name under datasets/ in the studio home"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.progress = QProgressBar()
        form = QFormLayout()
        form.addRow(self.tr("Model"), self.model_combo)
        form.addRow(self.tr("Prompts"), self.prompts_edit)
        form.addRow(self.tr("Images per prompt"), self.count_spin)
        form.addRow(self.tr("Name"), self.name_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.make_button = self.buttons.addButton(self.tr("Make dataset"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.make)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self._update()
        self.watch = JobWatch(self, self._say, self.make_button, progress=self.progress,
                              format_progress=lambda done, total, _eta: self.tr("Image {0} of {1}").format(done, total))
        self.watch.pool = pool
        self.watch.finished.connect(self._on_finished)

    @property
    def job(self) -> JobHandle | None:
        """The running dataset job, None when idle."""
        return self.watch.job

    def _unconditional(self) -> bool:
        return self._types.get(str(self.model_combo.currentData())) in UNCONDITIONAL_TYPES

    def _update(self) -> None:
        uncond = self._unconditional()
        self.prompts_edit.setEnabled(not uncond)
        self.note.setText(self.tr("This model draws without a prompt: its images are captioned with its name.")
                          if uncond else "")

    def _prompts(self) -> tuple[str, ...]:
        if self._unconditional():
            return ()
        return tuple(line.strip() for line in self.prompts_edit.toPlainText().splitlines() if line.strip())

    def spec(self) -> DatasetSpec:
        prompts = self._prompts()
        spec = DatasetSpec(model=str(self.model_combo.currentData() or ""), out=self.name_edit.text().strip(),
                           prompts=prompts, count=self.count_spin.value(), seed=random_seed())
        spec.validate()
        if not prompts and not self._unconditional():
            raise SpecError(self.tr("Write at least one prompt (one per line)."))
        return spec

    def make(self) -> JobHandle | None:
        """Queue the job (the dialog stays open with its progress until it is done)."""
        return self.watch.submit(self.spec, total=self.count_spin.value() * max(1, len(self._prompts())))

    def _on_finished(self, result: JobResult) -> None:
        folder = result.outputs[0] if result.outputs else ""
        if folder:
            self.made.emit(folder)
        self.accept()

    def _say(self, text: str, error: bool = False) -> None:
        self.note.setStyleSheet(theme.css("error", self) if error else "")
        self.note.setText(text)
