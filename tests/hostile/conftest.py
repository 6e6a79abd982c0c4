"""Fixtures for the hostile-input tests: the real CLI in a subprocess on the test's fresh studio home."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """``main.py ARGS`` with ``home`` as the studio home; stdout/stderr captured as text."""
    full_env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", **(env or {}))
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def cli(studio_home):
    """Run the CLI on the test's studio home: ``cli("queue", "list")``."""
    return lambda *args, **kw: run_cli(studio_home, *args, **kw)
