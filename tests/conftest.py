"""Shared fixtures: a fresh studio home per test, offscreen Qt, and one torch thread per process."""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# CLI commands run their jobs in the test's own process (the named in-process path, studio.cli.in_process), so
# most CLI tests start no engine host; tests/cli/test_cli_host.py runs the CLI through a real host.
os.environ.setdefault("AIGC_STUDIO_IN_PROCESS", "1")

pytest_plugins = ["tests.fixtures.tiny_models"] if (ROOT / "tests" / "fixtures" / "tiny_models.py").exists() else []


def pytest_collection_modifyitems(config, items) -> None:
    """Files with slow tests first, then the files with most tests; each file's tests stay together, in order.

    `dev.py test` hands whole files to its pytest-xdist workers in this order (``--no-loadscope-reorder``):
    the long files start early instead of running alone at the end while the other worker is idle.
    """
    slow: Counter[str] = Counter()
    size: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        file = item.nodeid.split("::", 1)[0]
        first.setdefault(file, i)
        size[file] += 1
        slow[file] += item.get_closest_marker("slow") is not None

    def key(item) -> tuple[int, int, int]:
        file = item.nodeid.split("::", 1)[0]
        return -slow[file], -size[file], first[file]

    items.sort(key=key)


@pytest.fixture(autouse=True)
def studio_home(tmp_path, monkeypatch) -> Path:
    """Every test runs against a fresh, empty studio home (and an empty HF cache)."""
    home = tmp_path / "studio-home"
    home.mkdir()
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    return home


@pytest.fixture()
def paths(studio_home):
    from studio.core.paths import StudioPaths

    return StudioPaths(studio_home)


@pytest.fixture(autouse=True)
def english_core_messages():
    """A test that switched the core catalogue's language (CLI --lang, the GUI's start-up) leaves English."""
    yield
    from studio.core.i18n import current_language

    if current_language() != "en":
        from studio.core.language import use_language

        use_language("en")


@pytest.fixture(autouse=True)
def no_network_guard_left():
    """A test that ran the CLI in this process (it installs the network guard) leaves the sockets as they were."""
    yield
    from studio.core import netguard

    netguard.uninstall()
