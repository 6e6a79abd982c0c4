"""studio.core.about: versions for the About dialog, read from metadata without importing the libraries."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from studio import APP_NAME, __version__
from tests.packaging.conftest import ROOT


def test_version_info_lists_app_python_and_library_versions():
    from studio.core.about import format_version_info, version_info

    info = version_info(device="cpu")
    assert info["app"] == APP_NAME and info["version"] == __version__
    assert info["build"] == "source checkout"
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert info["torch"] == metadata.version("torch") and info["diffusers"] == metadata.version("diffusers")
    assert info["transformers"] == metadata.version("transformers")
    assert info["Qt (PySide6)"] == metadata.version("PySide6_Essentials")
    assert info["device"] == "cpu"
    text = format_version_info(info)
    assert text.splitlines()[1].split() == ["version", __version__]


def test_version_info_imports_neither_torch_nor_qt():
    code = ("import sys; from studio.core.about import version_info; version_info(); "
            "print(sorted(m for m in ('torch', 'diffusers', 'transformers', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
