"""The window in zh_CN: Chinese menus and workspaces, Qt's own buttons in Chinese, English as the fallback."""
from __future__ import annotations

import logging
import re

import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDialogButtonBox, QGroupBox, QLabel, QLineEdit,
                               QListWidget, QMenu, QPlainTextEdit, QTableView, QTableWidget, QTabWidget, QTextEdit,
                               QTreeView, QTreeWidget, QWidget)

from studio.core.settings import Settings

HAN = re.compile(r"[\u4e00-\u9fff]")
# Proper names, units, formats and model names that stay as they are in a Chinese window.
ALLOWED = {"AIGC", "Studio", "CLIP", "LoRA", "LoRAs", "VAE", "GAN", "CPU", "GPU", "CUDA", "MPS", "PNG", "JPEG",
           "WebP", "JSON", "SQLite", "px", "GiB", "MiB", "GB", "MB", "KB", "TAESD", "ETA", "Ctrl", "Shift", "Alt",
           "Enter", "Esc", "Del", "SD", "SDXL", "UNet", "DDIM", "DPM", "Euler", "PNDM", "LMS", "Heun", "UniPC",
           "Karras", "LCM", "TCD", "Hugging", "Face", "Hub", "Qt", "PySide", "Python", "PyTorch", "torch", "ESRGAN", "RealESRGAN",
           "x4plus", "animevideov3", "safetensors", "ckpt", "Fashion", "Faces", "img2img", "txt2img", "inpaint",
           "CFG", "FID", "KID", "IS", "GPT", "LLM", "Tab", "PgUp", "PgDown", "Space", "it", "s", "ms", "min", "fp16",
           "bf16", "fp32", "XL", "DreamBooth", "README", "URL", "ID", "AI", "BPE", "OK", "Linux", "Windows", "macOS",
           "Adam", "DDPM", "DCGAN", "MNIST", "Fashion-MNIST", "dcgan", "mlp", "Top-k", "Top-p", "Min-p",
           "x2", "x3", "x4", "x4plus-anime", "SmolLM2", "SmolLM2-135M-Instruct", "GGUF",
           "AutoV2", "English", "auto", "cpu", "cuda", "mps"}  # a hash format, a language's own name, devices
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]")


def _texts(widget: QWidget) -> list[str]:
    """What a person reads on ``widget``: its text, title, placeholder, tooltip, items."""
    out = [widget.toolTip()]
    if isinstance(widget, (QAbstractButton, QLabel)):
        out.append(widget.text())
    if isinstance(widget, QGroupBox):
        out.append(widget.title())
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        out.append(widget.placeholderText())
    if isinstance(widget, QComboBox):
        out += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTabWidget):
        out += [widget.tabText(i) for i in range(widget.count())]
    if isinstance(widget, (QTableView, QTreeView)) and not isinstance(widget, (QTableWidget, QTreeWidget)) \
            and widget.model() is not None:
        model = widget.model()
        out += [str(model.headerData(c, Qt.Orientation.Horizontal) or "")
                for c in range(model.columnCount(QModelIndex()))]
    if isinstance(widget, QListWidget):
        out += [widget.item(i).text() for i in range(widget.count())]
    if isinstance(widget, QMenu):
        out += [a.text() for a in widget.actions()] + [a.toolTip() for a in widget.actions() if a.text()]
    return out


def leftover_english(root: QWidget) -> list[str]:
    """Visible texts with English words outside ALLOWED (what is still untranslated)."""
    found = set()
    for w in [root, *root.findChildren(QWidget)]:
        for text in _texts(w):
            # A text with Chinese in it is translated (model names and example prompts stay as they are);
            # JSON examples are code.
            if not text or HAN.search(text) or text.lstrip().startswith(("{", "/")):  # JSON and paths are data
                continue
            words = [m for m in WORD.findall(text.replace("&", "")) if m not in ALLOWED]
            if words:
                found.add(text.strip()[:80])
    return sorted(found)


@pytest.fixture()
def chinese(qtbot):
    from studio.app import install_translators

    app = QCoreApplication.instance()
    installed = install_translators(app, "zh_CN")
    yield installed
    for t in installed:
        app.removeTranslator(t)


def test_the_window_in_chinese_has_chinese_menus_and_workspaces(qtbot, paths, chinese):
    from studio.ui.main_window import MainWindow

    assert len(chinese) == 2  # the studio's catalogue and Qt's own
    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.ensure_workspaces()
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus and all(HAN.search(m) for m in menus), menus
    tabs = [w.workspaces.tabText(i) for i in range(w.workspaces.count())]
    assert all(HAN.search(t) for t in tabs), tabs
    assert HAN.search(w.prompt_editor.generate_button.text())
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"  # qt_zh_CN.qm
    # A string added without its translation fails here: run tools/i18n.py update, translate, build.
    left = leftover_english(w)
    for menu in w.menuBar().findChildren(QMenu):
        left += leftover_english(menu)
    from studio.ui.settings.dialog import SettingsDialog
    from studio.ui.settings.page import SettingsContext

    dialog = SettingsDialog(SettingsContext(paths), w)
    assert HAN.search(dialog.windowTitle())
    left += leftover_english(dialog)
    w.scanner.wait()
    assert left == [], f"{len(left)} texts with English left in the zh_CN window: {left[:20]}"


def test_a_damaged_studio_catalogue_falls_back_to_english_with_a_log_line(qtbot, paths, tmp_path, caplog):
    from studio.app import install_translators
    from studio.ui.main_window import MainWindow

    (tmp_path / "studio_zh_CN.qm").write_bytes(b"\x3c\xb8\x64\x18 not a catalogue")
    app = QCoreApplication.instance()
    with caplog.at_level(logging.WARNING):
        installed = install_translators(app, "zh_CN", folder=tmp_path)
    try:
        assert "studio_zh_CN.qm missing or damaged" in caplog.text
        w = MainWindow(paths, Settings())
        qtbot.addWidget(w)
        assert w.menuBar().actions()[0].text() == "&File"
        w.scanner.wait()
    finally:
        for t in installed:
            app.removeTranslator(t)


def test_an_unknown_language_installs_nothing_and_stays_english(qtbot, caplog):
    from studio.app import install_translators

    with caplog.at_level(logging.WARNING):
        assert install_translators(QCoreApplication.instance(), "tlh") == []
    assert "unknown language 'tlh'" in caplog.text


def test_settings_has_a_language_page_that_saves_the_choice(qtbot, paths):
    from studio.ui.settings.dialog import SettingsDialog
    from studio.ui.settings.language import LanguagePage
    from studio.ui.settings.page import SettingsContext

    dialog = SettingsDialog(SettingsContext(paths), None)
    qtbot.addWidget(dialog)
    page = dialog.page(LanguagePage)
    combo = page.language
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert "简体中文" in labels and "English" in labels
    combo.set_value("zh_CN")
    assert page.values() == {"language": "zh_CN"} and not page.errors()
