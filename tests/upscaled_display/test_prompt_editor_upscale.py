"""The prompt editor's "Upscale result" combo: filled from the model's recommendation, kept by reuse."""
from __future__ import annotations

from studio.core.models.builtin_models import UPSCALERS
from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ImageSpec

X4 = "RealESRGAN animevideov3 x4"
FASHION = ModelEntry("studio-fashion", "/m/sf", "studio_pipeline",
                     details={"default_size": 32, "recommended": {"steps": 20, "guidance": 4.0, "scheduler": "euler",
                                                                  "upscale": "animevideov3-x4"}})
SD = ModelEntry("sd", "/m/sd", "diffusers")


def _editor(qtbot):
    from studio.ui.prompt_editor import PromptEditor

    editor = PromptEditor()
    qtbot.addWidget(editor)
    return editor


def test_combo_lists_none_and_the_builtin_upscalers(qtbot):
    editor = _editor(qtbot)
    data = [editor.upscale_combo.itemData(i) for i in range(editor.upscale_combo.count())]
    assert data == [""] + [u.name for u in UPSCALERS]
    assert editor.upscale_combo.currentText() == "None" and editor.spec().upscale == ""


def test_recommendation_picks_the_upscaler_and_another_model_clears_it(qtbot):
    editor = _editor(qtbot)
    editor.set_models([FASHION, SD])  # the first model's recommendations apply on the first scan
    assert editor.model() == "studio-fashion"
    assert editor.upscale_combo.currentData() == X4
    spec = editor.spec()
    assert (spec.upscale, spec.width, spec.guidance) == (X4, 64, 4.0) and spec.validate() == []
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("sd"))
    editor.model_combo.activated.emit(editor.model_combo.currentIndex())  # what a user's pick emits
    assert editor.spec().upscale == ""  # a 512 px model is not blown up ×4 because Fashion was before


def test_reuse_parameters_restores_the_upscaler(qtbot):
    editor = _editor(qtbot)
    editor.set_models([SD])
    editor.apply_spec(ImageSpec(prompt="a red sneaker", model="sd", upscale="x4plus"))
    assert editor.spec().upscale == "RealESRGAN x4plus"
    editor.apply_spec(ImageSpec(prompt="p", model="sd", upscale="/my/own-upscaler.safetensors"))
    assert editor.spec().upscale == "/my/own-upscaler.safetensors"  # a user's upscaler file is listed too
    assert editor.upscale_combo.currentText() == "own-upscaler.safetensors"
    editor.apply_spec(ImageSpec(prompt="p", model="sd"))
    assert editor.spec().upscale == ""
