"""The queue dock: every job with its state, a progress bar "step n/N · ETA 0:12", and the
cancel / retry / remove buttons. Failed rows show their message; the tooltip has the details.
"""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QGuiApplication, QKeySequence,
                           QPainter, QPaintEvent, QPalette, QPen, QShortcut)
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QMenu, QMessageBox, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from studio.core.store.queue import DONE, QUEUED, RETRYABLE_STATES, RUNNING, JobRecord, reorder_moves
from studio.jobs.api import JobPool
from studio.ui.queue_model import (COL_ID, COL_JOB, COL_PROGRESS, COL_STATE, JOB_IDS_MIME, JobTableModel,
                                   ProgressDelegate)


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
        # The job's text takes what the others leave: the progress column is as wide as its texts, at most
        # what a running job's "step n/N · ETA" needs (see ProgressDelegate.sizeHint), in either language.
        header.setSectionResizeMode(COL_PROGRESS, QHeaderView.ResizeMode.ResizeToContents)
        self.model.rowsRemoved.connect(lambda *_: header.resizeSections())  # changed rows resize by themselves
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
