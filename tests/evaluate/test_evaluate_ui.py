"""The Evaluate panel in the window: from the Generate menu / history selection to table, chart and export."""
from __future__ import annotations

import json

import pytest

from tests.clip.conftest import draw_shape, save_tiny_clip
from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def clip_installed(paths):
    return save_tiny_clip(paths.models / "tiny-clip")


@pytest.fixture()
def studio(clip_installed, qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch, size=(1100, 760))


def test_evaluate_panel_scores_images_and_exports(studio, qtbot, tmp_path):
    from studio.core.pngmeta import write_image_png
    from studio.core.specs.image import ImageSpec

    files = []
    for i, cap in enumerate(("a red square", "a blue disc")):
        files.append(str(write_image_png(draw_shape(cap, seed=i), tmp_path / f"{i}.png", ImageSpec(prompt=cap))))
    assert studio.evaluate_action in studio.menuBar().actions()[1].menu().actions()
    dialog = studio.open_evaluate(files)
    assert dialog is not None and dialog.isVisible() and dialog.inputs() == files
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _j, state: state == "done"):
        assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    summary = {dialog.summary.item(r, 0).text(): dialog.summary.item(r, 1).text()
               for r in range(dialog.summary.rowCount())}
    assert "CLIP score" in summary and "diversity" in summary and summary["inputs"] == "2"
    assert dialog.items.rowCount() == 2 and len(dialog.chart.series()) == 1
    assert dialog.progress.isHidden() and dialog.run_button.isEnabled()
    saved = json.loads(open(dialog.export("json", str(tmp_path / "e.json")), encoding="utf-8").read())
    assert saved["count"] == 2 and saved["clip_score"] == dialog.report.clip_score
    csv_text = open(dialog.export("csv", str(tmp_path / "e.csv")), encoding="utf-8").read()
    assert csv_text.startswith("figure,value\n") and "clip_score," in csv_text and "a blue disc" in csv_text


def test_evaluate_panel_scores_a_folder_past_a_corrupt_file_and_lists_it(studio, qtbot, tmp_path):
    from studio.core.pngmeta import write_image_png
    from studio.core.specs.image import ImageSpec

    folder = tmp_path / "shots"
    folder.mkdir()
    for i, cap in enumerate(("a red square", "a blue disc")):
        write_image_png(draw_shape(cap, seed=i), folder / f"{i}.png", ImageSpec(prompt=cap))
    (folder / "0b-broken.png").write_bytes((folder / "0.png").read_bytes()[:60])
    dialog = studio.open_evaluate([str(folder)])
    assert dialog.skipped_box.isHidden()
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _j, state: state == "done"):
        assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    assert dialog.items.rowCount() == 2 and dialog.report.count == 2
    assert not dialog.skipped_box.isHidden() and dialog.skipped.count() == 1
    row = dialog.skipped.item(0)
    assert row.text().startswith("0b-broken.png is") and "not a readable image" in row.text()
    assert row.toolTip() == str(folder / "0b-broken.png") and "Skipped (1)" in dialog.skipped_label.text()
    assert "1 of 3 files could not be read" in dialog.status.text()
    csv_text = open(dialog.export("csv", str(tmp_path / "e.csv")), encoding="utf-8").read()
    assert "skipped,reason" in csv_text and "0b-broken.png" in csv_text


def test_evaluate_panel_says_why_an_empty_folder_cannot_be_evaluated(studio, qtbot, tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    dialog = studio.open_evaluate([str(empty)])
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _j, state: state == "failed"):
        dialog.start()
    qtbot.waitUntil(lambda: "holds no images or texts" in dialog.status.text(), timeout=5000)
    assert dialog.run_button.isEnabled() and dialog.report is None


def test_grid_dialog_makes_a_scored_grid_from_the_prompt_editor(studio, qtbot, tiny_sd_dir):
    editor = studio.prompt_editor
    editor.set_model(str(tiny_sd_dir))
    editor.width_spin.setValue(64)
    editor.height_spin.setValue(64)
    editor.steps_spin.setValue(2)
    editor.prompt_edit.setPlainText("a red square")
    assert studio.grid_action in studio.menuBar().actions()[1].menu().actions()
    dialog = studio.open_grid()
    assert "a red square" in dialog.base_label.text()
    dialog.x_combo.setCurrentIndex(dialog.x_combo.findData("seed"))
    dialog.x_edit.setText("1,2")
    dialog.y_combo.setCurrentIndex(dialog.y_combo.findData(""))
    with qtbot.waitSignal(studio.pool.job_ended, timeout=120_000, check_params_cb=lambda _j, state: state == "done"):
        assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert {dialog.table.item(r, 0).text() for r in range(2)} == {"seed 1", "seed 2"}
    assert not dialog.image.pixmap().isNull() and dialog.image.pixmap().width() >= 128
    assert all(dialog.table.item(r, 1).text() for r in range(2))  # each cell has its CLIP score
    assert dialog.run_button.isEnabled() and dialog.progress.isHidden()
    # the history strip shows each cell as the image it is: its prompt, seed and score in the tooltip
    strip = studio.history
    strip.refresh()
    tips = {strip.entry(strip.list.item(i)).path: strip.list.item(i).toolTip() for i in range(strip.list.count())}
    assert len(dialog.result.cells) == 2
    for cell in dialog.result.cells:
        tip = tips[cell.output]
        assert tip.startswith("a red square") and f"seed {cell.spec['seed']}" in tip and "CLIP score" in tip
    strip.search_edit.setText("red square")
    qtbot.waitUntil(lambda: strip.list.count() == 2, timeout=5000)


def test_grid_dialog_says_why_a_bad_axis_cannot_run(studio, qtbot):
    dialog = studio.open_grid()
    dialog.x_edit.setText("4,banana")
    assert dialog.start() is None and "not a valid steps" in dialog.status.text()


@pytest.mark.slow  # two Studio Fashion images and two CLIP loads: ~15 s on a quiet 2-core machine
def test_evaluate_panel_generates_from_prompts_then_scores(studio, qtbot):
    # The built-in Studio Fashion makes 2 prompts × 1 image through the image engine; each is scored
    # against its own prompt and kept in the history as an ordinary image.
    FASHION_NAME = "studio-fashion"
    dialog = studio.open_evaluate([])
    with qtbot.waitSignal(studio.models_scanned, timeout=30_000):
        studio.rescan_models()  # the dialog's model list follows each scan
    dialog.set_source("generate")
    assert dialog.source_pages.currentIndex() == 1 and not dialog.prompt_edit.isEnabled()
    dialog.model_combo.setCurrentIndex(dialog.model_combo.findData(FASHION_NAME))
    assert dialog.model_combo.currentData() == FASHION_NAME
    assert dialog.start() is None and "prompts to generate from" in dialog.status.text()  # nothing queued
    dialog.prompts_edit.setPlainText("a red sneaker\n\na blue dress\n")
    dialog.per_prompt_spin.setValue(1)
    dialog.seed_box.set_seed(3)
    with qtbot.waitSignal(studio.pool.job_ended, timeout=120_000, check_params_cb=lambda _j, state: state == "done"):
        assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
    report = dialog.report
    assert report.count == 2 and [i["prompt"] for i in report.items] == ["a red sneaker", "a blue dress"]
    assert all(i["clip_score"] > 50 for i in report.items) and report.diversity is not None
    assert dialog.items.rowCount() == 2 and len(dialog.chart.series()) == 1 and dialog.run_button.isEnabled()
    made = studio.pool.gallery.search(media="image", model=FASHION_NAME)
    assert {e.path for e in made} == {i["path"] for i in report.items}
