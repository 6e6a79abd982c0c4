"""Silent garbage: NaN/inf anywhere in a spec is one clear line, the CPU allocator's out-of-memory text is
recognised, and a job that would run very long on this device is announced before it starts."""
from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest

from studio.core.errors import SpecError, user_message
from studio.core.estimate import long_job_warning
from studio.core.specs.image import GanSpec, ImageSpec, UpscaleSpec
from studio.core.specs.text import TextSpec
from studio.core.specs.training import TrainSpec
from studio.core.specs.serial import spec_from_json

NAN, INF = float("nan"), float("inf")
BAD_SPECS = [
    ImageSpec(prompt="x", guidance=NAN), ImageSpec(prompt="x", guidance=INF), ImageSpec(prompt="x", strength=NAN),
    ImageSpec(prompt="x", loras=(("style", NAN),)), ImageSpec(prompt="x <lora:style:nan>"),
    ImageSpec(prompt="x", loras=(("style", -INF),)), ImageSpec(prompt="(x:" + "9" * 400 + ")"),
    TextSpec(prompt="x", temperature=NAN), TextSpec(prompt="x", top_p=INF), TextSpec(prompt="x", min_p=NAN),
    TextSpec(prompt="x", repetition_penalty=NAN),
    TrainSpec(family="gan", out="m", lr=NAN), TrainSpec(family="gan", out="m", params={"beta": [0.5, INF]}),
    GanSpec(seeds=(1,), scale=NAN),  # type: ignore[arg-type]
    UpscaleSpec(image="a.png", tile=INF),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("spec", BAD_SPECS, ids=lambda s: s.kind)
def test_non_finite_numbers_are_refused_with_one_line(spec):
    with pytest.raises(SpecError) as info:
        spec.validate()
    text = str(info.value)
    assert "\n" not in text and any(w in text.lower() for w in ("finite", "between", "nan", "out of range")), text


@pytest.mark.parametrize("field", ["guidance", "strength", "steps", "seed"])
def test_nan_in_spec_json_is_refused(field):
    with pytest.raises(SpecError, match="finite"):
        spec_from_json('{"kind": "image", "prompt": "x", "%s": NaN}' % field)
    with pytest.raises(SpecError, match="finite"):
        spec_from_json('{"kind": "train", "family": "gan", "out": "m", "params": {"a": {"b": [Infinity]}}}')


def test_cli_refuses_nan_with_one_line(cli):
    for args in (("generate", "image", "--prompt", "x", "--guidance", "nan"),
                 ("generate", "image", "--prompt", "x", "--lora", "style:inf"),
                 ("generate", "text", "--prompt", "x", "--temperature", "nan"),
                 ("train", "gan", "--data", "fashion-mnist", "--out", "m", "--lr", "nan")):
        r = cli(*args)
        assert r.returncode != 0 and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


@pytest.mark.parametrize("text", [
    "[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate "
    "68719476736 bytes. Error code 12 (Cannot allocate memory)",
    "DefaultCPUAllocator: not enough memory: you tried to allocate 1 bytes",
    "CUDA out of memory. Tried to allocate 2.00 GiB",
])
def test_allocator_wording_is_out_of_memory_with_advice(text):
    message = user_message(RuntimeError(text))
    assert message.startswith("Out of memory") and "smaller size" in message and "alloc" not in message


def test_long_job_is_estimated_before_it_starts():
    assert long_job_warning(ImageSpec(prompt="x", width=512, height=512, steps=20), "cpu") == ""
    warning = long_job_warning(ImageSpec(prompt="x", width=2048, height=2048, steps=20), "cpu")
    assert "2048×2048" in warning and "CPU" in warning and "about" in warning
    assert long_job_warning(ImageSpec(prompt="x", width=2048, height=2048, steps=20), "cuda") == ""


def test_cli_warns_on_stderr_before_the_work(studio_home):
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.Popen([sys.executable, "main.py", "generate", "image", "--prompt", "a red sneaker",
                             "--width", "2048", "--height", "2048", "--steps", "20", "--seed", "1"],
                            cwd=root, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        first = proc.stderr.readline()
    finally:
        proc.kill()
        proc.wait()
    assert first.startswith("warning: 2048×2048 with 20 steps on the CPU will take about"), first


def test_window_asks_before_a_very_long_job(qtbot, paths, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.fixtures.studio_window import started_studio

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text: (
        asked.append(text), QMessageBox.StandardButton.No)[1])
    gen = started_studio(qtbot, paths, monkeypatch)
    window = next(gen)
    try:
        ids = window.submit_specs([ImageSpec(prompt="x", width=2048, height=2048, steps=20)])
        assert ids == [] and asked and "about" in asked[0] and not window.pool.jobs()
        assert window.submit_specs([ImageSpec(prompt="x", width=64, height=64, steps=1)])
        assert len(asked) == 1
    finally:
        next(gen, None)
