"""ControlNets of the transformer families (SD 3/3.5, FLUX.1, Qwen-Image, Z-Image) on tiny random pipelines:
identified from their folders, run through the studio's engine, and equal to plain diffusers' ControlNet
pipeline for the same components, control image and seed; refusals in one line."""
from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.errors import ModelError
from studio.core.models.families import FAMILIES
from studio.core.models.identify import identify_path
from studio.core.progress import CancelToken
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.fixtures.tiny_families import SIZE, components, pipeline_class
from tests.image_families.conftest import family_ctx as ctx  # noqa: F401 (fixture: a CPU engine context)

KEYS = ("sd3", "flux", "qwenimage", "zimage")


def _controlnet(key: str):
    """A tiny ControlNet of ``key`` fitting tests.fixtures.tiny_families' transformer (diffusers' test sizes)."""
    import diffusers

    torch.manual_seed(1)
    net = {
        "sd3": lambda: diffusers.SD3ControlNetModel(
            sample_size=32, patch_size=1, in_channels=4, num_layers=1, attention_head_dim=8, num_attention_heads=4,
            joint_attention_dim=32, caption_projection_dim=32, pooled_projection_dim=64, out_channels=4,
            extra_conditioning_channels=0),
        "flux": lambda: diffusers.FluxControlNetModel(
            patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
            num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 4, 8]),
        "qwenimage": lambda: diffusers.QwenImageControlNetModel(
            patch_size=2, in_channels=16, out_channels=4, num_layers=2, attention_head_dim=16, num_attention_heads=3,
            joint_attention_dim=16, axes_dims_rope=(8, 4, 4)),
        "zimage": lambda: diffusers.ZImageControlNetModel(
            control_layers_places=[0], control_refiner_layers_places=[0], control_in_dim=16, all_patch_size=(2,),
            all_f_patch_size=(1,), dim=32, n_refiner_layers=1, n_heads=2, n_kv_heads=2, norm_eps=1e-5, qk_norm=True),
    }[key]()
    with torch.no_grad():  # diffusers starts the zero convolutions at zero: give them weight so control shows
        for _name, p in net.named_parameters():
            if not p.abs().sum():
                p.normal_(0, 0.3)
    return net


def _base(key: str) -> dict:
    parts = components(key)
    if key == "sd3":  # the last SD3 block is context-only and takes no control: two blocks let control show
        from diffusers import SD3Transformer2DModel

        torch.manual_seed(0)
        parts["transformer"] = SD3Transformer2DModel(
            sample_size=32, patch_size=1, in_channels=4, num_layers=2, attention_head_dim=8, num_attention_heads=4,
            caption_projection_dim=32, joint_attention_dim=32, pooled_projection_dim=64, out_channels=4)
    return parts


_BUILT: dict[str, tuple[Path, Path]] = {}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``built(key)``: (tiny pipeline folder, its ControlNet folder), saved on first use."""

    def get(key: str) -> tuple[Path, Path]:
        if key not in _BUILT:
            root = tmp_path_factory.mktemp(f"cn-{key}")
            pipeline_class(key)(**_base(key)).save_pretrained(str(root / "model"), safe_serialization=True)
            _controlnet(key).save_pretrained(str(root / "controlnet"), safe_serialization=True)
            _BUILT[key] = (root / "model", root / "controlnet")
        return _BUILT[key]

    return get


@pytest.fixture(scope="module")
def control_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("control") / "edges.png"
    im = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    im[8:56, 20:28] = 255
    im[40:48, 8:56] = 255
    Image.fromarray(im).save(path)
    return path


def spec(model: Path, **kw) -> ImageSpec:
    base = dict(prompt="a red cat", negative_prompt="blurry", model=str(model), seed=5, steps=2, width=SIZE,
                height=SIZE, guidance=3.0, scheduler="euler")
    base.update(kw)
    return ImageSpec(**base)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def plain(key: str, model: Path, net_dir: Path, s: ImageSpec, control: Path, weight: float) -> np.ndarray:
    """The same image from a plain diffusers call of the family's ControlNet pipeline."""
    import diffusers

    fam = FAMILIES[key]
    net = getattr(diffusers, fam.controlnet_class).from_pretrained(str(net_dir), local_files_only=True)
    pipe = getattr(diffusers, fam.controlnet_pipeline("txt2img")).from_pretrained(
        str(model), controlnet=net, local_files_only=True)
    kwargs = dict(prompt=s.prompt, negative_prompt=s.negative_prompt, num_inference_steps=s.steps, width=s.width,
                  height=s.height, generator=torch.Generator("cpu").manual_seed(s.seed), output_type="pil",
                  control_image=Image.open(control).convert("RGB"), controlnet_conditioning_scale=weight)
    kwargs[fam.cfg_arg] = s.guidance
    accepted = set(inspect.signature(pipe.__call__).parameters)
    torch.manual_seed(s.seed)  # SD3's ControlNet pipeline samples the control latents from the global generator
    return np.asarray(pipe(**{k: v for k, v in kwargs.items() if k in accepted}).images[0].convert("RGB"),
                      dtype=np.int16)


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.slow) if k == "zimage" else k for k in KEYS])
def test_family_controlnet_identified_run_and_equal_to_plain_diffusers(key, built, ctx, control_png):
    model, net_dir = built(key)
    entry = identify_path(net_dir, "path")
    assert (entry.type, entry.family, entry.status) == ("controlnet", key, "ok"), entry.reason
    unit = ControlUnit(model=str(net_dir), image=str(control_png), weight=0.9)
    s = spec(model, controls=(unit,))
    ours = run(s, RecordingReporter(), CancelToken(), ctx)
    assert np.abs(pixels(ours.outputs[0]) - plain(key, model, net_dir, s, control_png, 0.9)).max() <= 1
    without = run(spec(model), RecordingReporter(), CancelToken(), ctx)
    assert np.abs(pixels(ours.outputs[0]) - pixels(without.outputs[0])).mean() > 0.5  # the control shows


def test_flux_controlnet_guides_img2img_and_inpaint(built, ctx, control_png, tmp_path):
    model, net_dir = built("flux")
    src, mask = tmp_path / "src.png", tmp_path / "mask.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)).save(src)
    m = Image.new("L", (SIZE, SIZE), 0)
    m.paste(255, (16, 16, 48, 48))
    m.save(mask)
    unit = ControlUnit(model=str(net_dir), image=str(control_png), weight=1.0)
    for extra in ({}, {"mask": str(mask)}):
        guided = run(spec(model, init_image=str(src), strength=0.8, steps=3, controls=(unit,), **extra),
                     RecordingReporter(), CancelToken(), ctx)
        free = run(spec(model, init_image=str(src), strength=0.8, steps=3, **extra), RecordingReporter(),
                   CancelToken(), ctx)
        assert guided.operation == ("inpaint" if extra else "img2img")
        assert np.abs(pixels(guided.outputs[0]) - pixels(free.outputs[0])).mean() > 0.5


def test_refusals_are_one_line(built, ctx, control_png, tmp_path):
    sd3, sd3_net = built("sd3")
    _flux, flux_net = built("flux")
    wrong = ControlUnit(model=str(flux_net), image=str(control_png))
    with pytest.raises(ModelError) as exc:  # a FLUX.1 ControlNet asked of an SD3 model, before anything loads
        run(spec(sd3, controls=(wrong,)), RecordingReporter(), CancelToken(), ctx)
    assert "FLUX.1" in str(exc.value) and "SD 3" in str(exc.value) and "\n" not in str(exc.value)
    src = tmp_path / "src.png"
    Image.new("RGB", (SIZE, SIZE), (90, 90, 90)).save(src)
    unit = ControlUnit(model=str(sd3_net), image=str(control_png))
    with pytest.raises(ModelError) as exc:  # diffusers has no SD3 ControlNet img2img pipeline
        run(spec(sd3, init_image=str(src), strength=0.5, controls=(unit,)), RecordingReporter(), CancelToken(), ctx)
    assert "img2img" in str(exc.value) and "\n" not in str(exc.value)


def test_transformer_controlnet_single_file_needs_its_config(built, ctx, control_png, tmp_path):
    import shutil

    model, net_dir = built("flux")
    lone = tmp_path / "flux-canny.safetensors"
    shutil.copy(net_dir / "diffusion_pytorch_model.safetensors", lone)
    entry = identify_path(lone, "path")
    assert (entry.type, entry.family) == ("controlnet", "flux")
    unit = ControlUnit(model=str(lone), image=str(control_png))
    with pytest.raises(ModelError) as exc:
        run(spec(model, controls=(unit,)), RecordingReporter(), CancelToken(), ctx)
    assert "config.json" in str(exc.value) and "\n" not in str(exc.value)
    shutil.copytree(net_dir, tmp_path / "flux-canny.config", ignore=shutil.ignore_patterns("*.safetensors"))
    with_config = run(spec(model, controls=(unit,)), RecordingReporter(), CancelToken(), ctx)
    folder = run(spec(model, controls=(ControlUnit(model=str(net_dir), image=str(control_png)),)),
                 RecordingReporter(), CancelToken(), ctx)
    assert np.abs(pixels(with_config.outputs[0]) - pixels(folder.outputs[0])).max() <= 1
