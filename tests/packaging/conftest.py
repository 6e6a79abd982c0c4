"""Helpers for the packaging tests: the packaging/ folder's modules are loaded by path (it is not a package:
a ``packaging/__init__.py`` would shadow the PyPI ``packaging`` library)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load_packaging_module(name: str):
    spec = importlib.util.spec_from_file_location(f"_aigc_packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def cfg():
    """packaging/bundle_config.py: what goes into the bundle."""
    return load_packaging_module("bundle_config")
