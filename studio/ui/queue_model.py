"""The queue's table model: one row per job (state, progress "step n/N · ETA 0:12", the last log
line), drag and drop to reorder queued jobs, and the delegate that paints the progress bars.
"""
from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass

from PySide6.QtCore import (QAbstractTableModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize,
                            Qt, Signal)
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar, QStyleOptionViewItem

from studio.core.errors import SpecError
from studio.core.progress import describe_load
from studio.core.store.queue import CANCELLED, DONE, FAILED, INTERRUPTED, QUEUED, RUNNING, JobRecord
from studio.ui import theme

COL_ID, COL_JOB, COL_STATE, COL_PROGRESS = range(4)
MAX_ROWS = 500  # older jobs stay in the database; the dock shows the recent ones
# state: (on a light background, on a dark one)
STATE_COLOURS = {QUEUED: ("#6c757d", "#a3acb5"), RUNNING: ("#1c7ed6", "#5aa9ff"), DONE: ("#2f9e44", "#51cf66"),
                 FAILED: ("#e03131", "#ff6b6b"), CANCELLED: ("#e8590c", "#ff922b"),
                 INTERRUPTED: ("#9c36b5", "#da77f2")}
ProgressRole = Qt.ItemDataRole.UserRole + 1  # (fraction 0..1 or -1, text) for the delegate
JobIdRole = Qt.ItemDataRole.UserRole + 2
StateRole = Qt.ItemDataRole.UserRole + 3
JOB_IDS_MIME = "application/x-aigc-studio-job-ids"  # a drag inside the queue: the dragged job ids, "3,5"


def format_eta(seconds: float | None) -> str:
    """'0:12', '1:05:00' or '?' (negative or None: unknown)."""
    if seconds is None or seconds < 0:
        return "?"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def display_title(record: JobRecord) -> str:
    """The job's title in today's language (made from its spec; the stored title was made in the language
    it was queued in), the stored one when the spec cannot be read."""
    try:
        return record.spec.title()
    except (SpecError, ValueError, TypeError, KeyError):
        return record.title or record.kind


def full_title(record: JobRecord) -> str:
    """The job's title with nothing shortened (its whole prompt), for the tooltip."""
    try:
        return record.spec.full_title()
    except (SpecError, ValueError, TypeError, KeyError):
        return display_title(record)


@dataclass
class _Row:
    record: JobRecord
    done: int = 0
    total: int = 0
    eta: float = -1.0
    log: str = ""
    title: str = ""
    load: tuple[str, int, int, float] | None = None
    """The model it is loading: (name, bytes read, bytes in all, eta), until its steps begin."""

    def __post_init__(self) -> None:
        self.title = display_title(self.record)


class JobTableModel(QAbstractTableModel):
    """Jobs in queue order; fed by the pool's signals through upsert/set_progress/remove_job.

    Queued rows can be dragged; a drop asks for the move with ``reorder_requested`` (the view makes it
    through the pool, like Move up/down), never by changing the rows here."""

    reorder_requested = Signal(list, int)  # (job ids, index among the other queued jobs)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._index: dict[int, int] = {}
        self._state_names = {QUEUED: self.tr("queued"), RUNNING: self.tr("running"), DONE: self.tr("done"),
                             FAILED: self.tr("failed"), CANCELLED: self.tr("cancelled"),
                             INTERRUPTED: self.tr("interrupted")}

    # -- feeding ----------------------------------------------------------------------------
    def set_records(self, records: list[JobRecord]) -> None:
        self.beginResetModel()
        self._rows = [_Row(r, r.progress_done, r.progress_total) for r in records[-MAX_ROWS:]]
        self._reindex()
        self.endResetModel()

    def upsert(self, record: JobRecord) -> None:
        """Add a new job at the end or refresh a known one (keeping its live progress)."""
        row = self._index.get(record.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(_Row(record, record.progress_done, record.progress_total))
            self._index[record.id] = len(self._rows) - 1
            self.endInsertRows()
            if len(self._rows) > MAX_ROWS:
                self._drop_oldest_final()
            return
        r = self._rows[row]
        if record.spec_json != r.record.spec_json:
            r.title = display_title(record)
        r.record = record
        if record.progress_total:
            # The store is written less often than progress signals arrive: never step back.
            r.total = record.progress_total
            r.done = max(r.done, record.progress_done) if record.state == RUNNING else record.progress_done
        self._changed(row)

    def set_progress(self, job_id: int, done: int, total: int, eta: float) -> None:
        row = self._index.get(job_id)
        if row is None:
            return
        r = self._rows[row]
        r.done, r.total, r.eta = done, total, eta
        if total > 0:
            r.load = None  # loading is over: steps from here
        idx = self.index(row, COL_PROGRESS)
        self.dataChanged.emit(idx, idx)

    def set_load(self, job_id: int, what: str, done: int, total: int, eta: float) -> None:
        """A running job's model load: its percentage, bytes and ETA show in the progress column."""
        row = self._index.get(job_id)
        if row is None:
            return
        self._rows[row].load = (what, done, total, eta)
        idx = self.index(row, COL_PROGRESS)
        self.dataChanged.emit(idx, idx)

    def add_log(self, job_id: int, message: str) -> None:
        row = self._index.get(job_id)
        if row is not None:
            r = self._rows[row]
            r.log = (r.log + "\n" + message).strip()[-4000:]
            self._changed(row)

    def remove_job(self, job_id: int) -> None:
        row = self._index.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._reindex()
        self.endRemoveRows()

    def _drop_oldest_final(self) -> None:
        for i, r in enumerate(self._rows):
            if r.record.is_final:
                self.remove_job(r.record.id)
                return

    def _reindex(self) -> None:
        self._index = {r.record.id: i for i, r in enumerate(self._rows)}

    def _changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, COL_PROGRESS))

    # -- reading ----------------------------------------------------------------------------
    def record(self, row: int) -> JobRecord:
        return self._rows[row].record

    def record_for(self, job_id: int) -> JobRecord | None:
        row = self._index.get(job_id)
        return None if row is None else self._rows[row].record

    def row_of(self, job_id: int) -> int:
        return self._index.get(job_id, -1)

    def job_ids(self) -> list[int]:
        return [r.record.id for r in self._rows]

    def live_progress(self, job_id: int) -> tuple[int, int, float]:
        """(done, total, eta) last reported for ``job_id``."""
        r = self._rows[self._index[job_id]]
        return r.done, r.total, r.eta

    def progress_text(self, row: int) -> str:
        return self._progress(self._rows[row])[1]

    # -- dragging queued jobs ------------------------------------------------------------------
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():  # drops land between rows, never on one
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = super().flags(index)
        if self._rows[index.row()].record.state == QUEUED:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [JOB_IDS_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        """The queued jobs among ``indexes``, in queue order."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = [self._rows[r].record.id for r in rows if self._rows[r].record.state == QUEUED]
        mime = QMimeData()
        mime.setData(JOB_IDS_MIME, ",".join(map(str, ids)).encode("ascii"))
        return mime

    def drop_allowed(self, row: int) -> bool:
        """Whether a job may land before row ``row`` (``rowCount()``: at the end): queued jobs move only
        among the queued ones, as with Move up/down, so never above the first queued job."""
        queued_rows = [i for i, r in enumerate(self._rows) if r.record.state == QUEUED]
        return bool(queued_rows) and queued_rows[0] <= row <= len(self._rows)

    def _dropped(self, data: QMimeData, row: int, parent: QModelIndex | QPersistentModelIndex
                 ) -> tuple[list[int], int] | None:
        """(the dragged queued job ids, the row they land before), or None when the drop is refused."""
        if not data.hasFormat(JOB_IDS_MIME):
            return None
        if parent.isValid():  # dropped onto a row: before it
            row = parent.row()
        if row < 0:  # below the last row
            row = len(self._rows)
        text = bytes(data.data(JOB_IDS_MIME).data()).decode("ascii", "replace")
        ids = [int(t) for t in text.split(",") if t.strip().isdigit()]
        queued = {r.record.id for r in self._rows if r.record.state == QUEUED}
        if not ids or not set(ids) <= queued or not self.drop_allowed(row):
            return None
        return ids, row

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        return action == Qt.DropAction.MoveAction and self._dropped(data, row, parent) is not None

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        dropped = self._dropped(data, row, parent) if action == Qt.DropAction.MoveAction else None
        if dropped is None:
            return False
        ids, row = dropped
        moving = set(ids)
        position = sum(1 for r in self._rows[:row] if r.record.state == QUEUED and r.record.id not in moving)
        self.reorder_requested.emit(ids, position)
        return True

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("#"), self.tr("Job"), self.tr("State"), self.tr("Progress"))[section]
        return None

    def progress_sample(self) -> str:
        """The progress text of a running job at its widest (what the progress column is sized for)."""
        return self.tr("step {0}/{1} · ETA {2}").format(88, 88, "8:88")

    def _progress(self, r: _Row) -> tuple[float, str]:
        rec = r.record
        if rec.state == RUNNING:
            if r.load is not None and (r.total <= 0 or r.load[1] < r.load[2]):
                what, done, total, eta = r.load
                return (done / total if total > 0 else -1.0), describe_load(what, done, total, eta)
            if r.total <= 0:  # before the first step: the engine is loading the model
                return -1.0, self.tr("loading model…")
            return r.done / r.total, self.tr("step {0}/{1} · ETA {2}").format(r.done, r.total, format_eta(r.eta))
        if rec.state == QUEUED:
            return 0.0, self.tr("waiting")
        if rec.state == DONE:
            took = (rec.finished - rec.started) if rec.finished and rec.started else None
            return 1.0, self.tr("done in {0}").format(format_eta(took)) if took is not None else self.tr("done")
        if rec.state == FAILED:
            return -2.0, rec.error or self.tr("failed")
        if rec.state == CANCELLED:
            where = self.tr(" at step {0}/{1}").format(r.done, r.total) if r.total else ""
            return -2.0, self.tr("cancelled") + where
        return -2.0, self.tr("interrupted — retry to run it again")

    @staticmethod
    def state_colour(state: str) -> QColor:
        """The state's colour, readable on the current (light or dark) theme."""
        light, dark = STATE_COLOURS.get(state, ("#000000", "#e3e5e8"))
        return QColor(dark if theme.is_dark() else light)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        rec, col = r.record, index.column()
        if role == JobIdRole:
            return rec.id
        if role == StateRole:
            return rec.state
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_ID:
                return str(rec.id)
            if col == COL_JOB:
                return r.title
            if col == COL_STATE:
                return self._state_names.get(rec.state, rec.state)
            if col == COL_PROGRESS:
                return self._progress(r)[1]
        if role == ProgressRole and col == COL_PROGRESS:
            return self._progress(r)
        if role == Qt.ItemDataRole.ForegroundRole and col in (COL_STATE, COL_PROGRESS):
            if col == COL_STATE or rec.state != RUNNING:
                return QBrush(self.state_colour(rec.state))
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_PROGRESS:
            return int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r)
        return None

    def _tooltip(self, r: _Row) -> str:
        rec = r.record
        lines = [*textwrap.wrap(f"#{rec.id} {full_title(rec)}", 80),  # the whole prompt, which the row shortens
                 self.tr("State: {0}").format(self._state_names.get(rec.state, rec.state)),
                 self.tr("Queued: {0}").format(time.strftime("%H:%M:%S", time.localtime(rec.created)))]
        if rec.error:  # the message here; the traceback behind "Details…" (context menu)
            lines += ["", rec.error]
        if rec.traceback:
            lines += ["", self.tr("Right-click → Details… for the technical details")]
        if r.log:
            lines += ["", r.log]
        if rec.outputs:
            lines += [""] + list(rec.outputs)
        return "\n".join(lines)


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a bar with its text; failures as coloured text."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        """A running job's bar is as wide as its widest "step n/N · ETA" text; other texts (a failure's
        message) are no wider than that: they are elided, with the whole text in the tooltip."""
        size = super().sizeHint(option, index)
        model = index.model()
        if not isinstance(model, JobTableModel):
            return size
        widest = option.fontMetrics.horizontalAdvance(model.progress_sample()) + 20
        running = index.siblingAtColumn(COL_STATE).data(StateRole) == RUNNING
        return QSize(widest if running else min(size.width(), widest), size.height())

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        value = index.data(ProgressRole)
        record_state = index.siblingAtColumn(COL_STATE).data(StateRole)
        if not value or value[0] <= -2.0 or record_state != RUNNING:  # only running jobs get a bar
            super().paint(painter, option, index)
            return
        fraction, text = value
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect.adjusted(2, 2, -2, -2))
        bar.minimum, bar.maximum = 0, 0 if fraction < 0 else 1000
        bar.progress = 0 if fraction < 0 else int(fraction * 1000)
        bar.text = text
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        # Qt 6 takes the orientation from the state: without State_Horizontal the bar is vertical.
        bar.state = option.state | QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        bar.palette = QPalette(option.palette)
        bar.fontMetrics = option.fontMetrics
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
