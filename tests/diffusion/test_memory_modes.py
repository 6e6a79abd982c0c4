"""Memory and speed modes of the image engine on a tiny SD pipeline: same image, recorded, OOM fallback."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.errors import SpecError, StudioError
from studio.core.specs.memory_modes import next_lower, pick_auto
from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from studio.engines.diffusion.loader import load_pipeline, resolve
from studio.engines.diffusion.memory import INJECT_OOM_ENV, SpeedModeError, modes_for_job
from tests.diffusion.conftest import RecordingReporter


def spec_for(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a photo of a cat", model=str(model_dir), seed=7, steps=2, width=64, height=64, guidance=5.0)
    base.update(kw)
    return ImageSpec(**base)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def _direct(pipe, mode: str, speed: str = "off", cache=None) -> np.ndarray:
    with modes_for_job(pipe, mode, speed, "cpu", cache):
        out = pipe(prompt="a cat", num_inference_steps=2, width=64, height=64, guidance_scale=5.0,
                   generator=torch.Generator("cpu").manual_seed(3), output_type="np")
    return (out.images[0] * 255).round()


def test_each_memory_mode_gives_the_image_of_mode_none(tiny_sd_dir, engine_ctx, tmp_path):
    """The diffusers switches themselves (model offload hooks run on the CPU too when given the device;
    accelerate's sequential offload fails on a CPU-only build, so it is checked only on a GPU)."""
    pipe, _facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    ref = _direct(pipe, "none")
    for mode in ("vae", "offload", "none"):
        assert np.abs(_direct(pipe, mode) - ref).max() <= 2, mode
    for speed in ("channels_last", "fused_qkv"):
        assert np.abs(_direct(pipe, "none", speed) - ref).max() <= 2, speed
    assert not getattr(pipe.unet, "_hf_hook", None)  # the shared pipeline is left clean


def test_mode_is_recorded_and_offload_on_cpu_runs_as_none(tiny_sd_dir, engine_ctx):
    a = run(spec_for(tiny_sd_dir, memory_mode="vae"), RecordingReporter(), CancelToken(), engine_ctx)
    rep = RecordingReporter()
    b = run(spec_for(tiny_sd_dir, memory_mode="offload"), rep, CancelToken(), engine_ctx)
    assert np.abs(pixels(a.outputs[0]) - pixels(b.outputs[0])).max() <= 2
    assert read_png_parameters(a.outputs[0]).memory_mode == "vae"  # the job spec: what was asked
    assert "Memory mode: vae, Speed mode: off" in read_png_text(a.outputs[0])["parameters"]
    assert json.loads(read_png_text(b.outputs[0])["aigc_studio"])["memory_mode"] == "offload"
    assert "Memory mode: none" in read_png_text(b.outputs[0])["parameters"]  # what it ran in
    assert b.memory_mode == "none"
    assert any("on the CPU" in w for w in b.warnings)


def test_an_out_of_memory_retries_once_in_the_next_mode(tiny_sd_dir, engine_ctx, monkeypatch):
    ref = run(spec_for(tiny_sd_dir, memory_mode="none"), RecordingReporter(), CancelToken(), engine_ctx)
    monkeypatch.setenv(INJECT_OOM_ENV, "1")
    rep = RecordingReporter()
    again = run(spec_for(tiny_sd_dir, memory_mode="none"), rep, CancelToken(), engine_ctx)
    assert any("Out of memory in memory mode none" in w and "mode vae" in w for w in again.warnings)
    assert "Memory mode: vae" in read_png_text(again.outputs[0])["parameters"] and again.memory_mode == "vae"
    assert np.abs(pixels(ref.outputs[0]) - pixels(again.outputs[0])).max() <= 2
    monkeypatch.setenv(INJECT_OOM_ENV, "2")
    with pytest.raises(StudioError, match="Out of memory in memory mode vae.*even after retrying"):
        run(spec_for(tiny_sd_dir, memory_mode="none"), RecordingReporter(), CancelToken(), engine_ctx)
    monkeypatch.delenv(INJECT_OOM_ENV)
    # The pipeline is usable again in mode none after both failures: same image as before.
    after = run(spec_for(tiny_sd_dir, memory_mode="none"), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.array_equal(pixels(ref.outputs[0]), pixels(after.outputs[0]))


def test_sequential_on_the_cpu_runs_as_none_and_says_so(tiny_sd_dir, engine_ctx):
    """Sequential offload has nothing to gain on a CPU (and accelerate's hooks raise a TypeError on a CPU-only
    build): the job runs in mode none with one log line, as auto and the OOM ladder do on a CPU."""
    ref = run(spec_for(tiny_sd_dir, memory_mode="none"), RecordingReporter(), CancelToken(), engine_ctx)
    rep = RecordingReporter()
    seq = run(spec_for(tiny_sd_dir, memory_mode="sequential"), rep, CancelToken(), engine_ctx)
    assert np.array_equal(pixels(ref.outputs[0]), pixels(seq.outputs[0]))
    assert seq.memory_mode == "none" and "Memory mode: none" in read_png_text(seq.outputs[0])["parameters"]
    assert json.loads(read_png_text(seq.outputs[0])["aigc_studio"])["memory_mode"] == "sequential"  # as asked
    lines = [w for w in seq.warnings if "sequential" in w]
    assert len(lines) == 1 and "on the CPU" in lines[0] and "mode none" in lines[0]
    assert next_lower("vae", on_accelerator=False) is None  # the CPU ladder never reaches it either
    # Called directly on the CPU (a benchmark, a future caller) it is a no-op, not a crash.
    pipe, _facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    assert np.abs(_direct(pipe, "sequential") - _direct(pipe, "none")).max() <= 2
    assert not getattr(pipe.unet, "_hf_hook", None)


def test_sequential_on_a_gpu_uses_diffusers_sequential_offload(tiny_sd_dir, monkeypatch):
    """On an accelerator the mode is diffusers' enable_sequential_cpu_offload(device=...), undone after the job
    (the GPU itself is not here: the pipeline's device moves are recorded instead of done)."""
    from diffusers import StableDiffusionPipeline

    from studio.engines.diffusion.memory import choose_mode

    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir))
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(pipe, "enable_sequential_cpu_offload", lambda device: calls.append(("sequential", device)))
    monkeypatch.setattr(pipe, "remove_all_hooks", lambda: calls.append(("remove_hooks", None)))
    monkeypatch.setattr(pipe, "to", lambda device: calls.append(("to", device)))
    warned: list[str] = []
    assert choose_mode("sequential", pipe, "cuda:0", 64 * 64, warned.append) == "sequential" and not warned
    with modes_for_job(pipe, "sequential", "off", "cuda:0", None):
        assert calls == [("sequential", "cuda:0")]
    assert calls[1:] == [("remove_hooks", None), ("to", "cuda:0")]


def test_bad_modes_are_one_clear_line(tiny_sd_dir, engine_ctx, monkeypatch):
    with pytest.raises(SpecError, match="Unknown memory mode 'tiny'"):
        run(spec_for(tiny_sd_dir, memory_mode="tiny"), RecordingReporter(), CancelToken(), engine_ctx)
    monkeypatch.setenv("CXX", "no-such-compiler")
    with pytest.raises(SpeedModeError, match="needs a C.. compiler"):
        run(spec_for(tiny_sd_dir, speed_mode="compile"), RecordingReporter(), CancelToken(), engine_ctx)


def test_auto_and_the_ladder():
    gib = 1 << 30
    assert pick_auto(None, 4 * gib, 3 * gib, 512 * 512, on_accelerator=False) == "none"
    assert pick_auto(24 * gib, 7 * gib, 5 * gib, 1024 * 1024, True) == "none"
    assert pick_auto(9 * gib, 7 * gib, 5 * gib, 1024 * 1024, True) == "vae"
    assert pick_auto(7 * gib, 7 * gib, 5 * gib, 1024 * 1024, True) == "offload"
    assert pick_auto(2 * gib, 7 * gib, 5 * gib, 1024 * 1024, True) == "sequential"
    assert next_lower("none", True) == "vae" and next_lower("vae", True) == "offload"
    assert next_lower("vae", False) is None and next_lower("sequential", True) is None


def test_a_speed_mode_stays_on_the_pipeline_until_a_job_wants_another(tiny_sd_dir, engine_ctx):
    ref = run(spec_for(tiny_sd_dir, speed_mode="off"), RecordingReporter(), CancelToken(), engine_ctx)
    fused = run(spec_for(tiny_sd_dir, speed_mode="fused_qkv"), RecordingReporter(), CancelToken(), engine_ctx)
    pipe, facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    assert facts["speed_mode"] == "fused_qkv" and fused.speed_mode == "fused_qkv"
    assert np.abs(pixels(ref.outputs[0]) - pixels(fused.outputs[0])).max() <= 2
    back = run(spec_for(tiny_sd_dir, speed_mode="off"), RecordingReporter(), CancelToken(), engine_ctx)
    assert facts["speed_mode"] == "off"
    assert np.array_equal(pixels(ref.outputs[0]), pixels(back.outputs[0]))


def test_compiled_kernels_go_to_the_studio_cache_even_after_inductor_chose_its_default(tmp_path, monkeypatch):
    """Inductor writes /tmp/torchinductor_<user> into the environment the first time its cache folder is asked
    for (an engine host's imports do it): the compile speed mode must still keep kernels in the studio cache,
    and a folder the user chose stays theirs."""
    from torch._inductor.runtime.cache_dir_utils import cache_dir

    from studio.engines.diffusion.memory import keep_compiled_kernels_in

    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    cache_dir()  # what happens before a job in a fresh engine host
    keep_compiled_kernels_in(tmp_path / "studio" / "torch_compile")
    assert cache_dir() == str(tmp_path / "studio" / "torch_compile")
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    keep_compiled_kernels_in(tmp_path / "studio" / "torch_compile")
    assert cache_dir() == str(tmp_path / "mine")
