"""The image engine end to end on tiny random-weight pipelines loaded through the studio's loader."""
from __future__ import annotations

import errno
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import ModelError, SpecError, StudioError
from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.samplers import SCHEDULERS
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from studio.engines.diffusion.loader import load_pipeline, resolve
from studio.host.dispatch import run_spec
from tests.diffusion.conftest import RecordingReporter


def spec_for(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a photo of a cat", model=str(model_dir), seed=7, steps=2, width=64, height=64, guidance=5.0)
    base.update(kw)
    return ImageSpec(**base)


def pixels(result) -> np.ndarray:
    return np.asarray(Image.open(result.outputs[0]).convert("RGB"), dtype=np.int16)


def test_same_seed_same_pixels_and_different_seed_differs(tiny_sd_dir, engine_ctx, paths):
    a = run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx)
    b = run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx)
    c = run(spec_for(tiny_sd_dir, seed=8), RecordingReporter(), CancelToken(), engine_ctx)
    assert a.outputs[0] != b.outputs[0]
    assert np.array_equal(pixels(a), pixels(b))
    assert np.abs(pixels(a) - pixels(c)).mean() > 1.0
    assert pixels(a).shape == (64, 64, 3)
    # Written under outputs/<date>/ with the seed and model in the info.
    assert a.outputs[0].startswith(str(paths.outputs))
    assert a.seed == 7 and a.model == tiny_sd_dir.name and a.seconds > 0
    assert len(a.model_hash) == 10


def test_png_carries_parameters_that_reproduce_the_image(tiny_sd_dir, engine_ctx):
    spec = spec_for(tiny_sd_dir, negative_prompt="blurry", scheduler="euler_a", guidance=3.0)
    first = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    again = read_png_parameters(first.outputs[0])
    assert again == spec
    text = read_png_text(first.outputs[0])["parameters"]
    assert "Sampler: Euler a" in text and "Seed: 7" in text and "Size: 64x64" in text
    assert f"Model hash: {first.model_hash}" in text
    assert json.loads(read_png_text(first.outputs[0])["aigc_studio"])["prompt"] == "a photo of a cat"
    second = run(again, RecordingReporter(), CancelToken(), engine_ctx)
    assert np.array_equal(pixels(first), pixels(second))


def test_one_preview_per_step_and_progress(tiny_sd_dir, engine_ctx):
    rep = RecordingReporter()
    result = run(spec_for(tiny_sd_dir, steps=4), rep, CancelToken(), engine_ctx)
    assert len(rep.previews) == 4
    assert all(isinstance(p, Image.Image) and p.size == (64, 64) for p in rep.previews)
    assert [d for d, _ in rep.progress_calls if d > 0] == [1, 2, 3, 4]
    assert rep.progress_calls[-1] == (4, 4)
    assert result.preview == "linear"
    # Previews change as denoising goes on.
    first, last = (np.asarray(p, dtype=np.int16) for p in (rep.previews[0], rep.previews[-1]))
    assert np.abs(first - last).mean() > 0


def test_preview_every_and_unwanted_previews(tiny_sd_dir, engine_ctx):
    ctx = engine_ctx
    ctx.settings = ctx.settings.replace(preview_every=2)
    rep = RecordingReporter()
    run(spec_for(tiny_sd_dir, steps=4), rep, CancelToken(), ctx)
    assert len(rep.previews) == 2
    busy = RecordingReporter(previews=False)  # the GUI has not painted the last one yet
    run(spec_for(tiny_sd_dir, steps=4), busy, CancelToken(), ctx)
    assert busy.previews == []


def test_taesd_previews_when_installed(tiny_sd_dir, engine_ctx, paths):
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                    num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)
                    ).save_pretrained(str(paths.models / "taesd"))
    rep = RecordingReporter()
    result = run(spec_for(tiny_sd_dir, steps=2), rep, CancelToken(), engine_ctx)
    assert result.preview == "taesd"
    assert len(rep.previews) == 2 and rep.previews[0].size == (64, 64)


def test_cancel_mid_run_stops_early_without_output(tiny_sd_dir, engine_ctx, paths):
    cancel = CancelToken()
    rep = RecordingReporter(cancel_after=2, cancel=cancel)
    result = run(spec_for(tiny_sd_dir, steps=10), rep, cancel, engine_ctx)
    assert result.cancelled
    assert max(d for d, _ in rep.progress_calls) == 2
    assert not [p for p in paths.outputs.rglob("*.png")]
    # The pipeline is still usable for the next job.
    assert run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx).outputs


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_every_scheduler_runs_and_is_reproducible(tiny_sd_dir, engine_ctx, scheduler):
    rep = RecordingReporter()
    result = run(spec_for(tiny_sd_dir, scheduler=scheduler), rep, CancelToken(), engine_ctx)
    again = run(spec_for(tiny_sd_dir, scheduler=scheduler), RecordingReporter(), CancelToken(), engine_ctx)
    # Ancestral/stochastic samplers must draw their noise from the job's seeded generator too.
    assert np.array_equal(pixels(result), pixels(again))
    assert rep.previews, "a preview arrives with every scheduler"
    pipe, _ = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))
    assert "step" not in pipe.scheduler.__dict__  # the preview tap is removed after the job


@pytest.mark.parametrize("scheduler", ["euler_a", "dpmpp_2m_karras"])
def test_engine_output_equals_a_plain_diffusers_call(tiny_sd_dir, engine_ctx, scheduler):
    import torch
    from diffusers import DiffusionPipeline

    from studio.engines.pipelines.schedulers import make_scheduler

    spec = spec_for(tiny_sd_dir, scheduler=scheduler, steps=3, negative_prompt="blurry")
    ours = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    pipe = DiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True)
    pipe.scheduler = make_scheduler(scheduler, pipe.scheduler.config)
    plain = pipe(spec.prompt, negative_prompt=spec.negative_prompt, num_inference_steps=3, guidance_scale=5.0,
                 width=64, height=64, generator=torch.Generator("cpu").manual_seed(7)).images[0]
    assert np.array_equal(pixels(ours), np.asarray(plain.convert("RGB"), dtype=np.int16))


def test_schedulers_give_different_images(tiny_sd_dir, engine_ctx):
    a = run(spec_for(tiny_sd_dir, scheduler="euler", steps=3), RecordingReporter(), CancelToken(), engine_ctx)
    b = run(spec_for(tiny_sd_dir, scheduler="ddim", steps=3), RecordingReporter(), CancelToken(), engine_ctx)
    assert not np.array_equal(pixels(a), pixels(b))


def test_prompt_weights_change_the_image_and_weight_one_does_not(tiny_sd_dir, engine_ctx):
    plain = run(spec_for(tiny_sd_dir, prompt="a photo of a cat"), RecordingReporter(), CancelToken(), engine_ctx)
    same = run(spec_for(tiny_sd_dir, prompt="a photo of a (cat:1.0)"), RecordingReporter(), CancelToken(), engine_ctx)
    heavy = run(spec_for(tiny_sd_dir, prompt="a photo of a (cat:1.8)"), RecordingReporter(), CancelToken(), engine_ctx)
    # Our chunked encoder reproduces the pipeline's own encoding exactly when all weights are 1.
    assert np.abs(pixels(plain) - pixels(same)).max() <= 1
    assert not np.array_equal(pixels(plain), pixels(heavy))
    assert pixels(heavy).std() > 2, "a weighted prompt still gives a real image (not NaN-black)"


def test_sdxl_pipeline_with_weights(tiny_sdxl_dir, engine_ctx):
    plain = run(spec_for(tiny_sdxl_dir), RecordingReporter(), CancelToken(), engine_ctx)
    same = run(spec_for(tiny_sdxl_dir, prompt="a photo of a (cat:1.0)"), RecordingReporter(), CancelToken(), engine_ctx)
    heavy = run(spec_for(tiny_sdxl_dir, prompt="a photo of a ((cat))"), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(plain) - pixels(same)).max() <= 1
    assert not np.array_equal(pixels(plain), pixels(heavy))
    assert pixels(heavy).std() > 2, "a weighted prompt still gives a real image (not NaN-black)"


def test_empty_prompt_is_fine(tiny_sd_dir, engine_ctx):
    assert run(spec_for(tiny_sd_dir, prompt=""), RecordingReporter(), CancelToken(), engine_ctx).outputs


def test_long_prompt_is_truncated_with_a_warning(tiny_sd_dir, engine_ctx):
    prompt = ("a very detailed painting of a cat, " * 300)[:10_000]
    rep = RecordingReporter()
    result = run_spec(spec_for(tiny_sd_dir, prompt=prompt), rep, CancelToken(), engine_ctx)
    assert result.outputs
    assert any("10000 characters" in m for m in rep.messages)
    assert any("10000 characters" in m for m in result.warnings)
    assert len(read_png_parameters(result.outputs[0]).prompt) == 4000


@pytest.mark.parametrize("width", [100, 100_000, 0])
def test_bad_width_is_a_spec_error(tiny_sd_dir, engine_ctx, width):
    with pytest.raises(SpecError, match="Width"):
        run(spec_for(tiny_sd_dir, width=width), RecordingReporter(), CancelToken(), engine_ctx)


def test_missing_model_folder(tmp_path, engine_ctx):
    with pytest.raises(ModelError, match="not found|does not exist"):
        run(spec_for(tmp_path / "nope" / "model"), RecordingReporter(), CancelToken(), engine_ctx)


def test_folder_that_is_not_a_pipeline(tmp_path, engine_ctx):
    folder = tmp_path / "holiday-photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    with pytest.raises(ModelError) as info:
        run(spec_for(folder), RecordingReporter(), CancelToken(), engine_ctx)
    assert "holiday-photos" in str(info.value)


def test_truncated_safetensors_names_the_file(tiny_sd_dir, tmp_path, engine_ctx):
    broken = tmp_path / "broken-sd"
    shutil.copytree(tiny_sd_dir, broken)
    weights = broken / "unet" / "diffusion_pytorch_model.safetensors"
    with weights.open("r+b") as fh:
        fh.truncate(weights.stat().st_size // 2)
    with pytest.raises(ModelError) as info:
        run(spec_for(broken), RecordingReporter(), CancelToken(), engine_ctx)
    assert "diffusion_pytorch_model.safetensors" in str(info.value) or "unet" in str(info.value)


def test_truncated_safetensors_detected_by_the_loader_itself(tiny_sd_dir, tmp_path, engine_ctx):
    """Bypass the registry's identification: the loader's own error names the broken file."""
    from studio.core.models.registry import ModelEntry
    from studio.engines.diffusion.loader import load_pipeline

    broken = tmp_path / "broken-te"
    shutil.copytree(tiny_sd_dir, broken)
    weights = broken / "text_encoder" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    entry = ModelEntry(name="broken-te", path=str(broken), type="diffusers", family="sd")
    with pytest.raises(ModelError, match=r"text_encoder/model\.safetensors .*truncated or corrupt"):
        load_pipeline(engine_ctx, entry)


def test_disk_full_while_saving_leaves_no_file(tiny_sd_dir, engine_ctx, paths, monkeypatch):
    def full_disk(self, fp, *args, **kwargs):
        fp.write(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    with pytest.raises(StudioError, match="disk is full"):
        run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx)
    assert [p for p in paths.outputs.rglob("*") if p.is_file()] == []


def test_exception_inside_the_pipeline_is_a_clear_error(tiny_sd_dir, fresh_ctx):
    engine_ctx = fresh_ctx
    pipe, _ = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))

    def broken_forward(*args, **kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (boom)")

    pipe.unet.forward = broken_forward
    with pytest.raises(StudioError, match=r"Image generation failed .*RuntimeError: mat1 .*boom"):
        run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx)
    del pipe.unet.forward  # the next job runs normally on the same cached pipeline
    assert run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx).outputs


@pytest.fixture()
def no_builtin_models(monkeypatch, tmp_path):
    """A studio whose built-in models folder is empty (only what the test installs)."""
    empty = tmp_path / "no-builtins"
    empty.mkdir()
    monkeypatch.setattr("studio.core.models.registry.builtin_models_dir", lambda: empty)


def test_no_model_installed_is_a_clear_error(engine_ctx, no_builtin_models):
    with pytest.raises(ModelError, match="No diffusion image model is installed"):
        run(ImageSpec(prompt="x", width=64, height=64, steps=1), RecordingReporter(), CancelToken(), engine_ctx)


def test_default_model_and_name_lookup_from_the_models_folder(tiny_sd_dir, engine_ctx, paths, no_builtin_models):
    shutil.copytree(tiny_sd_dir, paths.models / "my-tiny")
    by_default = run(ImageSpec(prompt="x", width=64, height=64, steps=1), RecordingReporter(), CancelToken(), engine_ctx)
    by_name = run(ImageSpec(prompt="x", model="my-tiny", width=64, height=64, steps=1), RecordingReporter(),
                  CancelToken(), engine_ctx)
    assert by_default.model == by_name.model == "my-tiny"
    assert read_png_parameters(by_default.outputs[0]).model == "my-tiny"


def test_default_image_model_setting_is_honoured(tiny_sd_dir, engine_ctx, paths):
    shutil.copytree(tiny_sd_dir, paths.models / "zz-mine")
    engine_ctx.settings = engine_ctx.settings.replace(default_image_model="zz-mine")
    result = run(ImageSpec(prompt="x", width=64, height=64, steps=1), RecordingReporter(), CancelToken(), engine_ctx)
    assert result.model == "zz-mine"


def test_a_gan_model_is_refused_with_a_clear_message(engine_ctx):
    gans = [e for e in engine_ctx.registry.scan() if e.type == "gan" and e.usable]
    if not gans:
        pytest.skip("no GAN model installed in this build")
    with pytest.raises(ModelError, match="not a diffusion pipeline"):
        run(ImageSpec(prompt="x", model=gans[0].name, width=64, height=64, steps=1), RecordingReporter(),
            CancelToken(), engine_ctx)


def test_each_step_is_timed_for_the_long_job_estimate(tiny_sd_dir, engine_ctx, paths):
    from studio.cli.gen_image import _measured_speed
    from studio.cli.submit import JobContext
    from studio.core.store.gallery import GalleryStore

    spec = spec_for(tiny_sd_dir, steps=3)
    jobs = JobContext(paths)  # what `generate image` asks (its engine: this process, as tests name it)
    assert _measured_speed(jobs, spec) is None  # never ran here: the estimate assumes an SD-class model
    result = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert 0 < result.step_seconds < result.seconds and result.device == "cpu"
    gallery = GalleryStore.open(paths)
    gallery.add(spec, result)
    gallery.close()
    speed = _measured_speed(jobs, spec)  # what `generate image` reads before the work starts
    jobs.close()
    assert speed is not None and (speed.seconds, speed.width, speed.height) == (result.step_seconds, 64, 64)
