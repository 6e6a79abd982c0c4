"""The queue's Job column gets the room at the dock's width: the progress column is no wider than its texts (at
most what a running job's "step n/N · ETA" needs, a failure's long message is elided), and the tooltip
has the job's whole prompt, which the title shortens."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.ui.queue_model import COL_JOB, COL_PROGRESS

LONG = ("a lighthouse at dusk on a rocky shore, oil painting, dramatic clouds, warm light on the water, "
        "seagulls, a small boat in the distance")


@pytest.fixture()
def queue(qtbot, paths):
    """A paused pool with a failed job (a long message), a running one and a queued one, in a 350 px wide view."""
    from studio.jobs.pool import WorkerPool
    from studio.ui.queue_view import QueueView

    pool = WorkerPool(paths, Settings(scan_hf_cache=False))
    pool.set_paused(True)
    failed, running, queued = (pool.submit(ImageSpec(prompt=p, seed=1)).job_id for p in ("x", "r", LONG))
    pool.store.next_queued()
    pool.store.set_state(failed, "failed", error="The model could not be loaded: " + "a very long reason " * 8)
    view = QueueView()
    qtbot.addWidget(view)
    view.resize(350, 300)  # the queue dock's width at the first-launch window size
    view.bind(pool)
    view.show()
    qtbot.waitExposed(view)
    yield view, pool, failed, running, queued
    pool.shutdown(wait=True, timeout=30)


def test_the_job_column_gets_the_room_and_the_tooltip_the_whole_prompt(queue, qtbot):
    view, pool, failed, running, queued = queue
    header, metrics = view.table.horizontalHeader(), view.table.fontMetrics()
    widest = metrics.horizontalAdvance(view.model.progress_sample()) + 20
    qtbot.waitUntil(lambda: header.sectionSize(COL_PROGRESS) == widest)  # the long failure message is elided
    assert header.sectionSize(COL_JOB) >= 110

    view.model.remove_job(failed)  # only short texts ("waiting") left: the job's text gets more room
    qtbot.waitUntil(lambda: header.sectionSize(COL_JOB) >= 170)

    pool.store.next_queued()  # `running` starts: its bar gets the room for "step n/N · ETA"
    view._refresh(running)
    qtbot.waitUntil(lambda: header.sectionSize(COL_PROGRESS) == widest)
    assert header.sectionSize(COL_JOB) >= 110
    assert header.sectionSize(COL_JOB) + header.sectionSize(COL_PROGRESS) <= view.table.viewport().width() + 1

    row = view.model.row_of(queued)
    title = view.model.index(row, COL_JOB).data()
    assert title.endswith("...") and len(title) <= 60
    tip = view.model.index(row, COL_JOB).data(Qt.ItemDataRole.ToolTipRole)
    assert f"#{queued} {LONG}" in " ".join(tip.splitlines())
    assert max(len(line) for line in tip.splitlines()) <= 80  # wrapped, not one screen-wide line
