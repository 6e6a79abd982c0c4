"""`dev.py run` checks Qt's xcb dependencies before opening the window (installs them as root, else says how)."""
from __future__ import annotations

import ctypes
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("_aigc_dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


LDD = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007ff8)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007ff8)
\tlibxcb-icccm.so.4 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_not_found_libraries_become_the_debian_packages_to_install(dev):
    sonames = dev.unresolved_libraries(LDD)
    assert sonames == ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libxcb-keysyms.so.1"]
    assert [dev.debian_package(n) for n in sonames] == ["libxcb-icccm4", "libxkbcommon-x11-0", "libxcb-keysyms1"]
    assert dev.debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    # Every package the window needs is in the list `dev.py package` installs for the bundle.
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= set(dev.QT_XCB_PACKAGES)


@pytest.mark.skipif(not shutil.which("ldd"), reason="needs ldd (Linux)")
def test_the_check_on_this_machine_names_exactly_the_libraries_the_loader_cannot_find(dev):
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        pytest.skip("this PySide6 has no xcb plugin")
    missing = dev.missing_qt_xcb_packages(plugin)
    deps = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    for line in deps.splitlines():
        name = line.strip().partition(" ")[0]
        if not name.startswith(("libxcb", "libxkb", "libX11")):
            continue
        try:
            ctypes.CDLL(name)
            loads = True
        except OSError:
            loads = False
        assert (dev.debian_package(name) in missing) == (not loads), name


def test_without_root_it_prints_the_exact_command_and_does_not_start(dev, monkeypatch, capsys):
    monkeypatch.setattr(dev, "missing_qt_xcb_packages", lambda plugin=None: ["libxcb-icccm4", "libxcb-keysyms1"])
    assert dev.ensure_qt_xcb(is_root=False) is False
    assert "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1" in capsys.readouterr().out
    monkeypatch.setattr(dev, "missing_qt_xcb_packages", lambda plugin=None: [])
    assert dev.ensure_qt_xcb(is_root=False) is True
