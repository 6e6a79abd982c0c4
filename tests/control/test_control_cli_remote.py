"""ControlNet units from the CLI (a real subprocess, forked from a warm parent) and through a remote engine (control images inline)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken, NullReporter
from studio.core.protocol.remote import get_input, input_keys, set_input
from studio.core.settings import Settings
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.core.specs.serial import spec_to_dict
from studio.jobs.remote_client import RemoteHostClient
from tests.fixtures.host_zygote import warm_cli

ROOT = Path(__file__).resolve().parents[2]


def cli(args, home: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """`main.py generate image ARGS` in its own process, forked from the session's warm parent (torch imported)."""
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    return warm_cli(["generate", "image", *args], env, timeout)


def test_cli_control_units_in_order_with_their_preprocessors(tiny_sd_dir, tiny_controlnet_dir, control_image,
                                                             studio_home):
    shutil.copytree(tiny_controlnet_dir, studio_home / "models" / "my-cn")
    proc = cli(["--prompt", "a cat", "--model", str(tiny_sd_dir), "--seed", "4", "--steps", "2", "--width", "64",
                "--height", "64", "--control", f"my-cn:{control_image}:0.7", "--control-preprocess", "canny",
                "--control", f"{tiny_controlnet_dir}:{control_image}", "--control-preprocess", "none",
                "--control-start", "0", "--control-start", "0.25"], studio_home)
    assert proc.returncode == 0, proc.stderr
    spec = read_png_parameters(proc.stdout.split()[0])
    assert spec.controls == (
        ControlUnit(model="my-cn", image=str(control_image), weight=0.7, preprocess="canny"),
        ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), weight=1.0, start=0.25))
    text = read_png_text(proc.stdout.split()[0])["parameters"]
    assert 'ControlNet 0: "Module: canny, Model: my-cn' in text and 'ControlNet 1: "Module: none, Model: tiny-cn' in text


def test_cli_bad_control_inputs_are_one_line(tiny_sd_dir, tiny_controlnet_dir, tiny_sdxl_controlnet_dir,
                                             control_image, studio_home, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    base = ["--prompt", "a cat", "--model", str(tiny_sd_dir), "--steps", "1", "--width", "64", "--height", "64"]
    for extra, words in (
            (["--control", f"{tiny_controlnet_dir}:{bad}:1"], "ControlNet unit 1: bad.png is not a readable image"),
            (["--control", f"{tiny_sdxl_controlnet_dir}:{control_image}:1"], "is made for SDXL"),
            (["--control", f"{tiny_controlnet_dir}:{control_image}:1", "--control-preprocess", "canny",
              "--control-preprocess", "none"], "--control-preprocess is given 2 times for 1 --control unit(s)."),
            (["--control", "just-a-name"], "--control takes NAME:IMAGE:WEIGHT")):
        proc = cli(base + extra, studio_home, timeout=200)
        errors = [line for line in proc.stderr.splitlines() if line.startswith(("error:", "usage:"))
                  or "error:" in line]
        assert proc.returncode != 0 and proc.stdout == ""
        assert len([e for e in errors if "error" in e]) == 1 and words in proc.stderr, proc.stderr


def test_input_keys_reach_every_control_image():
    spec = spec_to_dict(ImageSpec(init_image="/a/i.png", controls=(ControlUnit(model="c", image="/a/c0.png"),
                                                                   ControlUnit(model="c", image="/a/c1.png")),
                                  ip_image="/a/r.png"))
    keys = input_keys(spec)
    assert keys == ["init_image", "mask", "ip_image", "controls.0.image", "controls.1.image"]
    assert [get_input(spec, k) for k in keys] == ["/a/i.png", None, "/a/r.png", "/a/c0.png", "/a/c1.png"]
    set_input(spec, "controls.1.image", "/srv/x.img")
    assert spec["controls"][1]["image"] == "/srv/x.img" and spec["controls"][0]["image"] == "/a/c0.png"


@pytest.mark.slow
def test_control_images_travel_inline_to_a_remote_engine(tiny_sd_dir, tiny_controlnet_dir, control_image, paths,
                                                         tmp_path):
    home = tmp_path / "engine-home"
    shutil.copytree(tiny_sd_dir, home / "models" / "tiny-sd")
    shutil.copytree(tiny_controlnet_dir, home / "models" / "tiny-cn")
    (home / "settings.json").write_text('{"scan_hf_cache": false, "device": "cpu"}')
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "main.py", "engine", "serve", "--listen", "127.0.0.1:0"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("engine listening on 127.0.0.1:"), line + proc.stderr.read()
        address = f"127.0.0.1:{int(line.rsplit(':', 1)[1])}"
        client = RemoteHostClient(paths, Settings(device="cpu", scan_hf_cache=False), address,
                                  (home / "engine-token").read_text().strip())
        try:
            units = (ControlUnit(model=str(tmp_path / "mine" / "tiny-cn"), image=str(control_image), weight=0.8),
                     ControlUnit(model="tiny-cn", image=str(control_image), preprocess="canny", end=0.5))
            spec = ImageSpec(prompt="a cat", model="tiny-sd", steps=2, width=64, height=64, seed=3, controls=units)
            end = client.run_job(1, spec, NullReporter(), CancelToken())
            assert end.state == "done", end.message
            [out] = end.result.outputs
            assert Image.open(out).size == (64, 64)
            text = read_png_text(out)["parameters"]
            assert 'ControlNet 1: "Module: canny, Model: tiny-cn' in text
        finally:
            client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert not list(home.rglob("control.png"))  # the client's file name never became a path there
