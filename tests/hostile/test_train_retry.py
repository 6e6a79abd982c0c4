"""Retrying an interrupted training continues from its last checkpoint; a new run of the same name never
overwrites the earlier run's checkpoint. Through the real CLI (`queue run`, killed with SIGKILL)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.store.queue import QueueStore
from studio.core.specs.training import TrainSpec

ROOT = Path(__file__).resolve().parents[2]
# Enough steps that the orphaned engine cannot finish the training before it notices its studio died.
SPEC = TrainSpec(family="gan", data="digits", out="retry-gan", steps=400, batch=8, lr=2e-4, size=16, seed=1,
                 sample_every=0, checkpoint_every=5, params={"features": 8, "latent_dim": 8, "limit": 64})


def _checkpoint_step(path: Path) -> int:
    from studio.engines.training.checkpoint import load_checkpoint

    return int(load_checkpoint(path)["step"])


@pytest.mark.slow  # three studio processes importing torch (~40 s on a loaded 2-core machine)
def test_retry_resumes_from_the_checkpoint(paths, cli):
    store = QueueStore(paths.queue_db)
    job = store.add(SPEC)
    ckpt = paths.training / SPEC.out / "checkpoint.safetensors"
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "main.py", "queue", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not ckpt.is_file() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        time.sleep(0.05)  # let the atomic rename finish
    finally:
        proc.send_signal(signal.SIGKILL)  # the studio dies mid-training
        proc.wait()
    # The engine host process notices its studio is gone (stdin closes), cancels the training and
    # saves one more checkpoint: wait until the checkpoint stops changing.
    step, stable_since, deadline = _checkpoint_step(ckpt), time.monotonic(), time.monotonic() + 60
    while time.monotonic() - stable_since < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = _checkpoint_step(ckpt)
        if now != step:
            step, stable_since = now, time.monotonic()
    assert 5 <= step < SPEC.steps

    retried = cli("queue", "retry", str(job))
    assert retried.returncode == 0, retried.stderr
    new_id = int(re.search(r"as job (\d+)", retried.stdout).group(1))
    assert store.get(new_id).spec.resume == "last"
    ran = cli("queue", "run")
    assert ran.returncode == 0, ran.stderr
    resumed = re.search(r"Resumed from .* at step (\d+)", ran.stderr)
    assert resumed and int(resumed.group(1)) == step, ran.stderr
    assert store.get(new_id).state == "done" and _checkpoint_step(ckpt) == SPEC.steps



def test_a_new_run_of_the_same_name_keeps_the_earlier_checkpoint(paths):
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec

    ctx = EngineContext.create(paths, Settings(device="cpu"))
    first = SPEC.replace(steps=5)
    run_spec(first, NullReporter(), CancelToken(), ctx)
    ckpt = paths.training / SPEC.out / "checkpoint.safetensors"
    assert _checkpoint_step(ckpt) == 5
    reporter = NullReporter()
    run_spec(SPEC.replace(steps=3, overwrite=True), reporter, CancelToken(), ctx)  # not a resume
    [kept] = sorted(ckpt.parent.glob("checkpoint-earlier-*.safetensors"))
    assert _checkpoint_step(kept) == 5 and _checkpoint_step(ckpt) == 3
    assert any("kept as" in m for m in reporter.messages)
