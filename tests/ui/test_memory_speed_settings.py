"""Settings → Memory & speed in the window and `settings set` on the CLI write the same settings."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.core.specs.memory_modes import MEMORY_MODES, SPEED_MODES
from studio.core.settings import load_settings
from studio.ui.settings.memory_speed import MemorySpeedPage
from tests.ui.test_settings_dialog import ok_button, open_dialog

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_saves_memory_and_speed_modes(window, qtbot, paths):
    dialog = open_dialog(window, qtbot)
    assert "Memory & speed" in [dialog.nav.item(i).text() for i in range(dialog.nav.count())]
    page = dialog.page(MemorySpeedPage)
    assert page.memory.value() == "auto" and page.speed.value() == "off"
    # Every mode core knows is offered, each with its own label (not the bare name).
    for combo, modes in ((page.memory, MEMORY_MODES), (page.speed, SPEED_MODES)):
        assert [combo.itemData(i) for i in range(combo.count())] == list(modes)
        assert all(combo.itemText(i) != combo.itemData(i) for i in range(combo.count()))
    cache = page.speed.itemText(page.speed.findData("cache"))
    assert "faster, slightly different image" in cache and "UNet" in cache
    page.memory.set_value("offload")
    page.speed.set_value("fused_qkv")
    ok_button(dialog).click()
    saved = load_settings(paths.settings_file)
    assert (saved.memory_mode, saved.speed_mode) == ("offload", "fused_qkv")


def test_cli_sets_the_modes_and_refuses_unknown_ones(paths):
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root))

    def cli(*args):
        return subprocess.run([sys.executable, "main.py", "settings", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)

    assert cli("set", "memory_mode", "vae").returncode == 0
    assert load_settings(paths.settings_file).memory_mode == "vae"
    bad = cli("set", "speed_mode", "turbo")
    assert bad.returncode != 0 and "Unknown speed mode 'turbo'" in bad.stderr
