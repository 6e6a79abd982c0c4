"""ControlNet units through the image engine on tiny random-weight models, against plain diffusers calls."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import ModelError, SpecError
from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter


def spec_for(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a photo of a cat", model=str(model_dir), seed=7, steps=3, width=64, height=64, guidance=5.0)
    base.update(kw)
    return ImageSpec(**base)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def plain_pipe(sd_dir, nets):
    from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

    from studio.engines.pipelines.schedulers import make_scheduler

    loaded = [ControlNetModel.from_pretrained(str(n), local_files_only=True) for n in nets]
    pipe = StableDiffusionControlNetPipeline.from_pretrained(str(sd_dir), controlnet=loaded[0] if len(loaded) == 1
                                                             else loaded, local_files_only=True, safety_checker=None)
    pipe.scheduler = make_scheduler("euler", pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_studio_image_equals_plain_diffusers_controlnet(tiny_sd_dir, tiny_controlnet_dir, control_image,
                                                        engine_ctx):
    import torch

    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), weight=0.8, start=0.0, end=1.0)
    ours = run(spec_for(tiny_sd_dir, controls=(unit,)), RecordingReporter(), CancelToken(), engine_ctx)
    plain = plain_pipe(tiny_sd_dir, [tiny_controlnet_dir])(
        "a photo of a cat", image=Image.open(control_image).convert("RGB"), num_inference_steps=3, guidance_scale=5.0,
        width=64, height=64, controlnet_conditioning_scale=0.8,
        generator=torch.Generator("cpu").manual_seed(7)).images[0]
    assert np.abs(pixels(ours.outputs[0]) - np.asarray(plain, dtype=np.int16)).max() <= 1
    without = run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(ours.outputs[0]) - pixels(without.outputs[0])).mean() > 1.0  # the control shows


def test_two_units_stack_as_a_multicontrolnet(tiny_sd_dir, tiny_controlnet_dir, tiny_controlnet2_dir, control_image,
                                             engine_ctx):
    import torch

    from studio.engines.diffusion.preprocess import canny

    units = (ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), weight=0.7),
             ControlUnit(model=str(tiny_controlnet2_dir), image=str(control_image), weight=0.5, preprocess="canny",
                         start=0.2, end=0.8))
    ours = run(spec_for(tiny_sd_dir, controls=units), RecordingReporter(), CancelToken(), engine_ctx)
    src = Image.open(control_image).convert("RGB")
    plain = plain_pipe(tiny_sd_dir, [tiny_controlnet_dir, tiny_controlnet2_dir])(
        "a photo of a cat", image=[src, canny(src)], num_inference_steps=3, guidance_scale=5.0, width=64, height=64,
        controlnet_conditioning_scale=[0.7, 0.5], control_guidance_start=[0.0, 0.2], control_guidance_end=[1.0, 0.8],
        generator=torch.Generator("cpu").manual_seed(7)).images[0]
    assert np.abs(pixels(ours.outputs[0]) - np.asarray(plain, dtype=np.int16)).max() <= 1
    one = run(spec_for(tiny_sd_dir, controls=units[:1]), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(ours.outputs[0]) - pixels(one.outputs[0])).mean() > 0.5


def test_start_and_end_are_honoured(tiny_sd_dir, tiny_controlnet_dir, control_image, engine_ctx):
    def make(start, end):
        unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), start=start, end=end)
        return pixels(run(spec_for(tiny_sd_dir, steps=4, controls=(unit,)), RecordingReporter(), CancelToken(),
                          engine_ctx).outputs[0])

    plain = pixels(run(spec_for(tiny_sd_dir, steps=4), RecordingReporter(), CancelToken(), engine_ctx).outputs[0])
    full, late, early = make(0.0, 1.0), make(0.5, 1.0), make(0.0, 0.5)
    assert np.abs(full - plain).mean() > 1.0
    assert np.abs(late - full).mean() > 0.5 and np.abs(early - full).mean() > 0.5
    assert np.abs(late - early).mean() > 0.5


def test_metadata_round_trips_through_reuse_parameters(tiny_sd_dir, tiny_controlnet_dir, control_image, engine_ctx):
    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), weight=0.6, start=0.1, end=0.9,
                       preprocess="canny")
    spec = spec_for(tiny_sd_dir, controls=(unit,))
    first = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    text = read_png_text(first.outputs[0])["parameters"]
    assert 'ControlNet 0: "Module: canny, Model: tiny-cn' in text
    assert "Weight: 0.6, Guidance Start: 0.1, Guidance End: 0.9" in text
    again = read_png_parameters(first.outputs[0])
    assert again.controls == (unit,)
    second = run(again, RecordingReporter(), CancelToken(), engine_ctx)
    assert np.array_equal(pixels(first.outputs[0]), pixels(second.outputs[0]))
    # An A1111 reader gets the units back from the parameters text alone (without the image: not recorded)
    from studio.core.pngmeta import spec_from_infotext

    words = spec_from_infotext(text).controls
    assert words == (ControlUnit(model="tiny-cn", image="", weight=0.6, start=0.1, end=0.9, preprocess="canny"),)


def test_img2img_and_inpaint_with_control(tiny_sd_dir, tiny_controlnet_dir, control_image, engine_ctx, tmp_path):
    import torch
    from diffusers import ControlNetModel, StableDiffusionControlNetImg2ImgPipeline

    from studio.engines.pipelines.schedulers import make_scheduler

    init = tmp_path / "init.png"
    Image.new("RGB", (64, 64), (40, 120, 200)).save(init)
    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), weight=0.9)
    ours = run(spec_for(tiny_sd_dir, controls=(unit,), init_image=str(init), strength=0.7), RecordingReporter(),
               CancelToken(), engine_ctx)
    pipe = StableDiffusionControlNetImg2ImgPipeline.from_pretrained(
        str(tiny_sd_dir), controlnet=ControlNetModel.from_pretrained(str(tiny_controlnet_dir)), safety_checker=None)
    pipe.scheduler = make_scheduler("euler", pipe.scheduler.config)
    plain = pipe("a photo of a cat", image=Image.open(init).convert("RGB"),
                 control_image=Image.open(control_image).convert("RGB"), strength=0.7, num_inference_steps=3,
                 guidance_scale=5.0, width=64, height=64, controlnet_conditioning_scale=0.9,
                 generator=torch.Generator("cpu").manual_seed(7)).images[0]
    assert np.abs(pixels(ours.outputs[0]) - np.asarray(plain, dtype=np.int16)).max() <= 1
    mask = tmp_path / "mask.png"
    m = Image.new("L", (64, 64), 0)
    m.paste(255, (16, 16, 48, 48))
    m.save(mask)
    painted = run(spec_for(tiny_sd_dir, controls=(unit,), init_image=str(init), mask=str(mask), strength=1.0),
                  RecordingReporter(), CancelToken(), engine_ctx)
    out = pixels(painted.outputs[0])
    assert np.array_equal(out[:8], pixels(init)[:8])  # outside the mask: the original, exactly
    assert "ControlNet 0:" in read_png_text(painted.outputs[0])["parameters"]


def test_control_image_of_another_size_is_resized_and_said_once(tiny_sd_dir, tiny_controlnet_dir, tmp_path,
                                                                  engine_ctx):
    big = tmp_path / "big.png"
    Image.new("RGB", (100, 80), (200, 10, 10)).save(big)
    rep = RecordingReporter()
    logged: list[str] = []
    rep.log = logged.append
    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(big))
    result = run(spec_for(tiny_sd_dir, controls=(unit,)), rep, CancelToken(), engine_ctx)
    said = [w for w in result.warnings if "100×80" in w]
    assert said == ["The control image of unit 1 is 100×80; it is resized to 64×64."]
    assert sum("100×80" in line for line in logged) == 1


def test_controlnet_of_the_wrong_family_is_refused_in_one_line(tiny_sd_dir, tiny_sdxl_controlnet_dir, control_image,
                                                               engine_ctx):
    unit = ControlUnit(model=str(tiny_sdxl_controlnet_dir), image=str(control_image))
    with pytest.raises(ModelError) as err:
        run(spec_for(tiny_sd_dir, controls=(unit,)), RecordingReporter(), CancelToken(), engine_ctx)
    message = str(err.value)
    assert "\n" not in message and "tiny-cn-xl" in message and "SDXL" in message and "family" in message


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n\x00\x00broken"])
def test_unreadable_control_image_is_one_line(tiny_sd_dir, tiny_controlnet_dir, tmp_path, engine_ctx, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(bad))
    with pytest.raises(SpecError) as err:
        run(spec_for(tiny_sd_dir, controls=(unit,)), RecordingReporter(), CancelToken(), engine_ctx)
    assert "\n" not in str(err.value) and str(err.value).startswith("ControlNet unit 1: bad.png is not a readable")
    missing = ControlUnit(model=str(tiny_controlnet_dir), image=str(tmp_path / "gone.png"))
    with pytest.raises(SpecError, match="ControlNet unit 1: Image not found"):
        run(spec_for(tiny_sd_dir, controls=(missing,)), RecordingReporter(), CancelToken(), engine_ctx)


def test_bad_units_are_refused_by_the_spec(tiny_controlnet_dir):
    with pytest.raises(SpecError, match="start"):
        ImageSpec(controls=(ControlUnit(model="x", image="a.png", start=0.8, end=0.2),)).validate()
    with pytest.raises(SpecError, match="preprocessor"):
        ImageSpec(controls=(ControlUnit(model="x", image="a.png", preprocess="magic"),)).validate()
    with pytest.raises(SpecError, match="weight"):
        ImageSpec(controls=(ControlUnit(model="x", image="a.png", weight=7.0),)).validate()
