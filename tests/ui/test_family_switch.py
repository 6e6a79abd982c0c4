"""Choosing a model of another family puts that family's usual settings in the prompt editor (FLUX.1's
1024 px and CFG 3.5 do not follow the user to an SD 1.5 model); a choice made within one family stays."""
from __future__ import annotations

from studio.core.models.registry import ModelEntry
from studio.ui.prompt_editor import PromptEditor

FLUX = ModelEntry("flux-dev", "/m/flux-dev", "diffusers", family="flux")
SD = ModelEntry("v1-5", "/m/v1-5", "diffusers", family="sd1")
SD_TOO = ModelEntry("dreamshaper", "/m/dreamshaper", "diffusers", family="sd1")


def fields(editor: PromptEditor) -> tuple:
    spec = editor.spec()
    return spec.steps, spec.guidance, spec.scheduler, spec.width, spec.height


def pick(editor: PromptEditor, name: str) -> None:
    editor.model_combo.setCurrentIndex(editor.model_combo.findData(name))
    editor.model_combo.activated.emit(editor.model_combo.currentIndex())  # as a click in the list does


def test_a_model_of_another_family_gets_its_usual_settings(qtbot):
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([FLUX, SD, SD_TOO])
    assert fields(editor) == (28, 3.5, "euler", 1024, 1024)  # FLUX.1's own (the capability table)

    pick(editor, "v1-5")
    assert fields(editor) == (20, 7.5, "euler", 512, 512)  # what `generate image --model v1-5` takes too
    assert editor.message_label.text() == "Using the usual settings for SD 1.x models."

    editor.steps_spin.setValue(30)
    editor.guidance_spin.setValue(5.0)
    editor.scheduler_combo.setCurrentIndex(editor.scheduler_combo.findData("dpmpp_2m"))
    pick(editor, "dreamshaper")  # same family: the user's own choices stay
    assert fields(editor) == (30, 5.0, "dpmpp_2m", 512, 512)

    pick(editor, "flux-dev")
    assert fields(editor)[:2] == (28, 3.5)


def test_flux_schnell_gets_its_four_steps_at_1024_and_its_cfg_is_greyed(qtbot):
    # As the model scan records a FLUX.1 folder whose transformer has no guidance embedding (few_step.annotate).
    schnell = ModelEntry("flux-schnell", "/m/flux-schnell", "diffusers", family="flux", details={
        "few_step": "FLUX.1 schnell", "few_step_source": "config",
        "recommended": {"steps": 4, "guidance": 0.0, "scheduler": "euler"}})
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([SD, schnell])
    pick(editor, "flux-schnell")
    assert fields(editor) == (4, 0.0, "euler", 1024, 1024)
    assert not editor.guidance_spin.isEnabled() and not editor.negative_edit.isEnabled()
    assert "CFG changes nothing" in editor.guidance_spin.toolTip()
    assert editor.negative_edit.placeholderText() == "This model takes no negative prompt"  # seen, not hovered
    pick(editor, "v1-5")
    assert editor.guidance_spin.isEnabled() and editor.negative_edit.isEnabled()
    assert editor.negative_edit.placeholderText().startswith("What to avoid")
