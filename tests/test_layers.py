"""The architecture holds: layers import only downwards, core is Qt/torch free, start-up is torch free."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    r = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "BROKEN" not in r.stdout and "KEPT" in r.stdout


def _modules_loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_imports_neither_torch_nor_qt():
    mods = _modules_loaded_after(
        "import pkgutil, importlib, studio.core\n"
        "for m in pkgutil.walk_packages(studio.core.__path__, 'studio.core.'): importlib.import_module(m.name)")
    assert "torch" not in mods
    assert "PySide6" not in mods


def test_cli_help_does_not_import_torch():
    mods = _modules_loaded_after("from studio.cli import build_parser; build_parser()")
    assert "torch" not in mods
