"""Settings → Text models (GGUF context length and GPU offload layers, each with auto) in the window, and
`settings set` on the CLI, write the same settings."""
from __future__ import annotations

from studio.cli import main
from studio.core.settings import GGUF_AUTO_CONTEXT, Settings, load_settings, validate_setting
from studio.ui.settings.text_models import TextModelsPage
from tests.ui.test_settings_dialog import ok_button, open_dialog


def test_the_page_shows_auto_and_saves_numbers(window, qtbot, paths):
    dialog = open_dialog(window, qtbot)
    assert "Text models" in [dialog.nav.item(i).text() for i in range(dialog.nav.count())]
    page = dialog.page(TextModelsPage)
    assert page.context_length.text() == "auto" and page.gpu_layers.text() == "auto"
    assert str(GGUF_AUTO_CONTEXT) in page.field_widget("gguf_context_length").toolTip()
    page.context_length.setValue(100)  # below the shortest context: said inline, not saved
    assert page.errors() == {"gguf_context_length": validate_setting("gguf_context_length", 100)}
    page.context_length.setValue(2048)
    page.gpu_layers.setValue(0)
    assert page.errors() == {}
    ok_button(dialog).click()
    saved = load_settings(paths.settings_file)
    assert (saved.gguf_context_length, saved.gguf_gpu_layers) == (2048, 0)


def test_cli_takes_auto_and_refuses_bad_values(paths, monkeypatch, capsys):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(paths.root))
    assert main(["settings", "set", "gguf_context_length", "8192"]) == 0
    assert main(["settings", "set", "gguf_gpu_layers", "12"]) == 0
    assert (load_settings(paths.settings_file).gguf_context_length, load_settings(paths.settings_file).gguf_gpu_layers) \
        == (8192, 12)
    assert main(["settings", "set", "gguf_context_length", "auto"]) == 0
    assert main(["settings", "set", "gguf_gpu_layers", "AUTO"]) == 0
    saved = load_settings(paths.settings_file)
    assert (saved.gguf_context_length, saved.gguf_gpu_layers) == (Settings().gguf_context_length, -1)
    capsys.readouterr()
    assert main(["settings", "set", "gguf_context_length", "50"]) == 1
    err = capsys.readouterr().err
    assert "gguf_context_length" in err and "128" in err and err.count("\n") == 1
