"""Few-step sampling (LCM, TCD, trailing timesteps) and fast decode (TAESD) through the studio's engine,
compared with plain diffusers on the same tiny pipeline; their PNG records; an LCM LoRA through the CLI."""
from __future__ import annotations

import shutil

import diffusers
import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.pngmeta import read_png_parameters, read_png_text, spec_from_infotext
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter

PROMPT = "a photo of a cat"


def pixels(image_or_result) -> np.ndarray:
    image = image_or_result if isinstance(image_or_result, Image.Image) else Image.open(image_or_result.outputs[0])
    return np.asarray(image.convert("RGB"), dtype=np.int16)


@pytest.fixture(scope="module")
def plain_pipe(tiny_sd_dir):
    """The tiny pipeline loaded by plain diffusers, as a person would without the studio."""
    pipe = diffusers.StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir), safety_checker=None)
    pipe.own_scheduler_config = dict(pipe.scheduler.config)
    return pipe


def plain_image(pipe, scheduler_cls, guidance: float, steps: int = 2, **overrides) -> Image.Image:
    pipe.scheduler = scheduler_cls.from_config(pipe.own_scheduler_config, **overrides)
    return pipe(PROMPT, negative_prompt="", num_inference_steps=steps, guidance_scale=guidance, width=64, height=64,
                generator=torch.Generator("cpu").manual_seed(5)).images[0]


def tiny_taesd(folder) -> None:
    torch.manual_seed(0)
    diffusers.AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                              num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)
                              ).save_pretrained(str(folder))


@pytest.mark.parametrize("scheduler, spacing, cls, guidance", [
    ("lcm", "", diffusers.LCMScheduler, 1.0),
    ("tcd", "", diffusers.TCDScheduler, 1.0),
    ("euler_a", "trailing", diffusers.EulerAncestralDiscreteScheduler, 0.0),
])
def test_the_studio_samples_as_plain_diffusers_does(tiny_sd_dir, engine_ctx, plain_pipe, scheduler, spacing, cls,
                                                     guidance):
    spec = ImageSpec(prompt=PROMPT, model=str(tiny_sd_dir), seed=5, steps=2, width=64, height=64, guidance=guidance,
                     scheduler=scheduler, timestep_spacing=spacing)
    result = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    expected = plain_image(plain_pipe, cls, guidance, **({"timestep_spacing": spacing} if spacing else {}))
    assert np.abs(pixels(result) - pixels(expected)).max() <= 1
    # An LCM/TCD sampler on a model not distilled for it: made, with one line saying what to expect.
    unsuited = [w for w in result.warnings if "suits models and LoRAs distilled for it" in w]
    assert len(unsuited) == (1 if scheduler in ("lcm", "tcd") else 0)
    # The PNG says it in A1111's words, and reading it back gives the same spec (reuse parameters).
    text = read_png_text(result.outputs[0])["parameters"]
    sampler = {"lcm": "LCM", "tcd": "TCD", "euler": "Euler", "euler_a": "Euler a"}[scheduler]
    assert f"Sampler: {sampler}," in text
    assert ("Schedule type: SGM Uniform" in text) == (spacing == "trailing")
    assert read_png_parameters(result.outputs[0]) == spec
    from_a1111 = spec_from_infotext(text)
    assert (from_a1111.scheduler, from_a1111.timestep_spacing) == (scheduler, spacing)


def test_trailing_changes_the_timesteps_and_lcm_previews_its_x0(tiny_sd_dir, engine_ctx):
    base = ImageSpec(prompt=PROMPT, model=str(tiny_sd_dir), seed=5, steps=2, width=64, height=64, guidance=1.0)
    leading = run(base, RecordingReporter(), CancelToken(), engine_ctx)
    trailing = run(base.replace(timestep_spacing="trailing"), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(leading) - pixels(trailing)).max() > 0
    rep = RecordingReporter()
    run(base.replace(scheduler="lcm"), rep, CancelToken(), engine_ctx)
    assert len(rep.previews) == 2


def test_fast_decode_uses_the_installed_taesd_and_is_recorded(tiny_sd_dir, engine_ctx, plain_pipe, paths):
    spec = ImageSpec(prompt=PROMPT, model=str(tiny_sd_dir), seed=5, steps=2, width=64, height=64, guidance=4.0,
                     decoder="fast")
    rep = RecordingReporter()
    missing = run(spec, rep, CancelToken(), engine_ctx)  # none installed: the full VAE, and one clear line
    assert missing.decoder == "" and len(missing.warnings) == 1
    assert missing.warnings[0].startswith("Fast decode: no tiny decoder is installed for this model's latent space")
    assert "taesd" in missing.warnings[0]
    assert "VAE:" not in read_png_text(missing.outputs[0])["parameters"]

    tiny_taesd(paths.models / "taesd")
    fast = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert fast.decoder == "fast" and not fast.warnings
    plain_pipe.vae, full_vae = diffusers.AutoencoderTiny.from_pretrained(str(paths.models / "taesd")), plain_pipe.vae
    try:
        expected = plain_image(plain_pipe, diffusers.EulerDiscreteScheduler, 4.0)
    finally:
        plain_pipe.vae = full_vae
    assert np.abs(pixels(fast) - pixels(expected)).max() <= 1
    assert np.abs(pixels(fast) - pixels(missing)).max() > 0  # not the VAE's image
    text = read_png_text(fast.outputs[0])["parameters"]
    assert "VAE: taesd," in text and spec_from_infotext(text).decoder == "fast"
    assert read_png_parameters(fast.outputs[0]).decoder == "fast"

    # The setting does the same for a job that does not choose; its PNG then records "fast" too.
    engine_ctx.settings = engine_ctx.settings.replace(fast_decode=True)
    by_setting = run(spec.replace(decoder=""), RecordingReporter(), CancelToken(), engine_ctx)
    assert by_setting.decoder == "fast" and np.array_equal(pixels(by_setting), pixels(fast))
    assert read_png_parameters(by_setting.outputs[0]).decoder == "fast"
    full = run(spec.replace(decoder="full"), RecordingReporter(), CancelToken(), engine_ctx)
    assert full.decoder == "" and np.array_equal(pixels(full), pixels(missing))


def _install_lcm_lora(tiny_lora, paths):
    """The tiny LoRA where LCM-LoRA lives after a download: a folder named for it, generic weight file name."""
    folder = paths.models / "loras" / "lcm-lora-sdv1-5"
    folder.mkdir(parents=True)
    shutil.copy(tiny_lora, folder / "pytorch_lora_weights.safetensors")
    tiny_lora.unlink()
    return folder


def test_an_lcm_lora_sets_the_cli_defaults_and_runs_without_the_warning(tiny_sd_dir, tiny_lora, paths, fresh_ctx,
                                                                         capsys):
    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec

    _install_lcm_lora(tiny_lora, paths)
    lora = next(e for e in fresh_ctx.registry.scan() if e.type == "lora")
    assert (lora.details["few_step"], lora.details["few_step_source"]) == ("LCM", "name")

    def cli(*argv):
        args = build_parser().parse_args(["generate", "image", "--model", str(tiny_sd_dir), *argv])
        return _base_spec(args, seed=5)

    spec = cli("--prompt", f"{PROMPT} <lora:{lora.name}:1>")
    assert (spec.steps, spec.guidance, spec.scheduler, spec.timestep_spacing) == (4, 1.0, "lcm", "")
    assert capsys.readouterr().err.strip() == ("Using the settings lcm-lora-sdv1-5 recommends: steps 4, CFG 1, LCM.")
    spec = cli("--prompt", PROMPT, "--lora", lora.name, "--steps", "2", "--timestep-spacing", "trailing")
    assert (spec.steps, spec.scheduler, spec.timestep_spacing) == (2, "lcm", "trailing")  # flags win
    spec = spec.replace(width=64, height=64, loras=((lora.name, 1.0),))
    result = run(spec, RecordingReporter(), CancelToken(), fresh_ctx)
    assert result.outputs and not result.warnings, result.warnings  # LCM suits an LCM-LoRA: no warning
    plain = cli("--prompt", PROMPT)
    assert (plain.steps, plain.scheduler, plain.timestep_spacing) == (20, "euler", "")


def test_an_edit_keeps_the_full_vae_and_says_so(tiny_sd_dir, engine_ctx, tmp_path):
    init = tmp_path / "init.png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(init)
    spec = ImageSpec(prompt=PROMPT, model=str(tiny_sd_dir), seed=5, steps=2, width=64, height=64, guidance=1.0,
                     scheduler="lcm", decoder="fast", init_image=str(init), strength=0.5)
    result = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert result.outputs and result.decoder == ""
    assert result.warnings[0] == "Fast decode is for new images; this edit is decoded with the model's full VAE."
    assert result.warnings[1].startswith("LCM suits models and LoRAs distilled for it")
    assert read_png_parameters(result.outputs[0]).decoder == ""
