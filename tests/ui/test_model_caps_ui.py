"""Per-model offers in the window: only the samplers that work, edit buttons disabled (with why) before queueing."""
from __future__ import annotations

import pytest

from studio.core.models.caps import edit_refusal, schedulers_for
from studio.core.models.registry import ModelEntry
from studio.core.specs.samplers import SCHEDULERS
from tests.fixtures.studio_window import started_studio

FASHION = ModelEntry("studio-fashion", "/m/sf", "studio_pipeline", family="studio",
                     details={"beta_schedule": "squaredcos_cap_v2", "title": "Studio Fashion",
                              "recommended": {"steps": 8, "guidance": 4.0, "scheduler": "dpmpp_2m"}})
SD = ModelEntry("sd", "/m/sd", "diffusers", family="sd1", details={"beta_schedule": "scaled_linear"})
OTHER = ModelEntry("flowy", "/m/flowy", "diffusers", family="other", details={"title": "Flowy"})


def _combo_keys(combo) -> list[str]:
    return [combo.itemData(i) for i in range(combo.count())]


def test_karras_is_offered_only_where_it_works():
    assert "dpmpp_2m_karras" not in schedulers_for(FASHION)
    assert schedulers_for(SD) == SCHEDULERS and schedulers_for(None) == SCHEDULERS


def test_prompt_editor_offers_per_model_samplers(qtbot):
    from studio.ui.prompt_editor import PromptEditor

    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([FASHION, SD])
    assert editor.model() == "studio-fashion"
    assert "dpmpp_2m_karras" not in _combo_keys(editor.scheduler_combo)
    assert editor.spec().scheduler == "dpmpp_2m"
    assert "DPM++ 2M Karras" in editor.scheduler_combo.toolTip()
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("sd"))
    assert _combo_keys(editor.scheduler_combo) == list(SCHEDULERS)
    assert editor.spec().scheduler == "dpmpp_2m"  # the choice is kept when the new model offers it


def test_timestep_spacing_is_greyed_with_why_for_a_flow_matching_model(qtbot):
    from studio.ui.prompt_editor import PromptEditor

    flux = ModelEntry("flux-dev", "/m/flux", "diffusers", family="flux", details={"title": "FLUX.1 dev"})
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([SD, flux])
    editor.set_model("sd")
    editor.spacing_combo.setCurrentIndex(editor.spacing_combo.findData("trailing"))
    offered_tip = editor.spacing_combo.toolTip()
    assert editor.spacing_combo.isEnabled() and editor.spec().timestep_spacing == "trailing"

    editor.set_model("flux-dev")  # its own flow-matching scheduler has no spacing: greyed, saying why
    assert not editor.spacing_combo.isEnabled() and "flow-matching" in editor.spacing_combo.toolTip()
    assert editor.spacing_combo.currentData() == "" and editor.spec().timestep_spacing == ""  # the model's own

    editor.set_model("sd")
    assert editor.spacing_combo.isEnabled() and editor.spacing_combo.toolTip() == offered_tip
    assert editor.spec().timestep_spacing == "trailing"  # the person's choice is back


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch, size=(1360, 860))


def test_edit_buttons_follow_what_the_model_can_do(studio):
    from PySide6.QtWidgets import QApplication

    studio.scanner.wait()  # the window's own model scan must not replace the list below mid-test
    QApplication.processEvents()
    tools = studio.canvas_editor.tools
    prompt = studio.prompt_editor
    prompt.set_models([FASHION, OTHER])
    prompt.set_model("studio-fashion")
    assert tools.inpaint_button.isEnabled() and tools.img2img_button.isEnabled()
    assert tools.outpaint_button.isEnabled()
    prompt.set_model("flowy")
    for op, button in (("img2img", tools.img2img_button), ("inpaint", tools.inpaint_button),
                       ("outpaint", tools.outpaint_button)):
        assert not button.isEnabled()
        assert button.toolTip() == edit_refusal(OTHER, op) and "Flowy cannot" in button.toolTip()
    prompt.set_model("studio-fashion")
    assert tools.inpaint_button.isEnabled() and tools.inpaint_button.toolTip() == "Regenerate only the masked area"
