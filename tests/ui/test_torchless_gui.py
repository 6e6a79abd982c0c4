"""The window's process never imports torch: every kind of job runs in engine host processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.torchless_child import HOST_COMMAND_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_image_upscale_text_and_training_jobs_run_without_torch_in_the_gui_process(paths, tiny_sd_dir, tmp_path):
    from tests.text.tiny_lm import build_tiny_llama, save_smol_tokenizer

    llm = build_tiny_llama(tmp_path / "tiny-llama", save_smol_tokenizer(tmp_path / "tok"))
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root), OMP_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
    if sys.platform.startswith("linux"):  # the child's engine hosts are forked from this session's warm parent
        from tests.fixtures.host_zygote import warm_host_command

        env[HOST_COMMAND_ENV] = json.dumps(warm_host_command())
    proc = subprocess.run([sys.executable, "-m", "tests.ui.torchless_child", str(tiny_sd_dir), str(llm)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-4000:]
    report = json.loads(lines[0].removeprefix("REPORT "))
    assert report["states"] == {"image": "done", "train": "done", "text": "done", "upscale": "done"}, report
    assert report["canvas"] and report["upscaled_on_canvas"] and report["image_previews"] >= 1, report
    assert report["loaded_here"] == [], report  # torch, diffusers, transformers: only in the engine hosts
