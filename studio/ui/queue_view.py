"""The queue dock: every job with its state, a progress bar "step n/N · ETA 0:12", and the
cancel / retry / remove buttons. Failed rows show their message; the tooltip has the details.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import (QAbstractTableModel, QItemSelectionModel, QMimeData, QModelIndex, QObject,
                            QPersistentModelIndex, QPoint, QRect, Qt, Signal)
from PySide6.QtGui import (QBrush, QColor, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent,
                           QGuiApplication, QKeySequence, QPainter, QPaintEvent, QPalette, QPen, QShortcut)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QHeaderView, QMenu, QMessageBox,
                               QPushButton,
                               QStyle, QStyledItemDelegate, QStyleOptionProgressBar, QStyleOptionViewItem,
                               QTableView, QVBoxLayout, QWidget)

from studio.core.errors import SpecError
from studio.core.progress import describe_load
from studio.core.store.queue import (CANCELLED, DONE, FAILED, INTERRUPTED, QUEUED, RETRYABLE_STATES, RUNNING,
                                     JobRecord, reorder_moves)
from studio.jobs.api import JobPool
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
        lines = [f"#{rec.id} {r.title}", self.tr("State: {0}").format(self._state_names.get(rec.state, rec.state)),
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


class QueueTable(QTableView):
    """The job table. While queued jobs are dragged, a line across the whole width shows where they land
    (Qt's own indicator marks a single cell); where they may not land, there is no line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_row = -1
        """The row a drop would land before (rowCount: at the end); -1 while nothing is dragged over."""
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(False)

    def row_at(self, pos: QPoint) -> int:
        """The row a drop at viewport point ``pos`` lands before: the nearer edge of the row under it."""
        index = self.indexAt(pos)
        if not index.isValid():
            return self.model().rowCount()
        rect = self.visualRect(index)
        return index.row() + (1 if pos.y() > rect.center().y() else 0)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        # Entering over a row no job may land on must not refuse the whole drag: dragMoveEvent decides.
        if event.mimeData().hasFormat(JOB_IDS_MIME):
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        super().dragMoveEvent(event)  # autoscroll near the edges
        row = self.row_at(event.position().toPoint())
        model = self.model()
        # The model takes only ids of jobs queued here, so the source needs no check of its own.
        allowed = (isinstance(model, JobTableModel)
                   and model.canDropMimeData(event.mimeData(), Qt.DropAction.MoveAction, row, 0, QModelIndex()))
        if allowed:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()
        self._show_drop_row(row if allowed else -1)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        super().dragLeaveEvent(event)
        self._show_drop_row(-1)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Drop where the line was drawn (not where Qt's cell-based rule would put it)."""
        row = self.row_at(event.position().toPoint())
        self._show_drop_row(-1)
        if self.model().dropMimeData(event.mimeData(), Qt.DropAction.MoveAction,
                                                                row, 0, QModelIndex()):
            # The store reordered the jobs; Qt then asks the model to remove the moved rows, which it
            # refuses (no removeRows), so nothing disappears.
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        else:
            event.ignore()

    def _show_drop_row(self, row: int) -> None:
        if row != self.drop_row:
            self.drop_row = row
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.drop_row < 0:
            return
        rows = self.model().rowCount()
        if self.drop_row < rows:
            y = self.rowViewportPosition(self.drop_row)
        else:
            y = self.rowViewportPosition(rows - 1) + self.rowHeight(rows - 1) - 1 if rows else 0
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 3))
        painter.drawLine(0, max(1, y), self.viewport().width(), max(1, y))
        painter.end()


class QueueView(QWidget):
    """The queue dock's contents: the job table and its buttons. ``bind(pool)`` connects a JobPool."""

    show_output_requested = Signal(int)  # job id: show its output on the canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("QueueView")
        self.pool: JobPool | None = None
        self.model = JobTableModel(self)
        self.table = QueueTable()
        self.table.setObjectName("queue_table")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_ID, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_JOB, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_STATE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_PROGRESS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_PROGRESS, 170)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.dataChanged.connect(self._update_buttons)
        self.model.reorder_requested.connect(self.move_jobs)

        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Cancel the selected queued or running jobs"))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setToolTip(self.tr("Queue the selected jobs again"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setToolTip(self.tr("Remove the selected finished jobs from the list "
                                              "(their images stay in the history)"))
        self.clear_button = QPushButton(self.tr("Clear finished"))
        self.clear_button.setToolTip(self.tr("Remove every done, failed, cancelled or interrupted job from the list"))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(self.tr("Pause the queue: the running job finishes, queued jobs wait "
                                             "(also across restarts) until you resume"))
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear_finished)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        for keys, step in (("Ctrl+Up", -1), ("Ctrl+Down", 1)):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda step=step: self.move_selected(step))
        # Two short rows keep the dock narrow: queue-wide actions on top, per-job ones below.
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.pause_button)
        top.addStretch(1)
        top.addWidget(self.clear_button)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.cancel_button, self.retry_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def bind(self, pool: JobPool) -> None:
        """Show ``pool``'s jobs and follow every job's changes (rows are read from the store, so jobs
        restored from the database, which have no handle in memory, show the same way)."""
        self.pool = pool
        self.model.set_records(list(pool.jobs()))
        pool.job_added.connect(self._refresh)
        pool.job_changed.connect(self._refresh)
        pool.job_progress.connect(self.model.set_progress)
        pool.job_load.connect(self.model.set_load)
        pool.job_log.connect(self.model.add_log)
        pool.jobs_reordered.connect(self._reload)
        pool.paused_changed.connect(self._on_paused_changed)
        self._on_paused_changed(pool.paused)
        self._update_buttons()

    def _reload(self) -> None:
        """Re-read every job (after a reorder), keeping the live progress of running ones."""
        if self.pool is None:
            return
        live = {jid: self.model.live_progress(jid) for jid in self.model.job_ids()}
        self.model.set_records(list(self.pool.jobs()))
        for jid, (done, total, eta) in live.items():
            if total:
                self.model.set_progress(jid, done, total, eta)
        self._update_buttons()

    def _refresh(self, job_id: int) -> None:
        try:
            record = self.pool.job(job_id) if self.pool is not None else None
        except KeyError:  # removed from the queue
            record = None
        if record is None:
            self.model.remove_job(job_id)
        else:
            was_new = self.model.row_of(job_id) < 0
            self.model.upsert(record)
            if was_new:
                self.table.scrollToBottom()
        self._update_buttons()

    def selected_records(self) -> list[JobRecord]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.record(r) for r in rows]

    def _update_buttons(self, *args: object) -> None:
        recs = self.selected_records()
        bound = self.pool is not None
        self.clear_button.setEnabled(bound)
        self.pause_button.setEnabled(bound)
        self.cancel_button.setEnabled(bound and any(r.state in (QUEUED, RUNNING) for r in recs))
        self.retry_button.setEnabled(bound and any(r.state in RETRYABLE_STATES for r in recs))
        self.remove_button.setEnabled(bound and any(r.state != RUNNING for r in recs))

    def cancel_selected(self) -> None:
        for r in self.selected_records():
            if r.state in (QUEUED, RUNNING):
                self.pool.cancel(r.id)

    def retry_selected(self) -> None:
        for r in self.selected_records():
            if r.state in RETRYABLE_STATES:
                self.pool.retry(r.id)

    def remove_selected(self) -> None:
        for r in self.selected_records():
            if r.state != RUNNING:
                self.pool.remove(r.id)
                self._refresh(r.id)

    def clear_finished(self) -> None:
        if self.pool is None:
            return
        for job_id in self.pool.clear_finished():
            self.model.remove_job(job_id)
        self._update_buttons()

    def _on_pause_toggled(self, paused: bool) -> None:
        if self.pool is not None and bool(self.pool.paused) != paused:
            self.pool.set_paused(paused)

    def _on_paused_changed(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or self.pool is None:
            return
        if not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        menu = self.context_menu(self.model.record(index.row()))
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def context_menu(self, rec: JobRecord) -> QMenu:
        """The actions for job ``rec`` (what right-clicking its row shows)."""
        menu = QMenu(self)
        if rec.state == DONE and rec.outputs:
            menu.addAction(self.tr("Show output"), lambda: self.show_output_requested.emit(rec.id))
        if rec.state == QUEUED:
            menu.addAction(self.tr("Run next"), lambda: self.pool.move(rec.id, 0))
            menu.addAction(self.tr("Move up (Ctrl+Up)"), lambda: self.move_selected(-1))
            menu.addAction(self.tr("Move down (Ctrl+Down)"), lambda: self.move_selected(1))
        if rec.state in (QUEUED, RUNNING):
            menu.addAction(self.tr("Cancel"), self.cancel_selected)
        if rec.state in RETRYABLE_STATES:
            menu.addAction(self.tr("Retry"), self.retry_selected)
        if rec.state != RUNNING:
            menu.addAction(self.tr("Remove"), self.remove_selected)
        if rec.error:
            details = rec.error + ("\n\n" + rec.traceback if rec.traceback else "")
            if rec.traceback:
                menu.addAction(self.tr("Details…"), lambda: self.show_details(rec.id))
            menu.addAction(self.tr("Copy error details"), lambda: QGuiApplication.clipboard().setText(details))
        return menu

    def show_details(self, job_id: int) -> QMessageBox | None:
        """The failure's message, with its traceback behind the box's "Show Details…" button."""
        rec = self.model.record_for(job_id)
        if rec is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Job #{0} failed").format(rec.id), rec.error,
                          QMessageBox.StandardButton.Close, self)
        box.setDetailedText(rec.traceback)
        box.setModal(False)
        box.show()
        return box

    def move_selected(self, step: int) -> None:
        """Move the selected queued job one place earlier (-1) or later (+1) among the queued jobs."""
        recs = [r for r in self.selected_records() if r.state == QUEUED]
        if self.pool is None or len(recs) != 1:
            return
        queued = [r.id for r in self.pool.jobs() if r.state == QUEUED]
        here = queued.index(recs[0].id)
        target = max(0, min(len(queued) - 1, here + step))
        if target != here:
            self.move_jobs([recs[0].id], target)

    def move_jobs(self, job_ids: list[int], position: int) -> None:
        """Put the queued jobs ``job_ids`` as one block at index ``position`` among the other queued jobs
        (0: they run next), through the pool like every reorder, and keep them selected."""
        if self.pool is None:
            return
        queued = [r.id for r in self.pool.jobs() if r.state == QUEUED]
        moving = [j for j in job_ids if j in queued]  # one may have started meanwhile: it stays
        for job_id, index in reorder_moves(queued, moving, position):
            self.pool.move(job_id, index)
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        rows = [r for r in (self.model.row_of(j) for j in moving) if r >= 0]
        for row in rows:
            selection.select(self.model.index(row, 0), flags)
        if rows:
            selection.setCurrentIndex(self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def _on_double_click(self, index: QModelIndex) -> None:
        rec = self.model.record(index.row())
        if rec.state == DONE and rec.outputs:
            self.show_output_requested.emit(rec.id)
