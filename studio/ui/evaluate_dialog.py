"""The Evaluate panel: score images or texts as an ``evaluate`` job; table, bar chart, CSV/JSON export.

Reached from Generate ▸ Evaluate… and the history's context menu ("Evaluate selected"). Its source is
files and folders, or "Generate from prompts": a model makes N images per prompt first (ordinary image
jobs, kept in the history) and they are scored against their prompts. The job runs in the engine host
like any other; this dialog only builds the spec and shows the report.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox, QSplitter, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.errors import SpecError
from studio.core.evaluation import FIGURE_LABELS, EvaluationReport, format_figure, report_csv
from studio.core.i18n import _
from studio.core.models.caps import DIFFUSION_TYPES
from studio.core.models.registry import ModelEntry
from studio.core.results import EvaluateResult, JobResult
from studio.core.specs.training import EvaluateSpec
from studio.jobs.api import JobHandle, JobPool
from studio.ui import theme
from studio.ui.job_watch import JobWatch, seed_row

MAX_BARS = 40  # past this many inputs the bars are unreadable; the table still lists them all
FILES, GENERATE = "files", "generate"  # the sources of the images or texts


class EvaluateDialog(QDialog):
    """Inputs (files/folders), prompt, reference → an evaluate job; its report as table and chart."""

    def __init__(self, pool: JobPool | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Evaluate"))
        self.setObjectName("evaluate_dialog")
        self.report: EvaluationReport | None = None
        self.inputs_edit = QPlainTextEdit()
        self.inputs_edit.setObjectName("evaluate_inputs")
        self.inputs_edit.setPlaceholderText(self.tr("Images or .txt files, or folders of them — one per line"))
        self.inputs_edit.setMaximumHeight(60)
        add_files = QPushButton(self.tr("Add files…"))
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton(self.tr("Add folder…"))
        add_folder.clicked.connect(lambda: self._add_folder(self.inputs_edit))
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("evaluate_source")
        self.source_combo.addItem(self.tr("Files and folders"), FILES)
        self.source_combo.addItem(self.tr("Generate from prompts"), GENERATE)
        self.source_combo.setToolTip(self.tr("Evaluate images or texts you have, or let a model make images from "
                                             "your prompts first"))
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("evaluate_model")
        self.model_combo.setToolTip(self.tr("The image model that makes the images (at its recommended settings)"))
        self.prompts_edit = QPlainTextEdit()
        self.prompts_edit.setObjectName("evaluate_prompts")
        self.prompts_edit.setPlaceholderText(self.tr("One prompt per line, e.g.\na red sneaker\na blue dress"))
        self.prompts_edit.setMaximumHeight(80)
        self.per_prompt_spin = QSpinBox()
        self.per_prompt_spin.setRange(1, 1000)
        self.per_prompt_spin.setValue(EvaluateSpec().per_prompt)
        self.per_prompt_spin.setToolTip(self.tr("Images per prompt, with seeds seed, seed+1, …"))
        self.seed_box, self.random_button, seed_layout = seed_row(EvaluateSpec().seed)
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(self.tr("empty: each studio PNG's own prompt"))
        self.reference_edit = QLineEdit()
        self.reference_edit.setPlaceholderText(self.tr("folder, bundled dataset or a studio-trained model (FID/KID)"))
        ref_button = QPushButton(self.tr("Folder…"))
        ref_button.clicked.connect(lambda: self._add_folder(self.reference_edit))
        self.lm_edit = QLineEdit()
        self.lm_edit.setPlaceholderText(self.tr("built-in SmolLM2 (texts only; 'none' skips perplexity)"))
        buttons = QHBoxLayout()
        buttons.addWidget(add_files)
        buttons.addWidget(add_folder)
        buttons.addStretch(1)
        ref_row = QHBoxLayout()
        ref_row.addWidget(self.reference_edit, 1)
        ref_row.addWidget(ref_button)
        files_page = QWidget()
        files_form = QFormLayout(files_page)
        files_form.setContentsMargins(0, 0, 0, 0)
        files_form.addRow(self.tr("Inputs"), self.inputs_edit)
        files_form.addRow("", buttons)
        generate_page = QWidget()
        generate_form = QFormLayout(generate_page)
        generate_form.setContentsMargins(0, 0, 0, 0)
        generate_form.addRow(self.tr("Model"), self.model_combo)
        generate_form.addRow(self.tr("Prompts"), self.prompts_edit)
        generate_form.addRow(self.tr("Images per prompt"), self.per_prompt_spin)
        generate_form.addRow(self.tr("Seed"), seed_layout)
        self.source_pages = QStackedWidget()
        self.source_pages.addWidget(files_page)
        self.source_pages.addWidget(generate_page)
        self.source_combo.currentIndexChanged.connect(self._source_changed)
        form = QFormLayout()
        form.addRow(self.tr("Source"), self.source_combo)
        form.addRow(self.source_pages)
        form.addRow(self.tr("Prompt"), self.prompt_edit)
        form.addRow(self.tr("Reference"), ref_row)
        form.addRow(self.tr("Language model"), self.lm_edit)

        self.run_button = QPushButton(self.tr("Evaluate"))
        self.run_button.setObjectName("evaluate_run")
        self.run_button.clicked.connect(self.start)
        self.progress = QProgressBar()
        self.progress.setObjectName("evaluate_progress")
        self.status = QLabel()
        self.status.setWordWrap(True)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.progress, 1)

        self.summary = QTableWidget(0, 2)
        self.summary.setObjectName("evaluate_summary")
        self.summary.setHorizontalHeaderLabels([self.tr("Figure"), self.tr("Value")])
        self.summary.horizontalHeader().setStretchLastSection(True)
        self.summary.verticalHeader().hide()
        self.items = QTableWidget(0, 0)
        self.items.setObjectName("evaluate_items")
        self.items.setSortingEnabled(True)
        self.items.verticalHeader().hide()
        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.legend().hide()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("evaluate_chart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(200)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(self.summary)
        tables.addWidget(self.items)
        tables.setSizes([220, 480])
        tables.setMinimumHeight(140)  # a few rows stay readable under the taller "Generate from prompts" form
        self.skipped_label = QLabel()
        self.skipped = QListWidget()
        self.skipped.setObjectName("evaluate_skipped")
        self.skipped.setWordWrap(True)
        self.skipped.setToolTip(self.tr("Files that could not be read, with the reason; the others were scored"))
        skipped_box = QWidget()
        skipped_layout = QVBoxLayout(skipped_box)
        skipped_layout.setContentsMargins(0, 0, 0, 0)
        skipped_layout.addWidget(self.skipped_label)
        skipped_layout.addWidget(self.skipped)
        self.skipped_box = skipped_box
        skipped_box.hide()
        results = QSplitter(Qt.Orientation.Vertical)
        results.addWidget(tables)
        results.addWidget(skipped_box)
        results.addWidget(self.chart_view)

        self.csv_button = QPushButton(self.tr("Export CSV…"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.json_button = QPushButton(self.tr("Export JSON…"))
        self.json_button.clicked.connect(lambda: self.export("json"))
        export_row = QHBoxLayout()
        export_row.addStretch(1)
        export_row.addWidget(self.csv_button)
        export_row.addWidget(self.json_button)
        self._set_exportable(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addWidget(results, 1)
        layout.addLayout(export_row)
        self.resize(760, 780)
        self.watch = JobWatch(self, self._say, self.run_button, progress=self.progress)
        self.watch.pool = pool
        self.watch.finished.connect(self._on_finished)

    @property
    def job(self) -> JobHandle | None:
        """The running evaluation, None when idle."""
        return self.watch.job

    # -- inputs -------------------------------------------------------------------------------
    def set_inputs(self, paths: Sequence[str]) -> None:
        """Fill the inputs (the history's selection, a batch) and show them as the source."""
        self.inputs_edit.setPlainText("\n".join(paths))
        self.set_source(FILES)

    def set_models(self, entries: Iterable[ModelEntry]) -> None:
        """List the usable text-to-image models of a model scan, keeping the current choice."""
        current = self.model_combo.currentData()
        self.model_combo.clear()
        for e in entries:
            if e.type in DIFFUSION_TYPES and e.usable:
                self.model_combo.addItem(e.title, e.name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(current)))

    def source(self) -> str:
        return str(self.source_combo.currentData())

    def set_source(self, source: str) -> None:
        self.source_combo.setCurrentIndex(self.source_combo.findData(source))

    def _source_changed(self) -> None:
        generate = self.source() == GENERATE
        self.source_pages.setCurrentIndex(1 if generate else 0)
        # Generated images are scored against the prompt each was made from.
        self.prompt_edit.setEnabled(not generate)

    def inputs(self) -> list[str]:
        return [line.strip() for line in self.inputs_edit.toPlainText().splitlines() if line.strip()]

    def _add_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, self.tr("Images or texts to evaluate"), "",
                                                      self.tr("Images and texts (*.png *.jpg *.jpeg *.webp *.txt)"))
        if files:
            self.set_inputs(self.inputs() + files)

    def _add_folder(self, target: QPlainTextEdit | QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"))
        if not folder:
            return
        if isinstance(target, QLineEdit):
            target.setText(folder)
        else:
            self.set_inputs(self.inputs() + [folder])

    def spec(self) -> EvaluateSpec:
        common = dict(reference=self.reference_edit.text().strip(), language_model=self.lm_edit.text().strip())
        if self.source() == GENERATE:
            model = str(self.model_combo.currentData() or "")
            if not model:
                raise SpecError(self.tr("No text-to-image model is installed to generate from prompts."))
            prompts = tuple(p.strip() for p in self.prompts_edit.toPlainText().splitlines() if p.strip())
            spec = EvaluateSpec(model=model, prompts=prompts, per_prompt=self.per_prompt_spin.value(),
                                seed=self.seed_box.seed(), **common)
        else:
            spec = EvaluateSpec(inputs=tuple(self.inputs()), prompt=self.prompt_edit.text().strip(), **common)
        spec.validate()
        return spec

    # -- the job ------------------------------------------------------------------------------
    def start(self) -> JobHandle | None:
        return self.watch.submit(self.spec)

    def _on_finished(self, result: JobResult) -> None:
        if isinstance(result, EvaluateResult):
            self.show_report(EvaluationReport.from_dict(result.report))

    # -- results ------------------------------------------------------------------------------
    def show_report(self, report: EvaluationReport) -> None:
        self.report = report
        figures = [(k, v) for k, v in report.figures().items() if v is not None]
        facts = [(self.tr("inputs"), str(report.count))]
        if report.clip:
            facts.append((self.tr("CLIP"), report.clip))
        if report.reference:
            facts.append((self.tr("reference"), f"{report.reference} ({report.reference_count})"))
        if report.language_model:
            facts.append((self.tr("language model"), report.language_model))
        rows = [(_(FIGURE_LABELS.get(k, k)), format_figure(v)) for k, v in figures] + facts
        self.summary.setRowCount(len(rows))
        for r, (k, v) in enumerate(rows):
            self.summary.setItem(r, 0, QTableWidgetItem(k))
            self.summary.setItem(r, 1, QTableWidgetItem(v))
        self._fill_items(report)
        self._fill_skipped(report)
        self._plot(report)
        self._set_exportable(True)
        self._say(" ".join(report.notes) or self.tr("Done in {0:.1f} s.").format(report.seconds))

    def _fill_items(self, report: EvaluationReport) -> None:
        keys = list(report.items[0].keys()) if report.items else []
        self.items.setSortingEnabled(False)
        self.items.clear()
        self.items.setColumnCount(len(keys))
        self.items.setHorizontalHeaderLabels([_(FIGURE_LABELS.get(k, k)) for k in keys])
        self.items.setRowCount(len(report.items))
        for r, item in enumerate(report.items):
            for c, k in enumerate(keys):
                v = item.get(k)
                cell = QTableWidgetItem()
                if isinstance(v, (int, float)):
                    cell.setData(Qt.ItemDataRole.DisplayRole, round(float(v), 3))  # sorts as a number
                else:
                    text = "" if v is None else str(v)
                    cell.setText(Path(text).name if k == "path" else text)
                    cell.setToolTip(text)
                self.items.setItem(r, c, cell)
        self.items.setSortingEnabled(True)
        self.items.resizeColumnsToContents()

    def _fill_skipped(self, report: EvaluationReport) -> None:
        """List the unreadable inputs (the reason, which names the file; the full path as tooltip); hidden when
        none."""
        self.skipped.clear()
        for item in report.skipped:
            path, reason = str(item.get("path", "")), str(item.get("reason", ""))
            name = Path(path).name
            row = QListWidgetItem(reason if name in reason else self.tr("{0}: {1}").format(name, reason))
            row.setToolTip(path)
            self.skipped.addItem(row)
        self.skipped_label.setText(self.tr("Skipped ({0}): could not be read").format(len(report.skipped)))
        self.skipped_box.setVisible(bool(report.skipped))

    def _plot(self, report: EvaluationReport) -> None:
        """One bar per input: its CLIP score (images) or perplexity (texts)."""
        key = "clip_score" if report.media == "image" else "perplexity"
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        self.chart.setTitle(self.tr("CLIP score per image") if key == "clip_score"
                            else self.tr("Perplexity per text"))
        shown = [i for i in report.items if isinstance(i.get(key), (int, float))][:MAX_BARS]
        if not shown:
            return
        bars = QBarSet(key)
        bars.append([float(i[key]) for i in shown])
        series = QBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([Path(str(i.get("path", ""))).stem[:12] or str(n) for n, i in enumerate(shown)])
        y = QValueAxis()
        y.setRange(0, max(float(i[key]) for i in shown) * 1.1 or 1.0)
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)

    def report_text(self, fmt: str) -> str:
        assert self.report is not None
        if fmt == "csv":
            return report_csv(self.report)
        return json.dumps(self.report.to_dict(), ensure_ascii=False, indent=1) + "\n"

    def export(self, fmt: str, path: str = "") -> str:
        """Write the report as CSV or JSON (asks where, unless ``path`` is given); the path written."""
        if self.report is None:
            return ""
        if not path:
            path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export evaluation"), f"evaluation.{fmt}",
                                                        "CSV (*.csv)" if fmt == "csv" else "JSON (*.json)")
        if not path:
            return ""
        try:
            Path(path).write_text(self.report_text(fmt), encoding="utf-8")
        except OSError as exc:
            self._say(self.tr("Could not write {0}: {1}").format(path, exc.strerror), error=True)
            return ""
        self._say(self.tr("Saved {0}").format(path))
        return path

    def _set_exportable(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.json_button.setEnabled(on)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(theme.css("error", self) if error else "")
        self.status.setText(text)
