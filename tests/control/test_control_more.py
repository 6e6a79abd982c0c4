"""Single-file ControlNets, SDXL ControlNet units, and units kept by the queue across a restart."""
from __future__ import annotations

import json
import shutil

import numpy as np
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.store.queue import QueueStore
from studio.core.specs.image import ControlUnit, ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_single_file_controlnet_gives_the_folder_s_image(tiny_sd_dir, tiny_controlnet_dir, control_image, paths,
                                                         engine_ctx):
    single = paths.models / "cn-single.safetensors"
    shutil.copy(tiny_controlnet_dir / "diffusion_pytorch_model.safetensors", single)
    sidecar = paths.models / "cn-single.config"  # its architecture (a custom size: the tiny test net)
    sidecar.mkdir()
    shutil.copy(tiny_controlnet_dir / "config.json", sidecar / "config.json")
    base = dict(prompt="a cat", model=str(tiny_sd_dir), seed=2, steps=2, width=64, height=64)
    by_file = run(ImageSpec(**base, controls=(ControlUnit(model="cn-single", image=str(control_image)),)),
                  RecordingReporter(), CancelToken(), engine_ctx)
    by_folder = run(ImageSpec(**base, controls=(ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image)),)),
                    RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(by_file.outputs[0]) - pixels(by_folder.outputs[0])).max() <= 1


def test_sdxl_model_with_an_sdxl_controlnet(tiny_sdxl_dir, tiny_sdxl_controlnet_dir, control_image, engine_ctx):
    base = dict(prompt="a cat", model=str(tiny_sdxl_dir), seed=2, steps=2, width=64, height=64)
    made = run(ImageSpec(**base, controls=(ControlUnit(model=str(tiny_sdxl_controlnet_dir), image=str(control_image),
                                                       preprocess="lineart"),)),
               RecordingReporter(), CancelToken(), engine_ctx)
    plain = run(ImageSpec(**base), RecordingReporter(), CancelToken(), engine_ctx)
    assert np.abs(pixels(made.outputs[0]) - pixels(plain.outputs[0])).mean() > 0.5


def test_queued_units_survive_a_restart(paths, tmp_path):
    spec = ImageSpec(prompt="a cat", controls=(ControlUnit(model="cn", image="/x/c.png", weight=0.4, start=0.1,
                                                           preprocess="scribble"),), ip_image="/x/r.png", ip_weight=0.3)
    store = QueueStore(paths.queue_db)
    job_id = store.add(spec)
    store.close()
    again = QueueStore(paths.queue_db)
    try:
        assert again.get(job_id).spec == spec
    finally:
        again.close()
    bad = json.loads('{"kind": "image", "controls": [{"model": "cn", "weight": "heavy"}]}')
    from studio.core.errors import SpecError
    from studio.core.specs.serial import spec_from_dict

    try:
        spec_from_dict(bad)
    except SpecError as exc:
        assert "weight" in str(exc)
    else:
        raise AssertionError("a unit with a text weight must be refused")


def build_tiny_depth(out_dir) -> None:
    """A tiny DPT depth-estimation model with its image processor (a transformers folder)."""
    import torch
    from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessor

    torch.manual_seed(0)
    cfg = DPTConfig(hidden_size=32, num_hidden_layers=4, num_attention_heads=4, intermediate_size=37, image_size=32,
                    patch_size=8, backbone_out_indices=[0, 1, 2, 3], neck_hidden_sizes=[16, 16, 32, 32],
                    fusion_hidden_size=16, reassemble_factors=[4, 2, 1, 0.5])
    DPTForDepthEstimation(cfg).save_pretrained(str(out_dir))
    DPTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(str(out_dir))


def test_depth_preprocessor_needs_an_installed_depth_model(tiny_sd_dir, tiny_controlnet_dir, control_image, paths,
                                                          engine_ctx):
    import pytest

    from studio.core.errors import ModelError
    from studio.core.models.identify import identify_path
    from studio.engines.diffusion.control import depth_map

    unit = ControlUnit(model=str(tiny_controlnet_dir), image=str(control_image), preprocess="depth")
    spec = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), seed=2, steps=1, width=64, height=64, controls=(unit,))
    with pytest.raises(ModelError, match="needs a depth model") as err:
        run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert "\n" not in str(err.value)
    build_tiny_depth(paths.models / "tiny-depth")
    assert identify_path(paths.models / "tiny-depth", "user").type == "depth_estimator"
    depth = depth_map(engine_ctx, Image.open(control_image).convert("RGB"), 1)
    assert depth.size == (64, 64) and depth.mode == "RGB"
    assert np.asarray(depth).std() > 0  # a map, not a flat image
    assert run(spec, RecordingReporter(), CancelToken(), engine_ctx).outputs


def test_a_family_without_controlnet_is_refused_in_one_line(control_image):
    import pytest

    from studio.core.errors import ModelError
    from studio.core.models.keypatterns import classify
    from studio.core.models.registry import ModelEntry
    from studio.engines.diffusion.control import refuse_family

    chroma = ModelEntry(name="chroma-hd", path="/m/chroma", type="diffusers", family="chroma")
    with pytest.raises(ModelError, match="chroma-hd cannot take ControlNet units") as err:
        refuse_family(chroma)
    assert "\n" not in str(err.value) and "FLUX.1" in str(err.value)  # the families that do are named
    sd3 = ModelEntry(name="sd35", path="/m/sd35", type="diffusers", family="sd3")
    refuse_family(sd3)  # new images: fine
    with pytest.raises(ModelError, match="img2img") as err:  # diffusers has no SD3 ControlNet img2img
        refuse_family(sd3, "img2img")
    assert "\n" not in str(err.value)
    refuse_family(ModelEntry(name="sd", path="/m/sd", type="diffusers", family="sd1"), "inpaint")  # fine
    # A FLUX.1 ControlNet file is a ControlNet (of FLUX.1), not a FLUX.1 transformer.
    keys = {"controlnet_x_embedder.weight": None, "controlnet_blocks.0.weight": None,
            "transformer_blocks.0.attn.to_q.weight": None, "single_transformer_blocks.0.attn.to_q.weight": None}
    found = classify(keys)
    assert (found.type, found.family) == ("controlnet", "flux")
