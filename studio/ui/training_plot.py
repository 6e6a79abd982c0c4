"""The live loss plot: one QtCharts line per metric key, redrawn at most a few times a second.

Metrics arrive from the job pool as ``(step, {key: value})``; points are buffered and appended in
one batch per redraw, so a fast trainer cannot flood the GUI thread with chart updates.
"""
from __future__ import annotations

import math

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QLogValueAxis, QValueAxis
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt, QTimer
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from studio.ui import theme

# Figures that are not losses: shown as text (steps/s) or not at all, never as lines.
NOT_PLOTTED = frozenset({"steps_per_s", "lr", "grad_norm", "epoch", "images_per_s"})
REDRAW_INTERVAL_MS = 250


def step_ticks(first: float, last: float, max_ticks: int = 6) -> tuple[float, float, float]:
    """(low, high, interval) for a step axis: whole-step ticks at a round interval (1, 2, 5 × 10^k) from a
    multiple of it, at most ``max_ticks`` of them, covering ``first``..``last``."""
    span = max(1.0, last - first)
    interval = 1.0
    for interval in (m * 10.0 ** k for k in range(12) for m in (1, 2, 5)):
        if span / interval <= max_ticks - 1:
            break
    low = math.floor(first / interval) * interval
    high = max(math.ceil(last / interval) * interval, low + interval)
    return low, high, interval


class LossPlot(QWidget):
    """A QChartView with a line per loss (g_loss/d_loss, recon/kl, loss, …); ``add(step, values)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setTitle(self.tr("Loss"))
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.view = QChartView(self.chart)
        self.view.setObjectName("loss_chart")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(180)
        self.log_check = QCheckBox(self.tr("Log scale"))
        self.log_check.setToolTip(self.tr("Show the losses on a logarithmic axis (early and late steps both readable)"))
        self.log_check.toggled.connect(self._rebuild_y_axis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.log_check)
        self.x_axis = QValueAxis()
        self.x_axis.setTitleText(self.tr("step"))
        self.x_axis.setLabelFormat("%d")
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.y_axis: QValueAxis | QLogValueAxis = QValueAxis()
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series: dict[str, QLineSeries] = {}
        self._pending: dict[str, list[QPointF]] = {}
        self._points: dict[str, list[QPointF]] = {}
        self.redraws = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.redraw)
        self._apply_theme()

    def _apply_theme(self) -> None:
        """The chart's own light or dark theme, so axes, labels and grid read on either background."""
        dark = theme.is_dark(self)
        self.chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        self.chart.setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))
        self.chart.setTitleBrush(self.palette().color(QPalette.ColorRole.Text))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()

    def add(self, step: int, values: dict) -> None:
        """Buffer one logged step; the chart catches up on the next redraw tick."""
        for key, value in values.items():
            if key in NOT_PLOTTED or not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            self._pending.setdefault(key, []).append(QPointF(float(step), float(value)))
        if self._pending and not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        self._pending.clear()
        self._points.clear()
        self.chart.removeAllSeries()
        self.series.clear()
        self._set_ranges()

    def truncate(self, last_step: int) -> None:
        """Drop points after ``last_step`` (a run resumed from an earlier checkpoint redoes those steps)."""
        self.redraw()
        for key, pts in self._points.items():
            kept = [p for p in pts if p.x() <= last_step]
            if len(kept) != len(pts):
                self._points[key] = kept
                self.series[key].replace(kept)
        self._set_ranges()

    def keys(self) -> list[str]:
        return list(self._points)

    def point_count(self, key: str) -> int:
        """Points drawn for ``key`` (what the user sees, not what is buffered)."""
        return len(self._points.get(key, ()))

    def points(self, key: str) -> list[tuple[float, float]]:
        return [(p.x(), p.y()) for p in self._points.get(key, ())]

    def redraw(self) -> None:
        """Append the buffered points (one batch per series) and fit the axes."""
        pending, self._pending = self._pending, {}
        for key, pts in pending.items():
            series = self.series.get(key)
            if series is None:
                series = QLineSeries()
                series.setName(key)
                self.chart.addSeries(series)
                series.attachAxis(self.x_axis)
                series.attachAxis(self.y_axis)
                self.series[key] = series
            series.append(pts)
            self._points.setdefault(key, []).extend(pts)
        self._set_ranges()
        self.redraws += 1

    def _set_ranges(self) -> None:
        pts = [p for ps in self._points.values() for p in ps]
        if not pts:
            self.x_axis.setRange(0, 1)
            self.y_axis.setRange(0.1 if self.log_check.isChecked() else 0, 1)
            return
        xs = [p.x() for p in pts]
        ys = [p.y() for p in pts]
        lo, hi, interval = step_ticks(min(xs), max(xs))
        self.x_axis.setRange(lo, hi)
        # Whole steps at a round interval (0, 20, 40 …; with few points 10, 11 — never "10 10 10 11").
        self.x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.x_axis.setTickAnchor(lo)
        self.x_axis.setTickInterval(interval)
        if isinstance(self.y_axis, QLogValueAxis):
            pos = [y for y in ys if y > 0] or [1.0]
            self.y_axis.setRange(min(pos) * 0.8, max(pos) * 1.25)
        else:
            lo, hi = min(ys), max(ys)
            pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 0.1
            # Losses and probabilities are never negative: do not let the padding show a negative range.
            self.y_axis.setRange(max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad)
            self.y_axis.applyNiceNumbers()

    def _rebuild_y_axis(self, log: bool) -> None:
        """Swap the y axis (QtCharts cannot switch an axis between linear and log in place)."""
        old = self.y_axis
        for s in self.series.values():
            s.detachAxis(old)
        self.chart.removeAxis(old)
        if log:
            axis = QLogValueAxis()
            axis.setBase(10)
            axis.setLabelFormat("%.3g")
        else:
            axis = QValueAxis()
        self.y_axis = axis
        self.chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        for s in self.series.values():
            s.attachAxis(axis)
        self._set_ranges()
