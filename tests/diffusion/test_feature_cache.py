"""Speed mode cache on a UNet (DeepCache-style feature reuse) through the image engine on a tiny SD pipeline."""
from __future__ import annotations

import numpy as np
from PIL import Image

from studio.core.specs.memory_modes import FEATURE_CACHE_INTERVAL
from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion import feature_cache
from studio.engines.diffusion.generate import run
from studio.engines.diffusion.loader import load_pipeline, resolve
from tests.diffusion.conftest import RecordingReporter

STEPS = 8


def spec_for(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a photo of a cat", model=str(model_dir), seed=11, steps=STEPS, width=64, height=64,
                guidance=5.0, scheduler="euler")
    base.update(kw)
    return ImageSpec(**base)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0 ** 2 / max(((a - b) ** 2).mean(), 1e-12)))


def test_cache_mode_is_close_to_off_and_really_skips_the_deep_blocks(tiny_sd_dir, engine_ctx):
    pipe, facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    unet = pipe.unet
    calls = {"deep": 0, "shallow": 0}
    # The mid block and the second down block are deep; the first down block is the shallow branch.
    hooks = [unet.mid_block.resnets[0].register_forward_hook(lambda *a: calls.__setitem__("deep", calls["deep"] + 1)),
             unet.down_blocks[0].resnets[0].register_forward_hook(
                 lambda *a: calls.__setitem__("shallow", calls["shallow"] + 1))]
    try:
        off = run(spec_for(tiny_sd_dir, speed_mode="off"), RecordingReporter(), CancelToken(), engine_ctx)
        assert calls == {"deep": STEPS, "shallow": STEPS}
        calls.update(deep=0, shallow=0)
        cached = run(spec_for(tiny_sd_dir, speed_mode="cache"), RecordingReporter(), CancelToken(), engine_ctx)
        full = len(range(0, STEPS, FEATURE_CACHE_INTERVAL))  # steps 0, 3, 6
        assert calls == {"deep": full, "shallow": STEPS}
        state = feature_cache.active(unet)
        assert state is not None and (state.full_steps, state.shallow_steps) == (full, STEPS - full)
        # A second job in the same mode starts a fresh cache (the mode stays on the loaded pipeline).
        again = run(spec_for(tiny_sd_dir, speed_mode="cache"), RecordingReporter(), CancelToken(), engine_ctx)
    finally:
        for h in hooks:
            h.remove()
    a, b = pixels(off.outputs[0]), pixels(cached.outputs[0])
    # Measured on this tiny random-weight pipeline: PSNR 47–50 dB, max difference ~5 of 255.
    print(f"cache vs off: PSNR {psnr(a, b):.1f} dB, max difference {np.abs(a - b).max():.0f}")
    assert psnr(a, b) >= 35 and np.abs(a - b).max() <= 24 and not np.array_equal(a, b)
    assert np.array_equal(b, pixels(again.outputs[0]))
    assert "Speed mode: cache" in read_png_text(cached.outputs[0])["parameters"]
    assert read_png_parameters(cached.outputs[0]).speed_mode == "cache" and cached.speed_mode == "cache"
    # Back to off: the blocks' own forward again, the very same image as before.
    back = run(spec_for(tiny_sd_dir, speed_mode="off"), RecordingReporter(), CancelToken(), engine_ctx)
    assert feature_cache.active(unet) is None and facts["speed_mode"] == "off"
    assert np.array_equal(a, pixels(back.outputs[0]))


def test_another_size_in_the_same_job_stream_is_never_fed_stale_features(tiny_sd_dir, engine_ctx):
    small = run(spec_for(tiny_sd_dir, speed_mode="cache"), RecordingReporter(), CancelToken(), engine_ctx)
    wide = run(spec_for(tiny_sd_dir, speed_mode="cache", width=96), RecordingReporter(), CancelToken(), engine_ctx)
    off = run(spec_for(tiny_sd_dir, speed_mode="off", width=96), RecordingReporter(), CancelToken(), engine_ctx)
    assert Image.open(wide.outputs[0]).size == (96, 64) and Image.open(small.outputs[0]).size == (64, 64)
    assert psnr(pixels(wide.outputs[0]), pixels(off.outputs[0])) >= 35


def test_the_cli_runs_cache_and_says_sequential_runs_as_none_on_the_cpu(tiny_sd_dir, capsys, tmp_path):
    from studio.cli import main

    out = tmp_path / "cat.png"
    code = main(["generate", "image", "--prompt", "a cat", "--model", str(tiny_sd_dir), "--seed", "1", "--steps", "4",
                 "--width", "64", "--height", "64", "--memory-mode", "sequential", "--speed-mode", "cache",
                 "--out", str(out)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    notes = [line for line in err.splitlines() if "sequential" in line]
    assert len(notes) == 1 and "on the CPU" in notes[0] and "Traceback" not in err
    assert "Memory mode: none, Speed mode: cache" in read_png_text(stdout.split()[0])["parameters"]


def test_an_edit_after_a_cache_job_is_made_with_speed_mode_off(tiny_sd_dir, engine_ctx, tmp_path):
    """The speed mode stays on the shared pipeline between image jobs; an edit (whose PNG records no speed
    mode) must not run on cached features: it gives the very image it gives after a job in mode off."""
    init = tmp_path / "init.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(init)
    edit = spec_for(tiny_sd_dir, init_image=str(init), strength=0.8)
    run(spec_for(tiny_sd_dir, speed_mode="off"), RecordingReporter(), CancelToken(), engine_ctx)
    ref = run(edit, RecordingReporter(), CancelToken(), engine_ctx)
    run(spec_for(tiny_sd_dir, speed_mode="cache"), RecordingReporter(), CancelToken(), engine_ctx)
    pipe, facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    assert feature_cache.active(pipe.unet) is not None
    after = run(edit, RecordingReporter(), CancelToken(), engine_ctx)
    assert feature_cache.active(pipe.unet) is None and facts["speed_mode"] == "off"
    assert np.array_equal(pixels(ref.outputs[0]), pixels(after.outputs[0]))


def test_int8_is_refused_in_one_line_on_a_cpu_or_without_torchao(tiny_sd_dir, engine_ctx, monkeypatch, capsys):
    import importlib.util

    import pytest

    from studio.cli import main
    from studio.engines.diffusion import memory

    with pytest.raises(memory.SpeedModeError, match=r"^Speed mode int8 needs a CUDA GPU .*this job runs on cpu\."):
        run(spec_for(tiny_sd_dir, speed_mode="int8"), RecordingReporter(), CancelToken(), engine_ctx)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torchao" else real(name, *a))
    assert memory.int8_problem("cuda:0") == ("Speed mode int8 needs torchao, which this install lacks "
                                             "(pip install torchao==0.18.0).")
    code = main(["generate", "image", "--prompt", "a cat", "--model", str(tiny_sd_dir), "--steps", "1", "--width",
                 "64", "--height", "64", "--speed-mode", "int8"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code != 0 and len(errors) == 1 and "needs a CUDA GPU" in errors[0] and "Traceback" not in err


def test_a_job_after_int8_gets_a_fresh_pipeline(tiny_sd_dir, engine_ctx):
    """int8 quantises the cached UNet in place (on a GPU); the next job in another mode reloads it from disk."""
    ref = run(spec_for(tiny_sd_dir, steps=2), RecordingReporter(), CancelToken(), engine_ctx)
    pipe, facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    facts["speed_mode"] = "int8"  # as a job in mode int8 leaves it (quantize_ itself needs CUDA)
    again = run(spec_for(tiny_sd_dir, steps=2), RecordingReporter(), CancelToken(), engine_ctx)
    fresh, fresh_facts = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    assert fresh is not pipe and fresh_facts.get("speed_mode", "off") == "off"
    assert np.array_equal(pixels(ref.outputs[0]), pixels(again.outputs[0]))


def test_two_unet_calls_per_step_each_reuse_their_own_features(tiny_sd_dir):
    """A pipeline may call the UNet twice per step (say unconditional, then conditional, unbatched): each
    call's shallow steps must reuse its own deep features, not the other call's."""
    import torch
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel.from_pretrained(str(tiny_sd_dir / "unet")).eval()
    gen = torch.Generator().manual_seed(0)
    xa, xb = torch.randn(1, 4, 8, 8, generator=gen), torch.randn(1, 4, 8, 8, generator=gen)
    ea, eb = torch.randn(1, 77, 32, generator=gen), torch.randn(1, 77, 32, generator=gen)
    steps = [999, 800, 600, 400, 200]

    def outputs(calls):
        feature_cache.enable(unet, interval=3, depth=1)
        try:
            with torch.no_grad():
                return [[unet(x, t, encoder_hidden_states=e).sample for x, e in calls] for t in steps]
        finally:
            feature_cache.disable(unet)

    alone = outputs([(xa, ea)])
    both = outputs([(xa, ea), (xb, eb)])
    for step_alone, step_both in zip(alone, both):
        assert torch.equal(step_alone[0], step_both[0])
    assert not torch.equal(both[1][0], both[1][1])
