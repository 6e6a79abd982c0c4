"""The Linux tarball's menu entry and its install/uninstall scripts, run against a throw-away home."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess

from tests.packaging.conftest import PACKAGING, ROOT

LINUX = PACKAGING / "linux"


def read_desktop(path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_has_name_exec_icon_and_categories():
    entry = read_desktop(LINUX / "aigc-studio.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "AIGC Studio"
    assert entry["Exec"] == "AIGC-Studio" and entry["Icon"] == "aigc-studio" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Graphics" in entry["Categories"]


def test_install_adds_menu_entry_icon_and_command_then_uninstall_removes_them(tmp_path):
    app = tmp_path / "AIGC Studio 0.1"  # a folder name with a space: Exec must be quoted
    app.mkdir()
    for name in ("aigc-studio.desktop", "install.sh", "uninstall.sh"):
        shutil.copy2(LINUX / name, app / name)
    shutil.copy2(ROOT / "resources" / "icons" / "studio-256.png", app / "aigc-studio.png")
    exe = app / "AIGC-Studio"
    exe.write_text("#!/bin/sh\necho studio \"$@\"\n")
    exe.chmod(0o755)
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    done = subprocess.run(["sh", str(app / "install.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    installed = home / ".local/share/applications/aigc-studio.desktop"
    entry = read_desktop(installed)
    assert entry["Exec"] == f'"{exe}"' and entry["TryExec"] == str(exe) and entry["Name"] == "AIGC Studio"
    assert (home / ".local/share/icons/hicolor/256x256/apps/aigc-studio.png").read_bytes() == \
        (app / "aigc-studio.png").read_bytes()
    link = home / ".local/bin/aigc-studio"
    assert subprocess.run([str(link), "self-test"], capture_output=True, text=True).stdout.strip() == "studio self-test"

    gone = subprocess.run(["sh", str(app / "uninstall.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert gone.returncode == 0, gone.stderr
    assert not installed.exists() and not link.exists() and exe.exists()
