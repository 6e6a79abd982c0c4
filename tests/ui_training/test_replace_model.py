"""The Training workspace asks before a training replaces a model, and never replaces a user's own model."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from studio.core.models.swap import MARKER
from studio.core.settings import Settings


def _workspace(qtbot, paths):
    from studio.jobs.pool import WorkerPool
    from studio.ui.training_workspace import TrainingWorkspace

    pool = WorkerPool(paths, Settings())  # not started: queued jobs stay queued
    ws = TrainingWorkspace(pool, paths, models=[])
    qtbot.addWidget(ws)
    ws.form.set_family("gan")
    ws.form.set_dataset("digits")
    return ws, pool


def test_replacing_asks_first_and_a_users_model_is_never_replaced(qtbot, paths, monkeypatch):
    ws, pool = _workspace(qtbot, paths)
    asked: list[str] = []
    answer = [QMessageBox.No]

    def question(parent, title, text, *args):
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    (paths.models / "users").mkdir()
    (paths.models / "users" / "notes.txt").write_text("mine")
    (paths.models / "studio-made").mkdir()
    (paths.models / "studio-made" / MARKER).write_text("")

    for name in ("../outputs", ".", "/tmp/x"):  # a path is not a name: explained, nothing queued
        ws.form.out_edit.setText(name)
        assert ws.start() is None
        assert "name" in ws.note.text().lower() and ws.note.styleSheet()
    ws.form.out_edit.setText("users")
    assert ws.start() is None and not asked
    assert "not made by the studio" in ws.note.text()
    ws.form.out_edit.setText("studio-made")
    assert ws.start() is None and len(asked) == 1 and "“studio-made” already exists" in asked[0]
    assert pool.jobs() == []
    answer[0] = QMessageBox.Yes
    job_id = ws.start()
    assert job_id is not None and pool.job(job_id).spec.overwrite is True
    ws.form.out_edit.setText("fresh")  # a new name: no question, no overwrite
    fresh = ws.start()
    assert fresh is not None and pool.job(fresh).spec.overwrite is False and len(asked) == 2
    assert (paths.models / "users" / "notes.txt").read_text() == "mine"
