"""`python main.py generate image` in a real subprocess (forked from a warm parent: tests.fixtures.host_zygote)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.core.pngmeta import read_png_parameters, read_png_text
from tests.fixtures.host_zygote import warm_cli
from tests.fixtures.tiny_models import build_tiny_sd

ROOT = Path(__file__).resolve().parents[2]


def cli(args, home: Path, timeout: int = 240, fresh: bool = False) -> subprocess.CompletedProcess:
    """`main.py generate image ARGS` in its own process, forked from the session's warm parent (torch imported),
    or with ``fresh`` a new interpreter."""
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    if fresh:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "generate", "image", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=timeout)
    return warm_cli(["generate", "image", *args], env, timeout)


def test_cli_writes_pngs_and_prints_their_paths(tiny_sd_dir, studio_home, tmp_path):
    out = tmp_path / "wanted.png"
    proc = cli(["--prompt", "a (red:1.2) cat", "--negative", "blurry", "--model", str(tiny_sd_dir), "--seed", "42",
                "--steps", "2", "--width", "64", "--height", "64", "--scheduler", "euler_a", "--guidance", "4",
                "--batch", "2", "--out", str(out)], studio_home)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.split()
    assert printed == [str(tmp_path / "wanted-1.png"), str(tmp_path / "wanted-2.png")]
    seeds = [read_png_parameters(p).seed for p in printed]
    assert seeds == [42, 43]
    spec = read_png_parameters(printed[0])
    assert (spec.prompt, spec.negative_prompt, spec.scheduler, spec.guidance) == ("a (red:1.2) cat", "blurry", "euler_a", 4.0)
    assert Image.open(printed[0]).size == (64, 64)
    # The originals are in the studio's outputs folder as well.
    assert len(list((studio_home / "outputs").rglob("*.png"))) == 2


def test_cli_bad_width_is_one_line_on_stderr(tiny_sd_dir, studio_home):
    proc = cli(["--prompt", "x", "--model", str(tiny_sd_dir), "--width", "100"], studio_home, timeout=60)
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert lines == ["error: Width must be a multiple of 8 (got 100); try 96."]


def test_cli_missing_model_is_one_line_on_stderr(studio_home, tmp_path):
    proc = cli(["--prompt", "x", "--model", str(tmp_path / "no" / "such"), "--width", "64", "--height", "64"],
               studio_home, timeout=120)
    assert proc.returncode != 0
    errors = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
    assert len(errors) == 1 and "does not exist" in errors[0]


@pytest.mark.timeout(900)  # a cold torch.compile (empty inductor cache): ~50 CPU-s, minutes on a loaded machine
def test_cli_memory_mode_is_used_and_recorded(tiny_sd_dir, studio_home, tmp_path):
    proc = cli(["--prompt", "a cat", "--model", str(tiny_sd_dir), "--seed", "1", "--steps", "1", "--width", "64",
                "--height", "64", "--memory-mode", "vae", "--speed-mode", "channels_last"], studio_home)
    assert proc.returncode == 0, proc.stderr
    spec = read_png_parameters(proc.stdout.split()[0])
    assert (spec.memory_mode, spec.speed_mode) == ("vae", "channels_last")
    assert "Memory mode: vae, Speed mode: channels_last" in read_png_text(proc.stdout.split()[0])["parameters"]
    # A cold compile (a new interpreter, an empty inductor cache) of a one-block UNet: resnets, cross-attention
    # and the mid block as in the two-block tiny UNet, without its down/up-sampling and plain blocks, so 27 C++
    # kernels for inductor to build instead of 45 (~1 CPU-s of g++ each; 51 CPU-s for the compile, not 83).
    one_block = build_tiny_sd(tmp_path / "one-block-sd", unet_channels=(32,))
    bad = cli(["--prompt", "x", "--model", str(one_block), "--speed-mode", "compile", "--width", "64",
               "--height", "64", "--steps", "1"], studio_home, timeout=600, fresh=True)  # inductor's own workers
    # compile is possible here (a C++ compiler exists) or refused in one line: never a traceback.
    assert "Traceback" not in bad.stderr


def test_cli_backend_flag_reaches_the_engine_and_a_fallback_is_one_line(tiny_sd_dir, studio_home):
    """--backend openvino at a size the tiny UNet's traced graph cannot take: PyTorch makes it, one line says why."""
    proc = cli(["--prompt", "a cat", "--model", str(tiny_sd_dir), "--seed", "1", "--steps", "1", "--width", "72",
                "--height", "64", "--backend", "openvino"], studio_home)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "OpenVINO" in line]
    assert len(lines) == 1 and "made with PyTorch" in lines[0], proc.stderr
    installed = all(importlib.util.find_spec(name) for name in ("openvino", "nncf"))
    assert ("multiples of 16 px" if installed else "is not installed") in lines[0]
    assert "Backend" not in read_png_text(proc.stdout.split()[0])["parameters"]  # it ran on PyTorch
