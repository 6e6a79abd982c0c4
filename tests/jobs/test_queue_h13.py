"""The queue as a person uses it: pause survives a restart, retries and resumed trainings replace their stale
row, reordering with Move up/down, the failure message in the tooltip with the traceback behind Details."""
from __future__ import annotations

import pytest

from studio.core.protocol.status import HostStatus
from studio.core.store.queue import QueueStore
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec


def test_paused_is_kept_in_the_queue_file(paths):
    store = QueueStore.open(paths.queue_db)
    assert store.paused() is False
    store.set_paused(True)
    assert QueueStore.open(paths.queue_db).paused() is True
    store.set_paused(False)
    assert QueueStore.open(paths.queue_db).paused() is False


def test_a_resumed_training_supersedes_only_its_own_leftover_rows(paths):
    store = QueueStore.open(paths.queue_db)
    spec = TrainSpec(family="gan", data="d", out="faces", steps=10)
    old = store.add(spec)
    other = store.add(spec.replace(out="other"))
    done = store.add(spec)
    for job_id, state in ((old, "interrupted"), (other, "failed"), (done, "done")):
        store.next_queued()
        store.set_state(job_id, state)
    assert store.superseded_by(spec.replace(resume="/ckpt/faces.pt")) == [old]
    assert store.superseded_by(spec) == []  # a fresh start is a new job, not a resume


@pytest.fixture()
def pool(qtbot, paths):
    from studio.jobs.pool import WorkerPool

    pools = []

    def make() -> WorkerPool:
        p = WorkerPool(paths, Settings(scan_hf_cache=False))
        pools.append(p)
        return p

    yield make
    for p in pools:
        p.shutdown(wait=True, timeout=30)


def test_pause_survives_a_restart_and_retry_leaves_no_stale_row(pool, paths):
    first = pool()
    first.set_paused(True)
    a = first.submit(ImageSpec(prompt="a", seed=1)).job_id
    first._store.next_queued()
    first._store.set_state(a, "interrupted", error="Interrupted: the studio closed while this job ran.")
    first.shutdown()
    second = pool()
    assert second.paused is True  # not started: the user resumes
    new = second.retry(a).job_id
    ids = [r.id for r in second.jobs()]
    assert new in ids and a not in ids
    assert second.job(new).retry_of == a


def test_queue_view_moves_and_explains_failures(qtbot, pool):
    from studio.ui.queue_view import QueueView

    p = pool()
    p.set_paused(True)  # nothing runs: the order is what the test sets
    view = QueueView()
    qtbot.addWidget(view)
    view.bind(p)
    a, b, c = (p.submit(ImageSpec(prompt=x, seed=1)).job_id for x in "abc")
    view.table.selectRow(view.model.row_of(c))
    view.move_selected(-1)
    assert [r.id for r in p.jobs() if r.state == "queued"] == [a, c, b]
    view.move_selected(-1)
    assert [r.id for r in p.jobs() if r.state == "queued"] == [c, a, b]
    view.move_selected(-1)  # already first: stays
    assert [r.id for r in p.jobs() if r.state == "queued"] == [c, a, b]

    p._store.cancel_queued(b)
    p._store.set_state(b, "failed", error="The model is broken.", traceback="Traceback (most recent call last):\n  x")
    p.job_changed.emit(b)
    tip = view.model.data(view.model.index(view.model.row_of(b), 1), 3)  # ToolTipRole
    assert "The model is broken." in tip and "Traceback" not in tip and "Details" in tip
    box = view.show_details(b)
    assert box.text() == "The model is broken." and box.detailedText().startswith("Traceback")
    box.close()


def test_loading_phase_reads_loading_model_in_the_queue_and_status_bar(qtbot):
    from studio.core.store.queue import JobRecord
    from studio.ui.queue_model import JobTableModel
    from studio.ui.status_bar import StudioStatusBar

    model = JobTableModel()
    model.set_records([JobRecord(id=1, position=1, kind="image", title="a", spec_json="{}", state="running",
                                 created=0.0)])
    model.set_progress(1, 0, 0, -1.0)
    assert model.progress_text(0) == "loading model…"
    model.set_progress(1, 1, 8, 3.0)
    assert model.progress_text(0).startswith("step 1/8")
    bar = StudioStatusBar()
    qtbot.addWidget(bar)
    bar.on_job_progress(1, 0, 0, -1.0)
    assert bar.model_label.text() == "Loading model…"
    bar.on_engine_status(HostStatus(loaded=("/m/studio-fashion",)))
    assert bar.model_label.text() == "Loaded: studio-fashion"


def test_quitting_asks_only_while_a_training_runs(qtbot, paths, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from studio.core.store.queue import JobRecord
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    asked: list[str] = []

    class FakePool:  # only what confirm_quit reads: which jobs run, and their records
        def __init__(self, kind):
            self.kind = kind

        def running_jobs(self):
            return [7]

        def job(self, job_id):
            return JobRecord(id=7, position=1, kind=self.kind, title="Train gan → faces", spec_json="{}",
                             state="running", created=0.0, progress_done=40, progress_total=500)

    def answer(box):
        asked.append(box.text())
        return next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole).click()

    monkeypatch.setattr(QMessageBox, "exec", lambda box: answer(box))
    w.session.pool = FakePool("image")
    assert w.confirm_quit() is True and asked == []  # an image job just stops; nothing to ask
    w.session.pool = FakePool("train")
    assert w.confirm_quit() is False  # Cancel keeps the studio open
    assert "Train gan → faces" in asked[0] and "step 40 of 500" in asked[0] and "Resume" in asked[0]
    w.session.pool = None
