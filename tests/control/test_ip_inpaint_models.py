"""IP-Adapter image prompts and 9-channel inpainting UNets through the engine; model identification."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import ModelError
from studio.core.models.identify import identify_path
from studio.core.pngmeta import read_png_parameters, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.control.conftest import build_tiny_ip_adapter
from tests.diffusion.conftest import RecordingReporter


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


@pytest.fixture()
def ip_adapter(tiny_sd_dir, paths):
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel.from_pretrained(str(tiny_sd_dir / "unet"))
    return build_tiny_ip_adapter(paths.models / "ip-adapter" / "models", unet)


@pytest.fixture()
def reference(tmp_path):
    im = Image.new("RGB", (48, 48), (250, 200, 20))
    im.paste((20, 20, 200), (0, 0, 24, 48))
    path = tmp_path / "ref.png"
    im.save(path)
    return path


def test_ip_adapter_is_identified_with_its_image_encoder(ip_adapter):
    entry = identify_path(ip_adapter, "user")
    assert (entry.type, entry.status) == ("ip_adapter", "ok")
    assert entry.details["image_encoder"].endswith("image_encoder")
    shutil.rmtree(ip_adapter.parent / "image_encoder")
    alone = identify_path(ip_adapter, "user")
    assert alone.status == "broken" and "image encoder" in alone.reason


def test_image_prompt_equals_plain_diffusers_and_is_recorded(tiny_sd_dir, ip_adapter, reference, engine_ctx):
    import torch
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPImageProcessor, CLIPVisionModelWithProjection

    from studio.engines.pipelines.schedulers import make_scheduler

    spec = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), seed=3, steps=3, width=64, height=64, guidance=5.0,
                     ip_image=str(reference), ip_weight=0.8)
    ours = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    pipe = StableDiffusionPipeline.from_pretrained(
        str(tiny_sd_dir), safety_checker=None,
        image_encoder=CLIPVisionModelWithProjection.from_pretrained(str(ip_adapter.parent / "image_encoder")),
        feature_extractor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}))
    pipe.load_ip_adapter(str(ip_adapter.parent), subfolder="", weight_name=ip_adapter.name, image_encoder_folder=None)
    pipe.set_ip_adapter_scale(0.8)
    pipe.scheduler = make_scheduler("euler", pipe.scheduler.config)
    plain = pipe("a cat", ip_adapter_image=Image.open(reference).convert("RGB"), num_inference_steps=3,
                 guidance_scale=5.0, width=64, height=64, generator=torch.Generator("cpu").manual_seed(3)).images[0]
    assert np.abs(pixels(ours.outputs[0]) - np.asarray(plain, dtype=np.int16)).max() <= 1
    text = read_png_text(ours.outputs[0])["parameters"]
    assert 'ControlNet 0: "Module: ip-adapter, Model: ip-adapter_tiny, Weight: 0.8' in text
    assert read_png_parameters(ours.outputs[0]) == spec
    # The cached pipeline is plain again for the next job.
    after = run(spec.replace(ip_image=None), RecordingReporter(), CancelToken(), engine_ctx)
    before = run(spec.replace(ip_image=None, seed=3), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.array_equal(pixels(after.outputs[0]), pixels(before.outputs[0]))
    assert np.abs(pixels(after.outputs[0]) - pixels(ours.outputs[0])).mean() > 0.5


def test_image_prompt_without_an_installed_ip_adapter_is_one_line(tiny_sd_dir, reference, engine_ctx):
    spec = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), steps=1, width=64, height=64, ip_image=str(reference))
    with pytest.raises(ModelError, match="IP-Adapter") as err:
        run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert "\n" not in str(err.value)


def test_inpainting_unet_is_identified_and_used_for_inpaint(tiny_inpaint_dir, tiny_sd_dir, engine_ctx, tmp_path):
    import torch
    from diffusers import StableDiffusionInpaintPipeline

    from studio.engines.pipelines.schedulers import make_scheduler

    from studio.core.models.families import caps_of

    entry = identify_path(tiny_inpaint_dir, "user")
    assert entry.details["variant"] == "inpainting" and entry.details["in_channels"] == 9
    assert "variant" not in identify_path(tiny_sd_dir, "user").details
    # The model manager's "Can do" row says so (and a plain SD model does not claim it).
    assert caps_of(entry).native_inpaint and "inpaints natively" in caps_of(entry).names()
    assert not caps_of(identify_path(tiny_sd_dir, "user")).native_inpaint
    init, mask = tmp_path / "init.png", tmp_path / "mask.png"
    Image.new("RGB", (64, 64), (30, 160, 90)).save(init)
    m = Image.new("L", (64, 64), 0)
    m.paste(255, (8, 8, 56, 56))
    m.save(mask)
    spec = ImageSpec(prompt="a cat", model=str(tiny_inpaint_dir), seed=5, steps=3, width=64, height=64, guidance=5.0,
                     init_image=str(init), mask=str(mask), strength=1.0, mask_blur=0)
    ours = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    pipe = StableDiffusionInpaintPipeline.from_pretrained(str(tiny_inpaint_dir), safety_checker=None)
    pipe.scheduler = make_scheduler("euler", pipe.scheduler.config)
    plain = pipe("a cat", image=Image.open(init).convert("RGB"), mask_image=Image.open(mask), strength=1.0,
                 num_inference_steps=3, guidance_scale=5.0, width=64, height=64,
                 generator=torch.Generator("cpu").manual_seed(5)).images[0]
    inside = (slice(8, 56), slice(8, 56))
    assert np.abs(pixels(ours.outputs[0])[inside] - np.asarray(plain, dtype=np.int16)[inside]).max() <= 1
    # Text-to-image and img2img on an inpainting model run too (the whole image is the area to paint).
    made = run(spec.replace(init_image=None, mask=None), RecordingReporter(), CancelToken(), engine_ctx)
    assert Image.open(made.outputs[0]).size == (64, 64)
    edited = run(spec.replace(mask=None, strength=0.6), RecordingReporter(), CancelToken(), engine_ctx)
    assert Image.open(edited.outputs[0]).size == (64, 64)


def test_controlnet_folders_and_single_files_are_identified(tiny_controlnet_dir, tiny_sdxl_controlnet_dir, tmp_path):
    folder = identify_path(tiny_controlnet_dir, "user")
    assert (folder.type, folder.family, folder.status) == ("controlnet", "sd", "ok")
    assert identify_path(tiny_sdxl_controlnet_dir, "user").family == "sdxl"
    single = tmp_path / "cn-single.safetensors"
    shutil.copy(tiny_controlnet_dir / "diffusion_pytorch_model.safetensors", single)
    entry = identify_path(single, "user")
    assert (entry.type, entry.family, entry.status) == ("controlnet", "sd", "ok")
    assert entry.task == "addon"
    from studio.core.models.families import capabilities

    assert capabilities("diffusers", "sdxl").controlnet and capabilities("diffusers", "sdxl").ip_adapter
    assert capabilities("diffusers", "flux").controlnet and not capabilities("diffusers", "flux").ip_adapter
    assert not capabilities("diffusers", "chroma").controlnet
