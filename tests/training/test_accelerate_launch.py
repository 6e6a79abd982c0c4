"""Training through accelerate: a tiny DDPM spec written with --spec-out, trained by 2 real CPU processes
(torchrun, gloo), ends with the same weights on both ranks and a model the studio generates with."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ["train", "ddpm", "--data", "digits", "--out", "dist-ddpm", "--steps", "3", "--batch", "4", "--size", "16",
        "--param", "channels=[16,32]", "--param", "layers_per_block=1", "--param", "attention_levels=[false,true]",
        "--param", "log_every=1", "--checkpoint-every", "0"]


@pytest.mark.slow
def test_two_gloo_processes_train_one_ddpm_with_equal_weights_that_the_studio_loads(tmp_path, studio_home):
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1")
    job = tmp_path / "job.json"
    wrote = subprocess.run([sys.executable, str(ROOT / "main.py"), *SPEC, "--spec-out", str(job)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert wrote.returncode == 0, wrote.stderr
    launch = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                             "-m", "studio.cli", "train", "--spec", str(job)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = launch.stdout + launch.stderr
    assert launch.returncode == 0, out[-3000:]
    digests = dict(re.findall(r"Process (\d) of 2: weights sha256 ([0-9a-f]{64})", out))
    assert set(digests) == {"0", "1"}, out[-3000:]  # really two processes, each reporting its own weights
    assert digests["0"] == digests["1"], "both ranks end with the same weights"
    assert "accelerate: 2 process(es)" in out and out.count("Checkpoint saved") == 1  # only the main one writes
    folder = studio_home / "models" / "dist-ddpm"
    assert launch.stdout.strip().splitlines() == [str(folder)]  # only the main process prints the model

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec
    from studio.engines.training.accel import weights_digest
    from studio.engines.training.checkpoint import load_checkpoint
    from PIL import Image

    # The checkpoint the main process wrote holds the weights both ranks reported.
    state = load_checkpoint(studio_home / "training" / "dist-ddpm")
    assert state["step"] == 3

    class _Sd:
        def __init__(self, sd):
            self.sd = sd

        def state_dict(self):
            return self.sd

    assert weights_digest({k: _Sd(v) for k, v in state["modules"].items()}) == digests["0"]
    ctx = EngineContext.create(StudioPaths(studio_home), Settings(scan_hf_cache=False), device="cpu")
    result = run_spec(ImageSpec(model="dist-ddpm", seed=3, steps=3), NullReporter(), CancelToken(), ctx)
    image = np.asarray(Image.open(result.outputs[0]).convert("L"), dtype=np.float32)
    assert image.shape == (16, 16) and image.std() > 1.0
