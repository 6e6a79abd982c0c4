"""The workspace without a running engine: family defaults, the spec it builds, dataset preview, plot."""
from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.errors import SpecError
from studio.core.models.registry import ModelEntry
from studio.core.specs.training import TrainSpec
from studio.ui.training_form import FAMILIES


def test_every_family_is_listed_with_working_defaults(workspace):
    form = workspace.form
    keys = [form.family_combo.itemData(i) for i in range(form.family_combo.count())]
    assert keys == ["gan", "vae", "ddpm", "text2img", "clip", "lora", "text_lora", "mlm", "classifier"]
    form.set_family("clip")
    assert form.size_combo.currentData() == 32 and form.out_name() == "my-clip"
    assert form.spec().family == "clip"
    form.set_family("gan")
    assert (form.steps_spin.value(), form.batch_spin.value(), form.lr_spin.value()) == (3000, 64, 2e-4)
    assert form.size_combo.currentData() == 32 and form.out_name() == "my-gan"
    assert not form.base_combo.isVisibleTo(form)
    form.set_family("vae")
    assert form.lr_spin.value() == 1e-3 and form.extra("beta").value() == 1.0 and form.out_name() == "my-vae"
    spec = form.spec()
    assert isinstance(spec, TrainSpec) and spec.family == "vae" and spec.params["beta"] == 1.0
    # Every hyper-parameter says what it does.
    for w in (form.steps_spin, form.batch_spin, form.lr_spin, form.size_combo, form.seed_spin, form.sample_spin,
              form.ckpt_spin, form.log_spin, form.out_edit, form.dataset_combo):
        assert w.toolTip(), w
    assert all(e.tooltip for f in FAMILIES for e in f.extras)


def test_classifier_bases_are_encoders_and_language_models(workspace, tmp_path):
    form = workspace.form
    workspace.set_models([
        ModelEntry("tiny-sd", "/m/tiny-sd", "diffusers"), ModelEntry("chat", "/m/chat", "causal_lm"),
        ModelEntry("q4", "/m/q4.gguf", "gguf"), ModelEntry("bert", "/m/bert", "masked_lm")])
    form.set_family("classifier")
    assert form.base_combo.isVisibleTo(form)
    assert [form.base_combo.itemText(i) for i in range(form.base_combo.count())] == ["chat", "q4", "bert"]
    assert form.extra("patience").value() == 4
    form.set_family("mlm")
    (tmp_path / "corpus.txt").write_text("some text\n", encoding="utf-8")
    form.set_dataset(str(tmp_path / "corpus.txt"))
    assert not form.base_combo.isVisibleTo(form) and form.spec().family == "mlm"


def test_lora_needs_a_base_model_from_the_model_list(workspace, image_folder):
    form = workspace.form
    workspace.set_models([
        ModelEntry("tiny-sd", "/m/tiny-sd", "diffusers", family="sd"), ModelEntry("chat", "/m/chat", "causal_lm"),
        ModelEntry("q4", "/m/q4.gguf", "gguf"), ModelEntry("broken-sd", "/m/b", "diffusers", status="broken")])
    form.set_family("lora")
    assert form.base_combo.isVisibleTo(form)
    assert [form.base_combo.itemText(i) for i in range(form.base_combo.count())] == ["tiny-sd"]
    assert form.size_combo.currentData() == 512 and form.extra("rank").value() == 8
    form.set_dataset(str(image_folder))
    form.extra("instance_prompt").setText("a photo of sks square")
    spec = form.spec()
    assert spec.base == "tiny-sd" and spec.params["instance_prompt"] == "a photo of sks square"
    assert spec.params["train_text_encoder"] is False and spec.params["rank"] == 8
    form.base_combo.setEditText("")
    with pytest.raises(SpecError, match="base model"):
        form.spec()
    form.set_family("text_lora")
    assert [form.base_combo.itemText(i) for i in range(form.base_combo.count())] == ["chat", "q4"]
    assert not form.size_combo.isVisibleTo(form)
    assert not form.base_note.isVisibleTo(form)  # a transformers base is trained as it is
    form.base_combo.setCurrentIndex(1)
    assert form.base_note.isVisibleTo(form) and "de-quantised float32 copy" in form.base_note.text()
    assert "llama.cpp" in form.base_note.text()
    form.set_family("gan")
    assert not form.base_note.isVisibleTo(form)


def test_bad_input_is_explained_not_queued(workspace, tmp_path):
    form = workspace.form
    form.set_family("gan")
    form.params_edit.setText("{not json")
    workspace.start()  # no pool yet: says so
    assert "engine is still starting" in workspace.note.text()
    with pytest.raises(SpecError, match="not valid JSON"):
        form.spec()
    form.params_edit.setText('{"channels": [8, 8]}')
    form.set_dataset(str(tmp_path / "gone"))
    with pytest.raises(SpecError, match="does not exist"):
        form.spec()
    form.set_dataset("digits")
    form.out_edit.setText("")
    with pytest.raises(SpecError, match="name"):
        form.spec()


def test_unavailable_bundled_dataset_is_greyed_out(qtbot, paths, monkeypatch, tmp_path):
    from studio.core import datasets_info
    from studio.ui.training_workspace import TrainingWorkspace

    monkeypatch.setenv(datasets_info.FASHION_DIR_ENV, str(tmp_path))
    ws = TrainingWorkspace(paths=paths, models=[])
    qtbot.addWidget(ws)
    combo = ws.form.dataset_combo
    i = combo.findData("fashion-mnist")
    assert not combo.model().item(i).isEnabled()
    assert "dataset-fashion-mnist" in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert combo.model().item(combo.currentIndex()).isEnabled()  # the GAN default fell back to an installed one


def test_apply_spec_round_trips(workspace, image_folder):
    spec = TrainSpec(family="text2img", data=str(image_folder), out="rt", steps=77, batch=3, lr=3e-4, size=64,
                     seed=9, sample_every=5, checkpoint_every=11,
                     params={"log_every": 2, "caption_dropout": 0.2, "channels": [8, 8]})
    workspace.form.apply_spec(spec)
    again = workspace.form.spec()
    assert again == spec


def test_preview_dataset_shows_a_grid_and_the_skipped_file(workspace, qtbot, image_folder):
    workspace.form.set_family("gan")
    workspace.form.set_dataset(str(image_folder))
    QTest.mouseClick(workspace.form.preview_button, Qt.MouseButton.LeftButton)
    assert workspace.tabs.currentWidget() is workspace.dataset_panel
    qtbot.waitUntil(lambda: not workspace.dataset_panel.view.image().isNull(), timeout=10_000)
    grid = workspace.dataset_panel.view.image()
    assert (grid.width(), grid.height()) == (8 * 66 + 2, 66 + 2)  # 8 images, 64 px cells
    text = workspace.dataset_panel.summary.text()
    assert "8 images, 8 with captions" in text and "broken.png" in text and "a red square" in text


def test_loss_plot_batches_redraws_and_keeps_losses_only(workspace, qtbot):
    plot = workspace.plot
    t0 = time.monotonic()
    for step in range(1, 501):
        plot.add(step, {"g_loss": 1.0 / step, "d_loss": 0.7, "steps_per_s": 12.0, "grad_norm": 3.0})
    assert time.monotonic() - t0 < 1.0 and plot.point_count("g_loss") == 0  # buffered, not drawn yet
    qtbot.waitUntil(lambda: plot.point_count("g_loss") == 500, timeout=5_000)
    assert plot.redraws == 1 and sorted(plot.keys()) == ["d_loss", "g_loss"]
    assert [plot.series[k].count() for k in ("g_loss", "d_loss")] == [500, 500]
    assert plot.x_axis.min() <= 1 and plot.x_axis.max() >= 500
    assert 0 <= plot.y_axis.min() <= 0.002 and plot.y_axis.max() >= 1.0  # losses: no negative range
    plot.log_check.setChecked(True)  # the log axis keeps the series
    assert plot.y_axis.min() > 0 and plot.series["g_loss"].attachedAxes()[-1] is plot.y_axis
    plot.truncate(100)
    assert plot.point_count("g_loss") == 100 and plot.series["d_loss"].count() == 100


def test_mounted_as_a_tab_of_the_main_window(qtbot, paths):
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow
    from studio.ui.training_workspace import TrainingWorkspace

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    ws = w.workspace("training")
    assert isinstance(ws, TrainingWorkspace) and ws.paths == paths
    w.show_workspace("training")
    assert w.current_workspace() == "training"
    w.scanner.wait()
    ws.wait()


def test_step_axis_with_few_points_reads_whole_steps(workspace, qtbot):
    from studio.ui.training_plot import step_ticks

    assert step_ticks(10, 11) == (10, 11, 1)  # not "10 10 10 10 10 11"
    assert step_ticks(0, 26) == (0, 30, 10) and step_ticks(200, 2771) == (0, 3000, 1000)
    plot = workspace.plot
    plot.add(10, {"loss": 0.5})
    plot.add(11, {"loss": 0.4})
    plot.redraw()
    ticks = int((plot.x_axis.max() - plot.x_axis.min()) / plot.x_axis.tickInterval()) + 1
    assert (plot.x_axis.min(), plot.x_axis.max(), plot.x_axis.tickInterval()) == (10, 11, 1) and ticks == 2
