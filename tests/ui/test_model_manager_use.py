"""The model manager is a workspace that fits the first-launch window (5), and every model is one click
from the workspace that uses it (6): Use, double-click, the context menu; pickers list what is installed."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.models.registry import ModelEntry, ModelRegistry
from studio.core.settings import Settings


@pytest.fixture()
def manager(window, qtbot):
    window.resize(1360, 860)
    with qtbot.waitSignal(window.model_manager.scan_finished, timeout=30_000):
        window.open_model_manager()
    yield window.model_manager
    window.model_manager.shutdown()


def _row_of(manager, name):
    for r in range(manager.proxy.rowCount()):
        if manager.proxy.index(r, 0).data() == name:
            return manager.proxy.index(r, 0)
    raise AssertionError(f"{name} not listed")


def test_the_manager_fits_the_window_and_leaves_the_canvas_alone(window, qtbot):
    # The manager's scan is the window's one scan: the Image workspace's pickers take it too, as after the scan at
    # start-up, so the window is sized and the canvas measured once they have.
    with qtbot.waitSignal(window.models_scanned, timeout=30_000):
        window.rescan_models()
    window.resize(1360, 860)  # at least what the pickers' minimum widths allow
    qtbot.wait(100)
    size_before, canvas_before = window.size(), window.canvas.size()
    assert size_before.height() == 860 and size_before.width() <= 1400
    with qtbot.waitSignal(window.model_manager.scan_finished, timeout=30_000):
        window.open_model_manager()
    manager = window.model_manager
    assert window.current_workspace() == "models" and manager.isVisible()
    assert window.size() == size_before  # the window did not grow
    table = manager.table
    rows_visible = table.viewport().height() // table.verticalHeader().defaultSectionSize()
    assert rows_visible >= 8, rows_visible
    window.show_workspace("image")
    qtbot.wait(50)
    assert window.canvas.size() == canvas_before  # nothing to reset: the canvas has its room back


def test_double_click_opens_a_gan_in_faces(window, manager, qtbot):
    index = _row_of(manager, "Faces (DCGAN)")
    manager.table.setCurrentIndex(index)
    assert manager.use_button.text() == "Use in Faces" and manager.use_button.isEnabled()
    manager.table.scrollTo(index)
    rect = manager.table.visualRect(index)
    viewport, left, none = manager.table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(viewport, left, none, rect.center())  # a person's double-click: press, release, press…
    QTest.mouseDClick(viewport, left, none, rect.center())
    assert window.current_workspace() == "faces"
    assert window.faces_workspace.model() == "Faces (DCGAN)"


def test_the_context_menu_leads_with_use(window, manager):
    manager.table.setCurrentIndex(_row_of(manager, "studio-fashion"))
    menu = manager.context_menu()
    assert menu.defaultAction().text() == "Use in Image" and menu.defaultAction().isEnabled()
    assert [a.text() for a in menu.actions() if not a.isSeparator()][1:4] == ["Hash", "Rename…", "Move to trash"]
    window.prompt_editor.set_model("")
    menu.defaultAction().trigger()
    assert window.current_workspace() == "image" and window.prompt_editor.model() == "studio-fashion"


def test_use_button_for_text_upscalers_and_loras(window, manager, qtbot):
    manager.table.setCurrentIndex(_row_of(manager, "RealESRGAN animevideov3 x2"))
    manager.use_button.click()
    assert window.current_workspace() == "image" and window.upscale_tools.model() == "RealESRGAN animevideov3 x2"

    text_models = [e for e in manager.entries if e.type in ("causal_lm", "gguf") and e.usable]
    manager.table.setCurrentIndex(_row_of(manager, text_models[0].name))
    manager.use_button.click()
    assert window.current_workspace() == "text"
    assert window.workspace("text").model_name() == text_models[0].name

    from studio.ui.model_use import use_label

    use_model = window.model_use  # what the manager's Use calls

    lora = ModelEntry("my-style", "/m/my-style.safetensors", "lora")
    window.prompt_editor.prompt_edit.setPlainText("a red dress")
    assert use_label(lora) == "Add to the prompt" and use_model(lora)
    assert window.prompt_editor.prompt_edit.toPlainText().startswith("a red dress")
    assert window.prompt_editor.lora_picker.loras() == [("my-style", 1.0)]
    assert use_label(ModelEntry("taesd", "/m/taesd", "taesd")) == ""
    vae = ModelEntry("my-vae", "/m/my-vae", "studio_vae")
    assert use_label(vae) == "Use in Faces" and use_model(vae)
    assert window.current_workspace() == "faces" and window.faces_workspace.model() == "my-vae"
    clf = ModelEntry("my-clf", "/m/my-clf", "text_classifier")
    assert use_label(clf) == "Use in Text" and use_model(clf)
    text = window.workspace("text")
    assert window.current_workspace() == "text" and text.modes.currentWidget() is text.understand
    assert text.understand.model_combo.currentData() == "my-clf" and text.understand.run_button.text() == "Classify"


def test_a_broken_model_says_why_instead_of_use(window, manager, paths, qtbot):
    (paths.models / "broken.safetensors").write_bytes(b"\xff" * 20)
    manager.rescan()
    # A scan the window started before the file existed may end first: wait for the one that lists it.
    qtbot.waitUntil(lambda: any(e.name == "broken" for e in manager.entries), timeout=30_000)
    manager.kind.setCurrentIndex(manager.kind.findData("problems"))
    manager.table.setCurrentIndex(_row_of(manager, "broken"))
    assert not manager.use_button.isEnabled()
    assert not manager.use_current() and "cannot be used" in manager.progress_label.text()


def test_a_typo_gets_a_suggestion_and_no_command_to_run(paths):
    from studio.core.errors import ModelError

    with pytest.raises(ModelError) as err:
        ModelRegistry(paths, Settings()).resolve("Faces (DCGAM)", task="gan")
    text = str(err.value)
    assert "Did you mean 'Faces (DCGAN)'" in text and "main.py" not in text and "`" not in text
