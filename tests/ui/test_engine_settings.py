"""Engine-process settings: Settings → Engine in the window and `settings set` on the CLI, one file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.core.settings import load_settings
from studio.ui.settings.engine import EnginePage
from tests.ui.test_settings_dialog import ok_button, open_dialog

ROOT = Path(__file__).resolve().parents[2]


def test_the_engine_page_saves_lanes_processes_and_the_cancel_grace(window, qtbot, paths):
    dialog = open_dialog(window, qtbot)
    page = dialog.page(EnginePage)
    assert "Engine" in [dialog.nav.item(i).text() for i in range(dialog.nav.count())]
    assert page.grace.value() == 5.0 and not page.shared.isChecked() and page.hosts.value() == 1
    page.hosts.setValue(2)
    page.shared.setChecked(True)
    page.grace.setValue(1.5)
    page.prewarm.setChecked(False)
    ok_button(dialog).click()
    saved = load_settings(paths.settings_file)
    assert (saved.workers_per_device, saved.shared_lane, saved.cancel_grace_s, saved.engine_prewarm) == (
        2, True, 1.5, False)
    assert window.settings.cancel_grace_s == 1.5


def test_cli_sets_the_same_engine_settings(paths):
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root))

    def cli(*args):
        return subprocess.run([sys.executable, "main.py", "settings", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    assert cli("set", "shared_lane", "on").returncode == 0
    assert cli("set", "cancel_grace_s", "2").returncode == 0
    saved = load_settings(paths.settings_file)
    assert saved.shared_lane and saved.cancel_grace_s == 2.0
    bad = cli("set", "cancel_grace_s", "-1")
    assert bad.returncode != 0 and "Expected seconds from 0 to 600" in bad.stderr
