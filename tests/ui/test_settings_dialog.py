"""The Settings dialog: every field saves and reloads, invalid values are shown inline and block OK,
Cancel changes nothing, a saved change takes effect, and the theme switch recolours the window."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from studio.core.models.builtin_models import UPSCALERS
from studio.core.protocol.status import HostStatus
from studio.core.settings import Settings, load_settings
from studio.ui.settings.appearance import AppearancePage
from studio.ui.settings.general import GeneralPage
from studio.ui.settings.models import ModelsPage
from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def light_app():
    """Each test starts and ends in the light theme (the palette is process-wide)."""
    from studio.ui.theme import apply_theme

    apply_theme(QApplication.instance(), "light")
    yield
    apply_theme(QApplication.instance(), "light")


def open_dialog(window, qtbot):
    window.activateWindow()  # a closed modal dialog leaves no active window offscreen; the shortcut needs one
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "settings_dialog" and w.isVisible())
    qtbot.addWidget(dialog)
    return dialog


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_ctrl_comma_and_the_file_menu_open_settings(window, qtbot):
    dialog = open_dialog(window, qtbot)
    assert [dialog.nav.item(i).text() for i in range(3)] == ["General", "Models", "Appearance"]
    dialog.reject()
    file_menu = window.menuBar().actions()[0].menu()
    assert window.settings_action in file_menu.actions()


def test_each_field_is_saved_atomically_and_shown_again(window, qtbot, tmp_path, light_app):
    out, extra, hf = tmp_path / "my outputs", tmp_path / "more-models", tmp_path / "hf-cache"
    extra.mkdir()
    hf.mkdir()
    dialog = open_dialog(window, qtbot)
    general, models, looks = dialog.page(GeneralPage), dialog.page(ModelsPage), dialog.page(AppearancePage)
    general.device.setCurrentText("cpu")
    general.memory.setValue(6.5)
    general.offline.setChecked(False)
    general.output_dir.setText(str(out))
    general.upscaler.set_value(UPSCALERS[0].name)
    models.folders.add_folder(str(extra))
    models.scan_hf.setChecked(True)
    models.hf_cache.setText(str(hf))
    looks.theme.set_value("dark")
    assert ok_button(dialog).isEnabled()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    saved = json.loads(window.paths.settings_file.read_text())
    assert saved["device"] == "cpu" and saved["memory_budget_gb"] == 6.5 and saved["offline"] is False
    assert saved["output_dir"] == str(out) and saved["default_upscaler"] == UPSCALERS[0].name
    assert saved["model_dirs"] == [str(extra)] and saved["hf_cache_dir"] == str(hf) and saved["theme"] == "dark"
    assert not list(window.paths.root.glob("*.tmp*")), "the atomic save left a temporary file"
    assert window.settings == load_settings(window.paths.settings_file)

    again = open_dialog(window, qtbot)
    g = again.page(GeneralPage)
    assert (g.device.currentText(), g.memory.value(), g.offline.isChecked()) == ("cpu", 6.5, False)
    assert g.output_dir.text() == str(out) and g.upscaler.value() == UPSCALERS[0].name
    assert again.page(ModelsPage).folders.folders() == (str(extra),)
    assert again.page(AppearancePage).theme.value() == "dark"
    again.reject()


@pytest.mark.parametrize("field, value, words", [
    ("device", "tpu", "Unknown device"),
    ("output_dir", "relative/folder", "full path"),
    ("output_dir", "FILE", "is a file"),
    ("model_dirs", ("/no/such/folder",), "does not exist"),
    ("hf_cache_dir", "/no/such/hf-cache", "does not exist"),
])
def test_an_invalid_value_is_shown_inline_and_blocks_ok(window, qtbot, tmp_path, field, value, words):
    if value == "FILE":
        value = str(tmp_path / "a-file")
        (tmp_path / "a-file").write_text("x")
    dialog = open_dialog(window, qtbot)
    page = dialog.page(ModelsPage if field in ("model_dirs", "hf_cache_dir") else GeneralPage)
    setter = {"device": lambda v: page.device.setCurrentText(v), "output_dir": lambda v: page.output_dir.setText(v),
              "model_dirs": lambda v: page.folders.set_folders(v), "hf_cache_dir": lambda v: page.hf_cache.setText(v)}
    setter[field](value)
    error = page.findChild(type(dialog.summary), f"{field}_error")
    assert error.isVisibleTo(page) and words in error.text()
    assert not ok_button(dialog).isEnabled()
    assert words in dialog.summary.text()
    dialog.accept()  # even a forced accept saves nothing while a field is invalid
    assert not window.paths.settings_file.exists()
    setter[field]("" if field != "model_dirs" else ())
    if field == "device":
        page.device.setCurrentText("auto")
    assert not error.isVisibleTo(page) and ok_button(dialog).isEnabled()
    dialog.reject()


def test_cancel_changes_nothing(window, qtbot, tmp_path, light_app):
    window.paths.settings_file.write_text(json.dumps({"device": "cpu", "theme": "light"}))
    before = window.paths.settings_file.read_bytes()
    dialog = open_dialog(window, qtbot)
    dialog.page(GeneralPage).device.setCurrentText("auto")
    dialog.page(GeneralPage).output_dir.setText(str(tmp_path))
    dialog.page(AppearancePage).theme.set_value("dark")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert window.paths.settings_file.read_bytes() == before
    assert window.settings == Settings()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 128


def test_ok_keeps_what_another_part_saved_meanwhile(window, qtbot):
    dialog = open_dialog(window, qtbot)
    window.paths.settings_file.write_text(json.dumps({"offline": False}))  # e.g. the model manager's switch
    dialog.page(GeneralPage).memory.setValue(3)
    dialog.accept()
    saved = load_settings(window.paths.settings_file)
    assert saved.memory_budget_gb == 3 and saved.offline is False


def test_the_theme_switch_recolours_highlighter_queue_and_canvas(window, qtbot, light_app):
    from studio.core.store.queue import FAILED
    from studio.ui.theme import colour

    editor = window.prompt_editor
    editor.prompt_edit.setPlainText("a ((red)) shoe")
    def emphasis_lightness():
        block = editor.prompt_edit.document().firstBlock()
        ranges = block.layout().formats()
        colours = [r.format.foreground().color() for r in ranges if r.start <= 4 < r.start + r.length]
        return colours[0].lightness()
    light_text, light_canvas = emphasis_lightness(), window.canvas.view.backgroundBrush().color()
    light_failed = colour("error")

    dialog = open_dialog(window, qtbot)
    dialog.page(AppearancePage).theme.set_value("dark")
    dialog.accept()
    qtbot.waitUntil(lambda: editor.prompt_edit.highlighter.dark)  # widgets hear of the palette in the event loop
    assert emphasis_lightness() > light_text + 40, "emphasis must be lighter (readable) on the dark editor"
    assert window.canvas.view.backgroundBrush().color() != light_canvas
    assert colour("error").lightness() > light_failed.lightness()
    assert window.queue_view.model.state_colour(FAILED).lightness() > light_failed.lightness()

    dialog = open_dialog(window, qtbot)
    dialog.page(AppearancePage).theme.set_value("light")
    dialog.accept()
    qtbot.waitUntil(lambda: not editor.prompt_edit.highlighter.dark)
    assert emphasis_lightness() == light_text


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch)


def test_a_saved_change_takes_effect_from_the_next_job(studio, qtbot, tmp_path):
    from studio.core.specs.image import GanSpec

    target = tmp_path / "elsewhere"
    dialog = open_dialog(studio, qtbot)
    dialog.page(GeneralPage).output_dir.setText(str(target))
    dialog.page(GeneralPage).memory.setValue(2.0)
    dialog.page(GeneralPage).device.setCurrentText("cpu")
    statuses: list[HostStatus] = []
    studio.pool.engine_status.connect(statuses.append)
    dialog.accept()
    job = studio.pool.submit(GanSpec(seeds=(1,)))
    with qtbot.waitSignal(job.finished, timeout=60_000) as done:
        pass
    outputs = [str(o) for o in done.args[0].outputs]
    assert outputs and all(o.startswith(str(target)) for o in outputs), outputs
    # The engine process took the new budget and device (its status says so).
    qtbot.waitUntil(lambda: any(s.budget_bytes == 2 * 2**30 for s in statuses), timeout=10_000)
    assert statuses[-1].device == "cpu"


def test_a_saved_model_folder_is_scanned_at_once(window, qtbot, tmp_path):
    from tests.models.conftest import write_st

    folder = tmp_path / "my-embeddings"
    write_st(folder / "my-style.safetensors", {"emb_params": (1, 768)})
    dialog = open_dialog(window, qtbot)
    dialog.page(ModelsPage).folders.add_folder(str(folder))
    with qtbot.waitSignal(window.models_scanned, timeout=30_000,
                          check_params_cb=lambda entries: any(e.name == "my-style" for e in entries)):
        dialog.accept()
    assert window.settings.model_dirs == (str(folder),)


def test_restore_defaults_fills_the_fields_and_saves_only_on_ok(window, qtbot):
    window.paths.settings_file.write_text(json.dumps({"device": "cpu", "memory_budget_gb": 5, "theme": "light"}))
    dialog = open_dialog(window, qtbot)
    dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    general = dialog.page(GeneralPage)
    assert general.device.currentText() == "auto" and general.memory.value() == 0
    assert dialog.page(AppearancePage).theme.value() == "system"
    assert json.loads(window.paths.settings_file.read_text())["device"] == "cpu"  # not saved yet
    dialog.accept()
    assert load_settings(window.paths.settings_file) == Settings()
