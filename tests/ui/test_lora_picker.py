"""The prompt editor's LoRA picker: lists installed LoRAs, inserts A1111 tags, weighs them with sliders."""
from __future__ import annotations

from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ImageSpec
from studio.ui.prompt_editor import PromptEditor

MODELS = [ModelEntry("tiny-sd", "/m/tiny-sd", "diffusers", family="sd1"),
          ModelEntry("loras/ink-style", "/m/loras/ink-style.safetensors", "lora", family="sd1"),
          ModelEntry("loras/paper", "/m/loras/paper.safetensors", "lora", family="sd1"),
          ModelEntry("loras/broken", "/m/loras/broken.safetensors", "lora", status="broken", reason="bad header")]


def make_editor(qtbot) -> PromptEditor:
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models(MODELS)
    return editor


def test_picker_lists_installed_loras_and_inserts_a_tag_with_a_slider(qtbot):
    editor = make_editor(qtbot)
    picker = editor.lora_picker
    combo = picker.add_combo
    listed = [combo.itemData(i) for i in range(1, combo.count())]
    assert listed == ["ink-style", "paper"]  # the usable LoRAs, named as a tag names them
    editor.prompt_edit.setPlainText("a red dress")
    combo.activated.emit(1)
    assert editor.prompt_edit.toPlainText() == "a red dress <lora:ink-style:1>"
    assert [r.name for r in picker._rows] == ["ink-style"]
    picker._rows[0].slider.setValue(65)  # dragging the slider rewrites the tag's weight in place
    assert editor.prompt_edit.toPlainText() == "a red dress <lora:ink-style:0.65>"
    assert picker._rows[0].value.text() == "0.65"
    spec = editor.spec().clean()  # what the engine runs
    assert (spec.prompt, spec.loras) == ("a red dress", (("ink-style", 0.65),))
    editor.prompt_edit.undo()  # each picker edit is one undo step in the prompt
    assert editor.prompt_edit.toPlainText() == "a red dress <lora:ink-style:1>"
    picker._rows[0].remove.click()
    assert editor.prompt_edit.toPlainText() == "a red dress" and not picker._rows


def test_typed_tags_show_rows_and_missing_ones_are_named(qtbot):
    editor = make_editor(qtbot)
    picker = editor.lora_picker
    editor.prompt_edit.setPlainText("a coat <lora:paper:0.4> <lora:nowhere:1.5>")
    assert [(r.name, r.slider.value()) for r in picker._rows] == [("paper", 40), ("nowhere", 150)]
    assert not picker.problem_label.isHidden() and "nowhere" in picker.problem_label.text()
    editor.prompt_edit.setPlainText("a coat <lora:paper:x>")
    assert "Cannot read the weight" in picker.problem_label.text()
    assert not editor.queue()  # the bad tag is refused before queueing, with the same sentence
    assert "Cannot read the weight" in editor.message_label.text()


def test_reusing_an_image_brings_its_loras_back_as_tags(qtbot):
    editor = make_editor(qtbot)
    editor.apply_spec(ImageSpec(prompt="a hat", loras=(("ink-style", 0.8),), seed=3))
    assert editor.prompt_edit.toPlainText() == "a hat <lora:ink-style:0.8>"
    assert [r.name for r in editor.lora_picker._rows] == ["ink-style"]
    assert editor.spec().clean().loras == (("ink-style", 0.8),)


def test_loras_for_another_base_are_greyed_with_the_reason(qtbot):
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models(MODELS + [ModelEntry("loras/xl-ink", "/m/loras/xl-ink.safetensors", "lora", family="sdxl"),
                                ModelEntry("Studio Fashion", "/m/fashion", "studio_pipeline", family="studio")])
    combo = editor.lora_picker.add_combo
    editor.set_model("tiny-sd")
    enabled = {combo.itemData(i): combo.model().item(i).isEnabled() for i in range(1, combo.count())}
    assert enabled == {"ink-style": True, "paper": True, "xl-ink": False}
    assert "Made for SDXL" in combo.itemData(3, 3)  # Qt.ToolTipRole
    editor.set_model("Studio Fashion")
    assert not any(combo.model().item(i).isEnabled() for i in range(1, combo.count()))
