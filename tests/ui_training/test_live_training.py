"""Start a real (tiny) training job from the Training workspace and watch it: loss plot, sample grids,
steps/s, the skipped file in the log, Cancel keeping a checkpoint, Resume finishing the model."""
from __future__ import annotations

import json
import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.store.queue import CANCELLED, DONE, FAILED
from studio.core.specs.training import TrainSpec
from tests.ui_training.conftest import TINY_TEXT2IMG


def _fill(ws, folder, steps: int) -> None:
    form = ws.form
    form.set_family("text2img")
    form.set_dataset(str(folder))
    form.out_edit.setText("squares")
    form.steps_spin.setValue(steps)
    form.batch_spin.setValue(4)
    form.lr_spin.setValue(1e-3)
    form.size_combo.setCurrentIndex(form.size_combo.findData(16))
    form.sample_spin.setValue(2)
    form.ckpt_spin.setValue(0)
    form.log_spin.setValue(1)
    form.params_edit.setText(json.dumps(TINY_TEXT2IMG))


def test_train_watch_cancel_and_resume(live, qtbot, paths, image_folder):
    ws, pool = live, live.pool
    _fill(ws, image_folder, steps=500)
    ended: list[tuple[int, str]] = []
    ws.job_ended.connect(lambda job_id, state: ended.append((job_id, state)))

    QTest.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    job_id = ws.job_id
    assert job_id is not None and pool.job(job_id).kind == "train"
    spec = pool.job(job_id).spec
    assert isinstance(spec, TrainSpec)
    assert (spec.family, spec.data, spec.out, spec.size, spec.steps) == ("text2img", str(image_folder), "squares", 16, 500)
    assert spec.params["channels"] == [16, 16] and spec.params["log_every"] == 1

    # While it trains: the plot gets points (losses only), sample grids arrive and update, figures move.
    qtbot.waitUntil(lambda: ws.plot.point_count("loss") >= 3 and len(ws.samples.history) >= 2, timeout=180_000)
    assert "mse" in ws.plot.keys() and not {"grad_norm", "steps_per_s"} & set(ws.plot.keys())
    assert all(v == v and v > 0 for _, v in ws.plot.points("loss"))
    assert ws.tabs.currentWidget() is ws.samples
    first_grid, last_grid = ws.samples.history[0][1], ws.samples.history[-1][1]
    assert not last_grid.isNull() and ws.samples.view.image() == last_grid
    assert ws.samples.history[-1][0] > ws.samples.history[0][0]  # later step
    assert first_grid != last_grid  # the model changed between the grids
    assert ws.progress.value() >= 3 and ws.progress.maximum() == 500
    assert re.fullmatch(r"\d+\.\d+ steps/s", ws.rate_label.text()), ws.rate_label.text()
    assert re.fullmatch(r"ETA \d+:\d\d(:\d\d)?", ws.eta_label.text()), ws.eta_label.text()
    assert "broken.png" in ws.log_view.toPlainText()  # the unreadable file is reported, training goes on
    assert ws.cancel_button.isEnabled() and not ws.resume_button.isEnabled()

    # Cancel: the job ends cancelled, with a checkpoint that Resume offers.
    QTest.mouseClick(ws.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=60_000)
    assert ended == [(job_id, CANCELLED)] and pool.job(job_id).state == CANCELLED
    ckpt = paths.training / "squares" / "checkpoint.safetensors"
    assert ckpt.is_file()
    from studio.engines.training.checkpoint import load_checkpoint

    step = int(load_checkpoint(ckpt)["step"])
    assert 3 <= step < 500
    assert f"cancelled at step {step}" in ws.state_label.text()
    assert ws.resume_button.isEnabled() and ws.resume_button.text() == f"Resume from step {step}"
    assert not ws.cancel_button.isEnabled()

    # Resume with a total a few steps further: it continues from the checkpoint and saves the model.
    ws.form.steps_spin.setValue(step + 3)
    QTest.mouseClick(ws.resume_button, Qt.MouseButton.LeftButton)
    resumed = ws.job_id
    assert resumed != job_id and pool.job(resumed).spec.resume == str(ckpt)
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=180_000)
    assert ended[1] == (resumed, DONE) and pool.job(resumed).state == DONE
    assert (paths.models / "squares" / "model_index.json").is_file()
    assert "done" in ws.state_label.text() and "squares" in ws.state_label.text()
    assert f"Resumed from {ckpt} at step {step}" in ws.log_view.toPlainText()
    # The plot of the resumed run continues the same curve, after the cancelled steps.
    qtbot.waitUntil(lambda: ws.plot.point_count("loss") == step + 3, timeout=5_000)
    assert [x for x, _ in ws.plot.points("loss")] == list(range(1, step + 4))
    assert ws.progress.value() == ws.progress.maximum() == step + 3


def test_a_failing_job_says_why(live, qtbot, tmp_path):
    ws = live
    bad = tmp_path / "nothing-readable"
    bad.mkdir()
    (bad / "a.png").write_bytes(b"broken")
    _fill(ws, bad, steps=5)
    ended: list[str] = []
    ws.job_ended.connect(lambda _id, state: ended.append(state))
    QTest.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=120_000)
    assert ended == [FAILED]
    assert "No readable images" in ws.state_label.text() and str(bad) in ws.state_label.text()
    assert not ws.cancel_button.isEnabled() and ws.start_button.isEnabled()


def test_gan_from_the_form_plots_both_losses_and_saves_the_model(live, qtbot, paths, image_folder):
    ws = live
    form = ws.form
    form.set_family("gan")
    form.set_dataset(str(image_folder))
    form.out_edit.setText("tiny-gan")
    form.steps_spin.setValue(6)
    form.batch_spin.setValue(4)
    form.size_combo.setCurrentIndex(form.size_combo.findData(16))
    form.sample_spin.setValue(3)
    form.log_spin.setValue(1)
    form.extra("latent_dim").setValue(16)
    form.params_edit.setText(json.dumps({"features": 8, "samples": 8, "calibration_batches": 1}))
    ended: list[str] = []
    ws.job_ended.connect(lambda _id, state: ended.append(state))
    QTest.mouseClick(ws.start_button, Qt.MouseButton.LeftButton)
    assert ws.pool.job(ws.job_id).spec.params["latent_dim"] == 16
    qtbot.waitUntil(lambda: bool(ended), timeout=180_000)
    assert ended == [DONE], ws.state_label.text()
    qtbot.waitUntil(lambda: ws.plot.point_count("g_loss") == 6, timeout=5_000)
    assert {"g_loss", "d_loss"} <= set(ws.plot.keys())
    assert len(ws.samples.history) >= 1 and not ws.samples.view.image().isNull()
    assert (paths.models / "tiny-gan").is_dir() and "tiny-gan" in ws.state_label.text()
