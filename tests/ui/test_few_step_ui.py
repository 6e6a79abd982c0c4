"""The window proposes what a few-step model or LoRA recommends, sends the timestep spacing with the job and
takes it back from a reused image; Settings → Memory & speed has fast decode, labelled lower quality."""
from __future__ import annotations

from studio.core.models.few_step import annotate
from studio.core.models.registry import ModelEntry
from studio.core.settings import load_settings
from studio.core.specs.image import ImageSpec
from studio.ui.prompt_editor import PromptEditor
from studio.ui.settings.memory_speed import MemorySpeedPage
from tests.ui.test_settings_dialog import ok_button, open_dialog

# Entries as the model scan makes them: annotate() is what identify_path applies to every file it identifies.
TURBO = annotate(ModelEntry("sd-turbo", "/m/sd-turbo", "diffusers", family="sd2"))
PLAIN = annotate(ModelEntry("v1-5", "/m/v1-5", "diffusers", family="sd1"))
LCM_LORA = annotate(ModelEntry("loras/lcm-lora-sdv1-5", "/m/loras/lcm-lora-sdv1-5.safetensors", "lora",
                               family="sd1"))


def sampling(editor: PromptEditor) -> tuple:
    spec = editor.spec()
    return spec.steps, spec.guidance, spec.scheduler, spec.timestep_spacing


def test_a_turbo_model_and_an_lcm_lora_apply_their_settings(qtbot):
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([TURBO, PLAIN, LCM_LORA])  # the first model is chosen with its recommendation
    assert sampling(editor) == (1, 0.0, "euler_a", "trailing")
    assert editor.message_label.text() == "Using the settings sd-turbo recommends."

    editor.model_combo.setCurrentIndex(editor.model_combo.findData("v1-5"))
    editor.model_combo.activated.emit(editor.model_combo.currentIndex())
    editor.steps_spin.setValue(25)
    editor.guidance_spin.setValue(7.0)
    editor.scheduler_combo.setCurrentIndex(editor.scheduler_combo.findData("dpmpp_2m"))
    editor.spacing_combo.setCurrentIndex(editor.spacing_combo.findData(""))
    combo = editor.lora_picker.add_combo
    combo.activated.emit(combo.findData("lcm-lora-sdv1-5"))  # picking the LCM-LoRA
    assert editor.prompt_edit.toPlainText().endswith("<lora:lcm-lora-sdv1-5:1>")
    assert sampling(editor) == (4, 1.0, "lcm", "")
    assert editor.message_label.text() == "Using the settings lcm-lora-sdv1-5 recommends."
    assert editor.scheduler_combo.currentText() == "LCM"


def test_the_spacing_goes_with_the_job_and_comes_back_from_a_reused_image(qtbot):
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([PLAIN])
    labels = [editor.spacing_combo.itemText(i) for i in range(editor.spacing_combo.count())]
    assert labels[0] == "Model's own" and "Trailing (Turbo, Lightning)" in labels
    editor.apply_spec(ImageSpec(prompt="a cat", model="v1-5", steps=6, guidance=0.0, scheduler="tcd",
                                timestep_spacing="trailing"))
    assert sampling(editor) == (6, 0.0, "tcd", "trailing")
    editor.apply_spec(ImageSpec(prompt="a cat", model="v1-5"))
    assert sampling(editor)[2:] == ("euler", "")


def test_fast_decode_setting_is_labelled_lower_quality_and_saved(window, qtbot, paths):
    dialog = open_dialog(window, qtbot)
    page = dialog.page(MemorySpeedPage)
    assert not page.fast_decode.isChecked() and "lower quality" in page.fast_decode.text()
    page.fast_decode.setChecked(True)
    ok_button(dialog).click()
    assert load_settings(paths.settings_file).fast_decode is True
