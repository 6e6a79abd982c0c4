"""Batch jobs under a launch: `generate dataset` run by 2 real CPU processes (torchrun, gloo) makes the same
files, seeds and history rows as one process; a process that dies loses nothing already made."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.fixtures.host_zygote import warm_cli

ROOT = Path(__file__).resolve().parents[2]
DATASET = ["generate", "dataset", "--model", "Studio Fashion", "--prompt", "a red dress", "--prompt", "a blue shoe",
           "--count", "3", "--steps", "2", "--seed", "7"]
LAUNCH = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "studio.cli"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    # One thread per process in both runs (torchrun's own default), so the arithmetic is the same.
    return dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", **extra)


def _history(home: Path) -> list[dict]:
    """The history rows, with what differs between two studio homes and two runs (home, time) left out."""
    with sqlite3.connect(home / "queue.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT kind, media, path, seed, model, prompt, spec_json, info_json"
                                              " FROM gallery ORDER BY id")]
    for r in rows:
        r["path"] = str(Path(r["path"]).relative_to(home))
        info = json.loads(r.pop("info_json"))
        r["images"] = info.get("images")
    return rows


def _pixels(folder: Path) -> dict[str, bytes]:
    return {p.name: (np.asarray(Image.open(p)).tobytes() if p.suffix == ".png" else p.read_bytes())
            for p in sorted(folder.iterdir())}


def test_one_process_is_a_launch_of_one():
    from studio.core.launch import launch_tag
    from studio.engines.launch import Launch, merge_indexed

    launch = Launch()
    assert (launch.rank, launch.size, launch.is_main, launch.distributed) == (0, 1, True, False)
    assert launch.share(5) == [0, 1, 2, 3, 4] and launch.gather("x") == ["x"] and launch.broadcast(3) == 3
    assert launch_tag() == ""
    assert merge_indexed([[(0, "a"), (1, "b")], [(3, "d")], [(2, "c")]]) == ["a", "b", "c", "d"]


@pytest.mark.slow
@pytest.mark.timeout(1800)  # three launches of the studio: ~14 min on this 2-core machine under load 20
def test_two_gloo_processes_make_the_dataset_one_process_makes(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    # The one-process run: `main.py` forked from the session's warm parent (torch imported once; one thread, as
    # in the launch: tests.fixtures.host_zygote); the launches below start their real interpreters.
    single = warm_cli([*DATASET, "--out", "aug"], _env(one), 600)
    assert single.returncode == 0, single.stderr[-3000:]
    launch = subprocess.run([*LAUNCH, *DATASET, "--out", "aug"], cwd=ROOT, env=_env(two), capture_output=True,
                            text=True, timeout=600)
    assert launch.returncode == 0, (launch.stdout + launch.stderr)[-3000:]
    assert "2 processes share the 6 images (3 in this one)" in launch.stderr
    assert single.stdout.split() == [str(one / "datasets" / "aug")]
    assert launch.stdout.split() == [str(two / "datasets" / "aug")]  # only the main process prints
    files = _pixels(one / "datasets" / "aug")
    assert sorted(files) == [f"{p:03d}-{k:05d}.{e}" for p in range(2) for k in range(3) for e in ("png", "txt")]
    assert _pixels(two / "datasets" / "aug") == files  # the same seeds give the same pixels and captions
    assert _history(two) == _history(one) and len(_history(one)) == 1  # recorded once, by the main process
    assert [p.name for p in (two / "datasets").iterdir()] == ["aug"]  # no work folder left behind

    # Process 1 dies after its first image: one line names it and where the finished images are; the dataset
    # is not made, nothing recorded, and what was there (the first dataset, its history) is untouched.
    lost = subprocess.run([*LAUNCH, *DATASET, "--out", "aug2"], cwd=ROOT, capture_output=True, text=True,
                          env=_env(two, STUDIO_INJECT_LAUNCH_EXIT="1:1"), timeout=600)
    assert lost.returncode != 0 and lost.stdout == ""
    lines = [line for line in lost.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Process 0 of 2 lost the other processes of the launch" in lines[0], lost.stderr[-3000:]
    kept = Path(lines[0].rsplit(" kept in ", 1)[1].rstrip("."))
    assert kept.parent == two / "datasets" and not (two / "datasets" / "aug2").exists()
    made = sorted(p.name for p in kept.glob("*.png"))
    # Process 1's first image is kept. Process 0 may not have finished one of its own yet (it stops at the next
    # item when torchrun ends the launch): on a quiet machine it is often still loading the model.
    assert "001-00000.png" in made
    for name in made:
        assert _pixels(kept)[name] == files[name]
    assert _pixels(two / "datasets" / "aug") == files and _history(two) == _history(one)
