"""The Text workspace's Understand tab: fill [MASK] with a masked LM, or classify texts / a CSV file.

The model list holds the studio's ``masked_lm`` and ``text_classifier`` models; the button does what
the chosen model can (Fill mask or Classify). Each request is a FillMaskSpec / ClassifySpec job in
the shared queue; the table shows the typed result (tokens or labels with their probabilities).
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.models.registry import UNDERSTAND_TYPES, ModelEntry
from studio.core.results import ClassifyResult, FillMaskResult, JobResult
from studio.core.specs.text import ClassifySpec, FillMaskSpec
from studio.core.specs.base import Spec
from studio.jobs.api import JobHandle, JobPool

MLM, CLASSIFIER = UNDERSTAND_TYPES


class UnderstandPanel(QWidget):
    """Model, text, top-k, Run / Classify a file…, and the result table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("understand_panel")
        self.pool: JobPool | None = None
        self.job: JobHandle | None = None
        self._types: dict[str, str] = {}
        v = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Model")))
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("understand_model")
        self.model_combo.setToolTip(self.tr("A masked-language model (Training ▸ mlm) fills [MASK]; a text "
                                            "classifier (Training ▸ classifier) labels texts"))
        self.model_combo.currentIndexChanged.connect(self._update)
        row.addWidget(self.model_combo, 1)
        row.addWidget(QLabel(self.tr("Top-k")))
        self.topk_spin = QSpinBox()
        self.topk_spin.setRange(1, 50)
        self.topk_spin.setValue(5)
        self.topk_spin.setToolTip(self.tr("How many tokens to show per [MASK]"))
        row.addWidget(self.topk_spin)
        v.addLayout(row)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("understand_text")
        self.text_edit.setPlaceholderText(self.tr("Paris is the [MASK] of France.   — or, for a classifier, one "
                                                  "text per line"))
        self.text_edit.setFixedHeight(90)
        v.addWidget(self.text_edit)
        bar = QHBoxLayout()
        self.file_button = QPushButton(self.tr("Classify a file…"))
        self.file_button.setToolTip(self.tr("A CSV/JSONL with a text column: writes a new CSV with a prediction and "
                                            "one probability column per label"))
        self.file_button.clicked.connect(self.classify_file)
        self.run_button = QPushButton(self.tr("Run"))
        self.run_button.setObjectName("understand_run")
        self.run_button.clicked.connect(self.run)
        bar.addWidget(self.file_button)
        bar.addStretch(1)
        bar.addWidget(self.run_button)
        v.addLayout(bar)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("understand_table")
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        v.addWidget(self.table, 1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        v.addWidget(self.status_label)
        self._update()

    def bind(self, pool: JobPool) -> None:
        self.pool = pool

    def set_models(self, models: Sequence[ModelEntry]) -> None:
        """The usable masked LMs and classifiers of a scan (others are skipped)."""
        self._types = {m.name: m.type for m in models if m.type in UNDERSTAND_TYPES and m.usable}
        self._fill_models()

    def _fill_models(self) -> None:
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for name, typ in self._types.items():
            self.model_combo.addItem(f"{name} ({self.tr('fill mask') if typ == MLM else self.tr('classifier')})", name)
        self.model_combo.blockSignals(False)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(current)))
        self._update()

    def add_model(self, entry: ModelEntry) -> None:
        """Choose ``entry``, adding it first when the last scan did not list it."""
        if entry.name not in self._types:
            self._types[entry.name] = entry.type
            self._fill_models()
        self.model_combo.setCurrentIndex(self.model_combo.findData(entry.name))

    def model_type(self) -> str:
        return self._types.get(str(self.model_combo.currentData() or ""), "")

    def _update(self) -> None:
        typ = self.model_type()
        self.run_button.setText(self.tr("Fill mask") if typ == MLM else self.tr("Classify"))
        self.topk_spin.setEnabled(typ == MLM)
        self.file_button.setEnabled(typ == CLASSIFIER and self.job is None)
        self.run_button.setEnabled(bool(typ) and self.job is None)
        if not self._types:
            self.status_label.setText(self.tr("No masked-language model or classifier yet: train one in Training "
                                              "(families mlm and classifier)."))

    def run(self) -> None:
        name, text = str(self.model_combo.currentData() or ""), self.text_edit.toPlainText().strip()
        if self.model_type() == MLM:
            self._submit(FillMaskSpec(model=name, text=text, top_k=self.topk_spin.value()))
        else:
            self._submit(ClassifySpec(model=name, texts=tuple(t for t in text.splitlines() if t.strip())))

    def classify_file(self) -> None:
        src, _f = QFileDialog.getOpenFileName(self, self.tr("Texts to classify"), "",
                                              self.tr("CSV or JSONL (*.csv *.tsv *.jsonl)"))
        if not src:
            return
        out, _f = QFileDialog.getSaveFileName(self, self.tr("Save the predictions as"), src.rsplit(".", 1)[0] +
                                              "-predictions.csv", self.tr("CSV (*.csv)"))
        if out:
            self._submit(ClassifySpec(model=str(self.model_combo.currentData() or ""), file=src, out=out))

    def _submit(self, spec: Spec) -> None:
        if self.pool is None:
            self._status(self.tr("The engine is still starting; try again in a moment."))
            return
        try:
            spec.validate()
            self.job = self.pool.submit(spec)
        except StudioError as exc:
            self._status(str(exc))
            return
        self.job.finished.connect(self._on_finished)
        self.job.failed.connect(self._on_failed)
        self.job.cancelled.connect(lambda: self._done(self.tr("Cancelled.")))
        self._status(self.tr("Queued… the model loads on first use."))
        self._update()

    def _on_finished(self, result: JobResult) -> None:
        if isinstance(result, FillMaskResult):
            rows = [(str(n), d.token, f"{d.score:.4f}") for n, mask in enumerate(result.predictions, 1) for d in mask]
            self._fill([self.tr("[MASK]"), self.tr("Token"), self.tr("Probability")], rows)
            self._done(self.tr("Done."))
        elif isinstance(result, ClassifyResult):
            if result.predictions:
                rows = [(p.label, f"{p.probabilities.get(p.label, 0.0):.4f}", p.text) for p in result.predictions]
                self._fill([self.tr("Label"), self.tr("Probability"), self.tr("Text")], rows)
                self._done(self.tr("Done."))
            else:
                self._fill([self.tr("Label"), self.tr("Rows"), ""], [(k, str(v), "") for k, v in result.counts.items()])
                self._done(self.tr("{0} rows classified: {1}").format(result.rows, ", ".join(result.outputs)))

    def _on_failed(self, message: str) -> None:
        self._done(message)

    def _done(self, message: str) -> None:
        self.job = None
        self._status(message)
        self._update()

    def _fill(self, headers: list[str], rows: list[tuple[str, ...]]) -> None:
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()

    def _status(self, text: str) -> None:
        self.status_label.setText(text)
