"""After a restart the workspace shows the last training job; an interrupted one resumes from its checkpoint."""
from __future__ import annotations

from studio.core.store.queue import INTERRUPTED, INTERRUPTED_MESSAGE
from studio.core.settings import Settings
from studio.core.specs.training import TrainSpec


def test_interrupted_job_is_shown_with_resume(qtbot, paths, image_folder):
    import torch

    from studio.engines.training.checkpoint import save_checkpoint
    from studio.jobs.pool import WorkerPool
    from studio.ui.training_workspace import TrainingWorkspace, checkpoint_path

    spec = TrainSpec(family="text2img", data=str(image_folder), out="crashed", steps=50, batch=2, size=16,
                     sample_every=5, checkpoint_every=5, params={"log_every": 1})
    pool = WorkerPool(paths, Settings())  # not started: nothing runs, the queue is read as a restart finds it
    job_id = pool.store.add(spec)
    pool.store.set_state(job_id, INTERRUPTED, INTERRUPTED_MESSAGE)
    save_checkpoint(checkpoint_path(paths, "crashed"), {"step": 15, "family": "text2img",
                                                         "modules": {"unet": {"w": torch.zeros(2)}}})

    ws = TrainingWorkspace(pool, paths, models=[])
    qtbot.addWidget(ws)
    assert ws.job_id == job_id and ws.job_state == INTERRUPTED
    assert ws.form.out_name() == "crashed" and ws.form.dataset() == str(image_folder)
    assert ws.form.steps_spin.value() == 50 and ws.form.family().key == "text2img"
    assert "interrupted" in ws.state_label.text() and "step 15" in ws.state_label.text()
    assert ws.resume_button.isEnabled() and ws.resume_button.text() == "Resume from step 15"
    assert not ws.cancel_button.isEnabled()
    # Resume queues the same settings continuing from the checkpoint.
    new_id = ws.resume()
    queued = pool.job(new_id).spec
    assert queued.resume == str(checkpoint_path(paths, "crashed")) and queued.out == "crashed" and queued.steps == 50
    assert ws.cancel_button.isEnabled() and not ws.resume_button.isEnabled()
    pool.cancel(new_id)  # queued, never started


def test_a_second_job_waits_and_the_panel_keeps_the_first(qtbot, paths, image_folder):
    from studio.jobs.pool import WorkerPool
    from studio.ui.training_workspace import TrainingWorkspace

    pool = WorkerPool(paths, Settings())  # not started: both jobs stay queued
    ws = TrainingWorkspace(pool, paths, models=[])
    qtbot.addWidget(ws)
    ws.form.set_family("gan")
    ws.form.set_dataset(str(image_folder))
    first = ws.start()
    ws.form.out_edit.setText("second")
    second = ws.start()
    assert first is not None and second is not None and second != first
    assert ws.job_id == first and f"#{second}" in ws.note.text()
    assert [j.spec.out for j in pool.jobs()] == ["my-gan", "second"]
    ws.cancel()  # cancels the watched (first) job only
    assert pool.job(first).state == "cancelled" and pool.job(second).state == "queued"
    assert "cancelled before it started" in ws.state_label.text()
