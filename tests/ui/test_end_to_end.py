"""End to end through the window: real JobPool, real diffusion engine, the tiny SD pipeline on disk.

Type a prompt, press Ctrl+Enter, watch previews arrive on the canvas, get the final image with
its metadata, see it in the history, reuse its parameters; Esc cancels; a batch runs in order.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QSize, Qt
from PySide6.QtTest import QTest

from studio.core.pngmeta import PARAMETERS_KEY, SPEC_KEY, read_png_text
from studio.core.store.queue import CANCELLED, DONE
from studio.ui.batch_grid import GAP

STEPS = 4


def _prepare(window, model_dir, steps: int, batch: int = 1, seed: int = 1234) -> None:
    editor = window.prompt_editor
    editor.set_model(str(model_dir))
    editor.steps_spin.setValue(steps)
    editor.width_spin.setValue(64)
    editor.height_spin.setValue(64)
    editor.seed_spin.set_seed(seed)
    editor.batch_spin.setValue(batch)
    editor.prompt_edit.clear()
    editor.prompt_edit.setFocus()


def test_prompt_to_canvas_history_and_reuse(studio, qtbot, tiny_sd_dir):
    pool, editor, canvas, history = studio.pool, studio.prompt_editor, studio.canvas, studio.history
    _prepare(studio, tiny_sd_dir, STEPS, batch=2)
    shown: list[tuple[int, QSize]] = []
    canvas.preview_shown.connect(lambda job_id: shown.append((job_id, canvas.shown_size())))
    finished: list[int] = []
    pool.job_ended.connect(lambda job_id, state: state == "done" and finished.append(job_id))

    QTest.keyClicks(editor.prompt_edit, "a red fox, (snow:1.2)")
    QTest.keyClick(editor.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.prompt_edit.toPlainText() == "a red fox, (snow:1.2)"  # Ctrl+Enter queued, typed no newline
    ids = studio.queue_view.model.job_ids()
    assert len(ids) == 2  # batch count 2 → two jobs
    assert editor.seed_spin.seed() == 1234  # the field shows the seed used (the next press draws a new one)
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=240_000)

    # Both ran, in order, with consecutive seeds.
    first, second = (pool.job(i) for i in ids)
    assert first.state == second.state == DONE and finished == ids
    assert first.finished <= second.started
    assert [first.spec.seed, second.spec.seed] == [1234, 1235]

    # Previews: one per step while the GUI keeps up (never more), each at the target size, each painted.
    per_job = [sum(1 for j, _ in shown if j == job_id) for job_id in ids]
    assert all(1 <= n <= STEPS for n in per_job), per_job
    assert STEPS in per_job, per_job  # (a loaded CI machine may drop one preview, not a whole job's)
    assert {size for _, size in shown} == {QSize(64, 64)}

    # The batch ends as one grid of both images on the canvas (as A1111 shows a batch).
    out = second.outputs[0]
    qtbot.waitUntil(lambda: studio.batch_grid.shown == 1, timeout=10_000)
    assert canvas.image().size() == QSize(2 * 64 + GAP, 64) and canvas.preview_count == 0
    chunks = read_png_text(out)
    assert chunks[PARAMETERS_KEY].startswith("a red fox, (snow:1.2)")
    assert "Steps: 4" in chunks[PARAMETERS_KEY] and "Seed: 1235" in chunks[PARAMETERS_KEY]
    assert json.loads(chunks[SPEC_KEY])["seed"] == 1235
    row = studio.queue_view.model.row_of(ids[1])
    assert studio.queue_view.model.progress_text(row).startswith("done")

    # The history shows both, newest first, with thumbnails decoded off the GUI thread.
    qtbot.waitUntil(lambda: history.count() == 2, timeout=10_000)
    assert [history.entry(history.list.item(i)).path for i in range(2)] == [out, first.outputs[0]]
    history.wait_for_thumbnails()
    qtbot.waitUntil(lambda: out in history._thumbs, timeout=5_000)

    # The status bar knows the engine: device and loaded model.
    assert not studio.status.engine_label.isVisible()
    assert studio.status.device_label.text() == "Device: CPU"

    # Clicking the older thumbnail shows it; "Reuse parameters" fills the editor from it.
    item = history.list.item(1)
    history.list.setCurrentItem(item)
    history._on_click(item)
    qtbot.waitUntil(lambda: canvas.path() == first.outputs[0], timeout=10_000)
    editor.prompt_edit.setPlainText("something else")
    editor.steps_spin.setValue(30)
    history.reuse_button.click()
    assert editor.prompt_edit.toPlainText() == "a red fox, (snow:1.2)"
    assert (editor.seed_spin.seed(), editor.steps_spin.value(), editor.width_spin.value()) == (1234, STEPS, 64)
    assert editor.model() == str(tiny_sd_dir)


def test_escape_cancels_the_running_job(studio, qtbot, tiny_sd_dir):
    pool, editor = studio.pool, studio.prompt_editor
    _prepare(studio, tiny_sd_dir, steps=400)
    progressed: list[int] = []
    pool.job_progress.connect(lambda job_id, done, total, eta: progressed.append(done))
    QTest.keyClicks(editor.prompt_edit, "a long job")
    QTest.keyClick(editor.prompt_edit, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)  # keypad Enter
    job_id = studio.queue_view.model.job_ids()[-1]
    qtbot.waitUntil(lambda: any(d >= 2 for d in progressed), timeout=120_000)
    qtbot.waitUntil(lambda: studio.canvas.previewing() == job_id, timeout=30_000)
    assert not studio.canvas.save_button.isEnabled()  # a preview is not a result to save
    with qtbot.waitSignal(pool.job_ended, timeout=30_000) as sig:
        QTest.keyClick(editor.prompt_edit, Qt.Key.Key_Escape)
    assert sig.args == [job_id, "cancelled"]
    qtbot.waitUntil(lambda: studio.canvas.preview_count == 0, timeout=5_000)
    # The half-denoised preview is gone (the canvas was empty before this job), nothing to save.
    assert studio.canvas.previewing() is None and studio.canvas.image().isNull()
    assert not studio.canvas.save_button.isEnabled()
    record = pool.job(job_id)
    assert record.state == CANCELLED and not record.outputs and record.progress_done < 400
    row = studio.queue_view.model.row_of(job_id)
    assert studio.queue_view.model.progress_text(row).startswith("cancelled")
    # Retry from the queue dock queues the same spec again.
    studio.queue_view.table.selectRow(row)
    assert studio.queue_view.retry_button.isEnabled()
    studio.queue_view.retry_button.click()
    new_id = studio.queue_view.model.job_ids()[-1]
    assert new_id != job_id and pool.job(new_id).spec == record.spec
    pool.cancel(new_id)
