"""Settings → Language applies at a restart, and says so: on OK the window offers "Restart now", which closes it
(as Quit does) and starts the studio again without a one-run --lang, so the saved language is spoken."""
from __future__ import annotations

import sys
import time

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from studio.core.settings import Settings


@pytest.fixture()
def window(qtbot, paths):
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    yield w
    w.scanner.wait()


def _question(w) -> QMessageBox:
    box = w.findChild(QMessageBox, "restart_question")
    assert box is not None and box.isVisible()
    return box


def test_a_new_language_offers_restart_now_which_closes_and_asks_for_a_restart(qtbot, window):
    window.apply_settings(window.settings.replace(language="zh_CN"))
    box = _question(window)
    assert "restart" in box.text().lower()
    with qtbot.waitSignal(window.restart_requested, timeout=2000):
        box.findChild(QAbstractButton, "restart_now").click()
    assert window.wants_restart and not window.isVisible()


def test_later_keeps_the_window_and_the_same_settings_ask_nothing(qtbot, window):
    window.apply_settings(window.settings.replace(language="zh_CN"))
    _question(window).findChild(QAbstractButton, "restart_later").click()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "restart_question") is None, timeout=2000)
    assert window.isVisible() and not window.wants_restart
    window.apply_settings(window.settings.replace(theme="dark"))  # no language change: no question
    assert window.findChild(QMessageBox, "restart_question") is None


def test_a_running_training_can_keep_the_window_open(qtbot, window, monkeypatch):
    monkeypatch.setattr(window, "confirm_quit", lambda: False)  # the user answers Cancel to "Quit while training?"
    assert window.restart() is False
    assert window.isVisible() and not window.wants_restart


def test_the_language_page_says_it_applies_at_a_restart_in_chinese(qtbot, paths):
    from studio.app import install_translators
    from studio.ui.settings.dialog import SettingsDialog
    from studio.ui.settings.language import LanguagePage
    from studio.ui.settings.page import SettingsContext

    app = QCoreApplication.instance()
    installed = install_translators(app, "zh_CN")
    try:
        dialog = SettingsDialog(SettingsContext(paths), None)
        qtbot.addWidget(dialog)
        texts = [label.text() for label in dialog.page(LanguagePage).findChildren(type(dialog.summary))]
        assert any("重启" in t for t in texts), texts
    finally:
        for t in installed:
            app.removeTranslator(t)


def test_the_restart_command_drops_a_one_run_language_and_starts_a_real_process(tmp_path):
    from studio.app import relaunch, restart_command

    assert restart_command(["main.py", "--lang", "zh_CN", "gui"], frozen=False) == [sys.executable, "main.py", "gui"]
    assert restart_command(["--lang=en", "gui"], frozen=True) == [sys.executable, "gui"]
    marker = tmp_path / "started"
    pid = relaunch([sys.executable, "-c", f"open({str(marker)!r}, 'w').write('yes')"])
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid > 0 and marker.read_text() == "yes"
