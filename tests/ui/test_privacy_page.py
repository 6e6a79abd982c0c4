"""Settings → Privacy shows the network guard's audit log (counts since installation and since the studio started,
the latest attempts first), and Settings → Engine edits the TLS fingerprint and the serving limits."""
from __future__ import annotations

import socket

import pytest

from studio.core import netguard
from studio.core.settings import load_settings
from studio.ui.settings.dialog import SettingsDialog
from studio.ui.settings.engine import EnginePage
from studio.ui.settings.page import SettingsContext
from studio.ui.settings.privacy import PrivacyPage


@pytest.fixture()
def guarded(paths):
    netguard.install(paths, "window")
    yield paths
    netguard.uninstall()


def test_the_privacy_page_counts_and_lists_the_attempts(qtbot, guarded):
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.9", 80), timeout=1)
    netguard.record_start()
    with netguard.allowing("remote engine 127.0.0.1:1", hosts={"127.0.0.1"}):
        socket.socket().connect_ex(("127.0.0.1", 1))
    dialog = SettingsDialog(SettingsContext(guarded))
    qtbot.addWidget(dialog)
    dialog.show_page(PrivacyPage)
    page = dialog.page(PrivacyPage)
    assert page.total.text() == "0 made, 1 allowed (downloads, remote engine), 1 refused"
    assert page.session.text() == "0 made, 1 allowed (downloads, remote engine), 0 refused"
    assert "Offline mode is on" in page.mode.text()
    assert page.table.rowCount() == 2
    assert page.table.item(0, 1).text() == "allowed" and page.table.item(0, 4).text() == "remote engine 127.0.0.1:1"
    assert page.table.item(1, 2).text() == "connect 192.0.2.9:80" and "test_privacy_page" in page.table.item(1, 3).text()
    with pytest.raises(OSError):
        socket.getaddrinfo("example.net", 80)
    page.refresh_button.click()
    assert page.table.rowCount() == 3 and page.session.text().endswith("1 refused")


def test_the_engine_page_saves_the_fingerprint_and_refuses_a_bad_one(qtbot, paths):
    dialog = SettingsDialog(SettingsContext(paths))
    qtbot.addWidget(dialog)
    page = dialog.page(EnginePage)
    page.fingerprint.setText("ab" * 31)
    assert "64 hexadecimal digits" in page.errors()["engine_tls_fingerprint"]
    page.fingerprint.setText("ab" * 32)
    page.max_connections.setValue(3)
    page.idle.setValue(60)
    assert not page.errors()
    dialog.accept()
    saved = load_settings(paths.settings_file)
    assert (saved.engine_tls_fingerprint, saved.engine_max_connections, saved.engine_idle_timeout_s) == (
        "ab" * 32, 3, 60.0)
