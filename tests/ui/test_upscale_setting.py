"""Upscale → "Upscale every new image" and the prompt panel's "Upscale result" are one setting."""
from __future__ import annotations

from studio.core.models.builtin_models import CPU_UPSCALER


def test_menu_and_prompt_panel_show_the_same_state(window):
    tools, editor = window.upscale_tools, window.prompt_editor
    editor.set_upscaler("animevideov3-x4")  # e.g. Studio Fashion's recommendation
    assert tools.auto_action.isChecked()
    assert tools.model() == CPU_UPSCALER
    assert editor.spec().upscale == CPU_UPSCALER

    tools.auto_action.trigger()  # the menu turns it off: the panel says None and the spec has no upscale
    assert editor.upscaler() == "" and editor.upscale_combo.currentText() == "None"
    assert editor.spec().upscale == ""

    x2 = next(a for a in tools.model_group.actions() if a.data() == "RealESRGAN animevideov3 x2")
    x2.trigger()
    assert editor.upscaler() == ""  # choosing the Ctrl+U model alone does not switch upscaling on
    tools.auto_action.trigger()
    assert editor.upscaler() == "RealESRGAN animevideov3 x2" and editor.spec().upscale == "RealESRGAN animevideov3 x2"

    editor.set_upscaler("")  # the panel turns it off: the menu's check mark goes
    assert not tools.auto_action.isChecked()



def test_the_upscale_menu_lists_installed_upscalers(window):
    from studio.core.models.registry import ModelEntry

    tools = window.upscale_tools
    mine = ModelEntry("my-4x", "/m/my-4x.safetensors", "upscaler")
    broken = ModelEntry("bad-4x", "/m/bad.safetensors", "upscaler", status="broken", reason="x")
    window.models_scanned.emit([mine, broken, ModelEntry("sd", "/m/sd", "diffusers")])
    names = [a.data() for a in tools.model_group.actions()]
    assert "my-4x" in names and "bad-4x" not in names and "sd" not in names
    window.models_scanned.emit([mine])
    assert [a.data() for a in tools.model_group.actions()].count("my-4x") == 1
