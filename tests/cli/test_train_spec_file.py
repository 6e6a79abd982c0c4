"""`train … --spec-out job.json` writes the training spec and exits; `python -m studio.cli train --spec` reads it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.host_zygote import warm_cli

ROOT = Path(__file__).resolve().parents[2]


def cli(args, home: Path, module: bool = False) -> subprocess.CompletedProcess:
    """`python -m studio.cli ARGS` (``module``: a new interpreter), else `main.py ARGS` in a process forked from
    the session's warm parent (tests.fixtures.host_zygote)."""
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1")
    if not module:
        return warm_cli(list(args), env, 300)
    return subprocess.run([sys.executable, "-m", "studio.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=400)  # a hang guard: 120 s was reached under load 9-10


@pytest.mark.timeout(900)
def test_spec_out_writes_the_spec_without_training_and_spec_reads_it(tmp_path):
    home, job = tmp_path / "home", tmp_path / "job.json"
    proc = cli(["train", "ddpm", "--data", "digits", "--out", "my-ddpm", "--steps", "2", "--batch", "4", "--spec-out", str(job)], home)
    assert proc.returncode == 0, proc.stderr
    spec = json.loads(job.read_text(encoding="utf-8"))
    assert (spec["family"], spec["out"], spec["steps"]) == ("ddpm", "my-ddpm", 2)
    assert not (home / "models" / "my-ddpm").exists()  # nothing was trained
    trained = cli(["train", "--spec", str(job)], home, module=True)  # python -m studio.cli runs the same spec
    assert trained.returncode == 0, trained.stderr
    assert Path(trained.stdout.strip()) == home / "models" / "my-ddpm" and (home / "models" / "my-ddpm").is_dir()
    job.write_text(job.read_text(encoding="utf-8").replace('"steps": 2', '"steps": -1'), encoding="utf-8")
    bad = cli(["train", "--spec", str(job)], home, module=True)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "error:" in bad.stderr
    missing = cli(["train", "--data", "digits"], home)
    assert missing.returncode == 1 and "train needs FAMILY, --out (or --spec JSON)" in missing.stderr
