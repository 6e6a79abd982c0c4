"""Reordering the queue by dragging queued jobs: the new order is in the queue file after a restart, running
and finished jobs stay put, and a line shows where the dragged jobs land."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from studio.core.store.queue import QUEUED, QueueStore
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec


@pytest.fixture()
def queue(qtbot, paths):
    """A paused pool (nothing starts) with a done job, a running one and queued a, b, c, d, in a shown view."""
    from studio.jobs.pool import WorkerPool
    from studio.ui.queue_view import QueueView

    pool = WorkerPool(paths, Settings(scan_hf_cache=False))
    pool.set_paused(True)
    done, running, *queued = (pool.submit(ImageSpec(prompt=p, seed=1)).job_id for p in "xrabcd")
    pool.store.next_queued()
    pool.store.set_state(done, "done")
    pool.store.next_queued()  # claims `running`
    view = QueueView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.bind(pool)
    view.show()
    qtbot.waitExposed(view)
    yield view, done, running, queued
    pool.shutdown(wait=True, timeout=30)


def stored_order(paths) -> list[int]:
    """The queued jobs' order as a restarted studio reads it (the database opened afresh)."""
    return [r.id for r in QueueStore.open(paths.queue_db).list(states=[QUEUED])]


def point_in_row(view, job_id: int, lower: bool) -> QPoint:
    rect = view.table.visualRect(view.model.index(view.model.row_of(job_id), 1))
    return QPoint(rect.center().x(), rect.bottom() - 2 if lower else rect.top() + 2)


def send(view, event_type, job_ids: list[int], pos: QPoint):
    """A drag of the rows of ``job_ids`` entering the table, then its move or drop at viewport point ``pos``,
    delivered as Qt delivers them (Qt sends moves and drops only to the widget that accepted the enter)."""
    model = view.model
    mime = model.mimeData([model.index(model.row_of(j), 0) for j in job_ids])
    enter = QDragEnterEvent(pos, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.table.viewport(), enter)
    where = QPointF(pos) if event_type is QDropEvent else pos  # the two constructors differ
    event = event_type(where, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.table.viewport(), event)
    return event


def test_dragging_queued_jobs_reorders_the_stored_queue(queue, paths):
    view, done, running, (a, b, c, d) = queue
    send(view, QDragMoveEvent, [d], point_in_row(view, a, lower=False))
    assert view.table.drop_row == view.model.row_of(a)  # the line is drawn above a
    assert not view.table.grab().isNull()  # paints with the line
    assert send(view, QDropEvent, [d], point_in_row(view, a, lower=False)).isAccepted()
    assert view.table.drop_row == -1
    assert stored_order(paths) == [d, a, b, c]
    assert [r.id for r in view.selected_records()] == [d]
    # Several at once keep their queue order and land together, here below the last row.
    bottom = QPoint(10, view.table.viewport().height() - 3)
    send(view, QDropEvent, [b, d], bottom)
    assert stored_order(paths) == [a, c, d, b]
    assert [r.id for r in view.selected_records()] == [d, b]
    # The rows shown follow the store.
    assert [j for j in view.model.job_ids() if j in (a, b, c, d)] == [a, c, d, b]


def test_running_and_finished_jobs_cannot_be_dragged_nor_passed(queue, paths):
    view, done, running, (a, b, c, d) = queue
    model = view.model
    for job_id in (done, running):
        assert not model.flags(model.index(model.row_of(job_id), 1)) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.flags(model.index(model.row_of(a), 1)) & Qt.ItemFlag.ItemIsDragEnabled
    # A drag holding a running job carries no job: nothing to drop.
    assert send(view, QDropEvent, [running], point_in_row(view, d, lower=True)).isAccepted() is False
    # Above the running job (or the finished one): no line, refused, the order unchanged.
    for target in (running, done):
        move = send(view, QDragMoveEvent, [c], point_in_row(view, target, lower=False))
        assert not move.isAccepted() and view.table.drop_row == -1
        assert not send(view, QDropEvent, [c], point_in_row(view, target, lower=False)).isAccepted()
    # Just below the running job is the first place a queued job can go: it runs next.
    send(view, QDropEvent, [c], point_in_row(view, running, lower=True))
    assert stored_order(paths) == [c, a, b, d]
    assert [r.id for r in QueueStore.open(paths.queue_db).list() if r.state != QUEUED] == [done, running]
