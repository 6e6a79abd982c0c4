"""The window and its widgets, without engines: docks, validation, highlighting, reuse, layout state."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget

from studio.core.store.queue import DONE, FAILED, QUEUED, RUNNING, JobRecord
from studio.core.models.registry import ModelEntry
from studio.core.specs.samplers import SCHEDULER_LABELS
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_to_json
from studio.ui.prompt_highlighter import prompt_spans


def _formats_at(edit, pos: int):
    block = edit.document().findBlock(pos)
    return [f for f in block.layout().formats() if f.start <= pos - block.position() < f.start + f.length]


def test_window_opens_with_all_docks_and_menus(window):
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    assert {"prompt_dock", "queue_dock", "history_dock"} <= set(docks)
    for d in docks.values():
        assert d.isVisible() and d.features() & QDockWidget.DockWidgetFeature.DockWidgetMovable
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert {"File", "View", "Workspace", "Help"} <= set(menus)
    assert window.centralWidget() is window.workspaces and window.workspace("image") is window.canvas
    assert window.status.engine_label.text() == "Loading engine…" and window.status.engine_label.isVisible()


def test_no_model_shows_message_and_manager_button(window, qtbot):
    editor = window.prompt_editor
    assert editor.scanning_label.isVisible()  # before the first scan has answered
    with qtbot.waitSignal(window.models_scanned, timeout=10000) as scanned:
        window.rescan_models()  # a real scan (off the GUI thread) fills the picker
    usable = [e.name for e in scanned.args[0] if e.usable and e.type in ("diffusers", "studio_pipeline")]
    assert [editor.model_combo.itemData(i) for i in range(editor.model_combo.count())] == usable
    editor.set_models([ModelEntry("Faces (DCGAN)", "/m/gan", "gan")])  # not a text-to-image model
    assert editor.no_model_box.isVisible() and not editor.scanning_label.isVisible()
    assert "No image model installed" in editor.no_model_label.text()
    assert editor.open_manager_button.isVisible() and not editor.generate_button.isEnabled()
    editor.open_manager_button.click()  # the prompt editor's shortcut opens the real model manager dock
    assert window.model_manager is not None and window.model_manager.isVisible()
    window.model_manager.shutdown()
    window.model_manager.close()


def test_picker_lists_only_usable_image_models(window):
    editor = window.prompt_editor
    editor.set_models([ModelEntry("sd-a", "/m/sd-a", "diffusers"), ModelEntry("llm", "/m/llm", "causal_lm"),
                       ModelEntry("bad", "/m/bad", "diffusers", status="broken", reason="x")])
    assert [editor.model_combo.itemText(i) for i in range(editor.model_combo.count())] == ["sd-a"]
    assert not editor.no_model_box.isVisible() and editor.generate_button.isEnabled()
    editor.set_model("/elsewhere/my-model")
    assert editor.model() == "/elsewhere/my-model" and editor.model_combo.currentText() == "my-model"


def test_size_must_be_a_multiple_of_8(window, qtbot):
    spin = window.prompt_editor.width_spin
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, "100")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == 104 and spin.value() % 8 == 0
    spin.setValue(70)
    assert spin.value() == 72
    spin.setValue(5000)
    assert spin.value() == 2048
    spin.setValue(1)
    assert spin.value() == 64
    assert spin.singleStep() == 8
    QTest.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() == 72


def test_scheduler_labels_and_spec_round_trip(window):
    editor = window.prompt_editor
    labels = [editor.scheduler_combo.itemText(i) for i in range(editor.scheduler_combo.count())]
    assert labels[:6] == [SCHEDULER_LABELS[k] for k in ("euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras",
                                                       "ddim", "unipc")]
    spec = ImageSpec(prompt="a (red:1.3) fox", negative_prompt="blurry", model="/m/tiny", seed=3_000_000_000,
                     steps=7, guidance=4.5, width=320, height=192, scheduler="dpmpp_2m_karras")
    editor.apply_spec(spec)
    assert editor.spec() == spec


def test_highlighter_marks_weights_and_brackets(window):
    edit = window.prompt_editor.prompt_edit
    edit.setPlainText("a (word:1.2), ((big)) [small] x)")
    text = edit.toPlainText()
    weight = _formats_at(edit, text.index(":1.2"))
    assert weight and any(f.format.fontWeight() >= 700 for f in weight)
    word = _formats_at(edit, text.index("word"))
    assert word and word[-1].format.foreground().color() != QColor("black")
    big = _formats_at(edit, text.index("big"))
    assert big and big[-1].format.fontWeight() >= 700  # depth 2 → bold
    small = _formats_at(edit, text.index("small"))
    assert small and small[-1].format.foreground().color() == QColor("#7f8c99")
    assert not _formats_at(edit, text.index("a "))  # plain text stays plain
    err = _formats_at(edit, len(text) - 1)  # the unmatched ")"
    assert err and err[-1].format.underlineStyle() != err[-1].format.UnderlineStyle.NoUnderline


def test_prompt_spans_carry_depth_across_lines():
    spans, paren, square = prompt_spans("(a cat,")
    assert paren == 1 and any(s.kind == "emphasis" for s in spans)
    spans, paren, _ = prompt_spans("sitting:1.1) done", paren, square)
    assert paren == 0
    assert [s for s in spans if s.kind == "weight"][0].start == len("sitting")
    assert [s for s in spans if s.kind == "emphasis"][0].start == 0


def test_batch_gives_consecutive_seeds_and_the_field_shows_the_last_used_seed(window, qtbot):
    editor = window.prompt_editor
    editor.set_models([ModelEntry("sd", "/m/sd", "diffusers")])
    editor.seed_spin.set_seed(41)  # a seed the user chose is used by the next press, locked or not
    editor.batch_spin.setValue(3)
    with qtbot.waitSignal(editor.generate_requested) as sig:
        assert editor.queue()
    assert [s.seed for s in sig.args[0]] == [41, 42, 43]
    assert editor.seed_spin.seed() == 41  # the field shows the seed used, as A1111 does
    with qtbot.waitSignal(editor.generate_requested) as sig:
        editor.queue()  # unlocked: a new random seed for the next press, and the field shows it
    used = sig.args[0][0].seed
    assert used != 41 and editor.seed_spin.seed() == used
    editor.lock_button.setChecked(True)
    editor.seed_spin.set_seed(7)
    editor.batch_spin.setValue(1)
    with qtbot.waitSignal(editor.generate_requested) as sig:
        editor.queue()
    assert [s.seed for s in sig.args[0]] == [7] and editor.seed_spin.seed() == 7
    editor.dice_button.click()
    rolled = editor.seed_spin.seed()
    assert rolled != 7  # (1 in 2**32 to collide)
    with qtbot.waitSignal(editor.generate_requested) as sig:
        editor.queue()
    assert sig.args[0][0].seed == rolled == editor.seed_spin.seed()


def test_invalid_spec_is_not_queued(window, qtbot):
    editor = window.prompt_editor
    editor.set_models([ModelEntry("sd", "/m/sd", "diffusers")])
    editor.guidance_spin.setMaximum(100)
    editor.guidance_spin.setValue(80)  # beyond the spec's 0..50
    with qtbot.assertNotEmitted(editor.generate_requested):
        assert not editor.queue()
    assert editor.message_label.isVisible() and "Guidance" in editor.message_label.text()


def test_canvas_preview_scaled_to_target_then_final(window, qtbot):
    canvas = window.canvas
    small = QImage(8, 8, QImage.Format.Format_RGB888)
    small.fill(QColor("red"))
    with qtbot.waitSignal(canvas.preview_shown, timeout=2000) as sig:
        canvas.show_preview(5, small, QSize(64, 48))
    assert sig.args == [5]
    assert canvas.shown_size() == QSize(64, 48) and canvas.path() is None
    final = QImage(64, 48, QImage.Format.Format_RGB888)
    final.fill(QColor("blue"))
    canvas.show_image(final, "/tmp/x.png")
    assert canvas.image().size() == QSize(64, 48) and canvas.path() == "/tmp/x.png"
    canvas.view.actual_size()
    assert canvas.view.zoom() == 1.0
    # wheel zoom around the cursor
    canvas.view.zoom_by(2)
    assert abs(canvas.view.zoom() - 1.5625) < 1e-6 and not canvas.view.fit_mode
    canvas.fit()  # the whole image visible, as large as the view allows
    view_size = canvas.view.viewport().size()
    assert canvas.view.fit_mode
    expected = min(view_size.width() / 64, view_size.height() / 48)
    assert expected * 0.97 < canvas.view.zoom() <= expected  # (fitInView keeps a small margin)


def test_canvas_save_as_writes_the_image(window, tmp_path):
    img = QImage(16, 16, QImage.Format.Format_RGB888)
    img.fill(QColor("green"))
    window.canvas.show_image(img)
    out = window.canvas.save_as(str(tmp_path / "copy.png"))
    loaded = QImage(out)
    assert loaded.size() == QSize(16, 16) and loaded.pixelColor(3, 3) == QColor("green")


def _record(job_id, state, done=0, total=0, error="", title="a fox"):
    return JobRecord(id=job_id, position=job_id, kind="image", title=title,
                     spec_json=spec_to_json(ImageSpec(prompt=title)), state=state, created=0.0,
                     started=1.0 if state != QUEUED else None, finished=13.0 if state == DONE else None,
                     progress_done=done, progress_total=total, error=error,
                     traceback="Traceback...\nRuntimeError: boom" if error else "")


def test_queue_model_texts():
    from studio.ui.queue_model import JobTableModel, format_eta

    m = JobTableModel()
    m.set_records([_record(1, DONE, 20, 20), _record(2, RUNNING, 0, 0), _record(3, QUEUED),
                   _record(4, FAILED, error="Model 'x' cannot be used: broken")])
    m.set_progress(2, 3, 20, 12.4)
    assert m.progress_text(1) == "step 3/20 · ETA 0:12"
    assert m.progress_text(0) == "done in 0:12"
    assert m.progress_text(2) == "waiting"
    assert m.progress_text(3) == "Model 'x' cannot be used: broken"
    tip = m.data(m.index(3, 1), Qt.ItemDataRole.ToolTipRole)
    assert "Model 'x' cannot be used: broken" in tip
    assert "RuntimeError: boom" not in tip and "Details" in tip  # the traceback is behind Details…
    assert format_eta(3725) == "1:02:05" and format_eta(-1) == "?"


def test_layout_and_parameters_survive_a_restart(qtbot, paths):
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    w.queue_dock.hide()
    w.prompt_editor.prompt_edit.setPlainText("kept prompt")
    w.prompt_editor.seed_spin.set_seed(1234)
    w.prompt_editor.lock_button.setChecked(True)
    w.close()
    assert (paths.root / "ui.ini").exists()
    w2 = MainWindow(paths, Settings())
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.queue_dock.isVisible() and w2.prompt_dock.isVisible()
    assert w2.prompt_editor.prompt_edit.toPlainText() == "kept prompt"
    assert w2.prompt_editor.seed_spin.seed() == 1234 and w2.prompt_editor.seed_locked()
    w2.reset_layout()
    assert w2.queue_dock.isVisible()
    w2.scanner.wait()


def test_reuse_from_foreign_a1111_png(window, qtbot, tmp_path):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a castle on a hill, (sunset:1.2)\nNegative prompt: fog\n"
                                "Steps: 12, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 99, "
                                "Size: 320x256, Model: other-model")
    path = tmp_path / "foreign.png"
    Image.new("RGB", (32, 32), "purple").save(path, pnginfo=info)
    spec = window.history.open_png(str(path))
    editor = window.prompt_editor
    assert spec is not None
    assert editor.prompt_edit.toPlainText() == "a castle on a hill, (sunset:1.2)"
    assert editor.negative_edit.toPlainText() == "fog"
    assert (editor.steps_spin.value(), editor.guidance_spin.value(), editor.seed_spin.seed()) == (12, 6.0, 99)
    assert (editor.width_spin.value(), editor.height_spin.value()) == (320, 256)
    assert editor.scheduler_combo.currentData() == "dpmpp_2m_karras"
    assert editor.model() == "other-model"
    qtbot.waitUntil(lambda: window.canvas.path() == str(path), timeout=5000)


def test_wheel_zooms_around_the_cursor_and_drag_pans(window, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QGraphicsView

    canvas = window.canvas
    img = QImage(1024, 1024, QImage.Format.Format_RGB888)  # larger than the view: it can scroll
    img.fill(QColor("white"))
    canvas.show_image(img)
    view = canvas.view
    view.actual_size()
    cursor = QPoint(view.viewport().width() // 2 + 40, view.viewport().height() // 2 + 30)
    before = view.mapToScene(cursor)
    event = QWheelEvent(QPointF(cursor), QPointF(view.viewport().mapToGlobal(cursor)), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert abs(view.zoom() - 1.25) < 1e-6
    after = view.mapToScene(cursor)
    assert abs(after.x() - before.x()) < 1.5 and abs(after.y() - before.y()) < 1.5  # the spot under the cursor stays
    assert view.dragMode() == QGraphicsView.DragMode.ScrollHandDrag
    h = view.horizontalScrollBar().value()
    start = view.viewport().rect().center()
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view.viewport(), start + QPoint(-60, 0))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(-60, 0))
    assert view.horizontalScrollBar().value() > h


def test_queue_dock_buttons_drive_a_real_pool(qtbot, paths):
    """Cancel, run-next, pause and clear-finished on a real (paused) pool: no engine runs."""
    from studio.core.settings import Settings
    from studio.jobs.pool import WorkerPool
    from studio.ui.queue_view import QueueView

    pool = WorkerPool(paths, Settings())
    pool.set_paused(True)  # nothing starts: the queue order and states are the test's alone
    view = QueueView()
    qtbot.addWidget(view)
    view.bind(pool)
    assert view.pause_button.isChecked() and view.pause_button.text() == "Resume"
    ids = [pool.submit(ImageSpec(prompt=f"job {i}", seed=i)).job_id for i in range(3)]
    assert view.model.job_ids() == ids
    pool.move(ids[2], 0)  # "Run next"
    qtbot.waitUntil(lambda: [r.id for r in pool.jobs()][:3] == [ids[2], ids[0], ids[1]], timeout=2000)
    assert view.model.job_ids() == [ids[2], ids[0], ids[1]]
    view.table.selectRow(view.model.row_of(ids[0]))
    assert view.cancel_button.isEnabled() and not view.retry_button.isEnabled()
    view.cancel_button.click()
    assert pool.job(ids[0]).state == "cancelled"
    assert view.model.progress_text(view.model.row_of(ids[0])) == "cancelled"
    view.clear_button.click()
    assert view.model.job_ids() == [ids[2], ids[1]]
    view.pause_button.click()
    assert not pool.paused and view.pause_button.text() == "Pause"
    pool.set_paused(True)
    pool.shutdown(wait=True)


def test_about_lists_versions_without_importing_torch():
    import subprocess
    import sys

    code = ("from studio.ui.about_dialog import about_html; import sys; h = about_html('CPU');"
            "print('torch' in sys.modules); print(h)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__('os').environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    first, rest = out.split("\n", 1)
    assert first == "False"
    for label in ("torch", "diffusers", "transformers", "Qt (PySide6)", "device"):
        assert f"<b>{label}</b>" in rest


def test_restart_on_another_workspace_hides_the_image_docks(qtbot, paths):
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    w.show_workspace("training")
    assert not w.prompt_dock.isVisible() and not w.history_dock.isVisible()
    w.close()
    w2 = MainWindow(paths, Settings(), defer_workspaces=True)
    qtbot.addWidget(w2)
    w2.show()
    w2.ensure_workspaces()
    assert w2.current_workspace() == "training"
    assert not w2.prompt_dock.isVisible() and not w2.history_dock.isVisible()
    w2.show_workspace("image")
    assert w2.prompt_dock.isVisible() and w2.history_dock.isVisible()
    w2.scanner.wait()
    w.scanner.wait()
