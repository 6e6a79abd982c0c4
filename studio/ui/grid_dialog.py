"""The comparison-grid dialog (Generate ▸ Comparison grid…): up to two axes over the prompt editor's settings.

It queues one ``grid`` job (each cell an ordinary image, recorded in the history) and, when done,
shows the labelled grid with each cell's CLIP score and a table of the cells, best first.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.specs.grid import AXES, AXIS_LABELS
from studio.core.i18n import _
from studio.core.results import GridResult, JobResult
from studio.core.specs.image import GridSpec, ImageSpec
from studio.core.specs.serial import spec_to_dict
from studio.jobs.api import JobHandle, JobPool
from studio.ui import theme
from studio.ui.job_watch import JobWatch
from studio.ui.queue_model import format_eta

EXAMPLES = {"sampler": "euler,ddim,dpmpp_2m", "steps": "4,8,16", "cfg": "2,4,7.5", "seed": "1,2,3",
            "model": "", "prompt": "a red shoe|a blue shoe"}


class GridDialog(QDialog):
    show_requested = Signal(str)  # the grid PNG, for the canvas

    def __init__(self, pool: JobPool | None, base: Callable[[], ImageSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Comparison grid"))
        self.setObjectName("grid_dialog")
        self.base = base
        self.result: GridResult | None = None
        self._labels: list[str] = []
        self.x_combo, self.x_edit = self._axis_row("steps")
        self.y_combo, self.y_edit = self._axis_row("cfg", optional=True)
        form = QFormLayout()
        form.addRow(self.tr("Columns (x)"), self._pair(self.x_combo, self.x_edit))
        form.addRow(self.tr("Rows (y)"), self._pair(self.y_combo, self.y_edit))
        self.base_label = QLabel()
        self.base_label.setWordWrap(True)
        form.addRow(self.tr("Everything else"), self.base_label)
        self.run_button = QPushButton(self.tr("Make grid"))
        self.run_button.setObjectName("grid_run")
        self.run_button.clicked.connect(self.start)
        self.progress = QProgressBar()
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.progress, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Cell"), self.tr("CLIP score"), self.tr("File")])
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.setMaximumHeight(140)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.table)
        self.resize(640, 640)
        self.watch = JobWatch(self, self._say, self.run_button, progress=self.progress,
                              format_progress=lambda _d, _t, eta: self.tr("%p% · ETA {0}").format(format_eta(eta)))
        self.watch.pool = pool
        self.watch.finished.connect(self._on_finished)

    @property
    def job(self) -> JobHandle | None:
        """The running grid job, None when idle."""
        return self.watch.job

    def _axis_row(self, default: str, optional: bool = False) -> tuple[QComboBox, QLineEdit]:
        combo = QComboBox()
        if optional:
            combo.addItem(self.tr("(none)"), "")
        for name in AXES:
            combo.addItem(_(AXIS_LABELS.get(name, name)), name)
        edit = QLineEdit(EXAMPLES[default])
        combo.setCurrentIndex(combo.findData(default))
        combo.currentIndexChanged.connect(lambda _i: edit.setText(EXAMPLES.get(str(combo.currentData()), "")))
        edit.setToolTip(self.tr("Values separated by commas (prompts and models by |)"))
        return combo, edit

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(a)
        row.addWidget(b, 1)
        return w

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        b = self.base()
        self.base_label.setText(self.tr("From the prompt editor: “{0}”, {1}, {2} steps, CFG {3}, seed {4}, "
                                        "{5}×{6}").format(b.prompt[:60], b.model or self.tr("default model"),
                                                          b.steps, b.guidance, b.seed, b.width, b.height))

    def spec(self) -> GridSpec:
        base = self.base().replace(upscale="")  # cells at the model's size: a grid compares, it does not upscale
        y_axis = str(self.y_combo.currentData() or "")
        spec = GridSpec(base={k: v for k, v in spec_to_dict(base).items() if k != "kind"},
                        x=f"{self.x_combo.currentData()}={self.x_edit.text()}",
                        y=f"{y_axis}={self.y_edit.text()}" if y_axis else "")
        spec.validate()
        return spec

    def start(self) -> JobHandle | None:
        job = self.watch.submit(self.spec)
        if job is None:
            return None
        spec = self.spec()  # the same controls read again, for the cells' labels
        axes = spec.axes()
        x, y = axes[0], (axes[1] if len(axes) > 1 else None)
        self._labels = [", ".join(filter(None, (x.display_label(xv), y.display_label(yv) if y else "")))
                        for yv in (y.values if y else ("",)) for xv in x.values]
        self._say(self.tr("Queued {0} cells…").format(len(spec.cells())))
        return job

    def _on_finished(self, result: JobResult) -> None:
        if not isinstance(result, GridResult):
            return
        self.result = result
        grid = result.grid
        self.image.setPixmap(QPixmap(grid))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(result.cells))
        for i, r in enumerate(result.cells):
            score = r.clip_score
            label = self._labels[i] if i < len(self._labels) else str(i + 1)
            cells = (QTableWidgetItem(label), QTableWidgetItem(), QTableWidgetItem(Path(r.output).name))
            if isinstance(score, (int, float)):
                cells[1].setData(Qt.ItemDataRole.DisplayRole, round(float(score), 2))
            for c, item in enumerate(cells):
                self.table.setItem(i, c, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(1, Qt.SortOrder.DescendingOrder)
        self._say(self.tr("Saved {0}").format(grid))
        if grid:
            self.show_requested.emit(grid)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(theme.css("error", self) if error else "")
        self.status.setText(text)
