"""Single-file checkpoints load offline and match their diffusers folder; nothing opens a socket."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from studio.core.models.identify import identify_path
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings
from studio.engines.models.sd_keys import export_single_file


@pytest.fixture(scope="module")
def tiny_single_file(tiny_sd_dir, tmp_path_factory):
    """The tiny SD pipeline written as one checkpoint with the original SD key names, plus its
    config folder (configs + tokenizer, no weights) beside it as ``<stem>.config``."""
    out = tmp_path_factory.mktemp("single") / "tiny-sd.safetensors"
    export_single_file(tiny_sd_dir, out)
    shutil.copytree(tiny_sd_dir, out.with_name("tiny-sd.config"), ignore=shutil.ignore_patterns("*.safetensors"))
    return out


def test_export_writes_original_key_names(tiny_single_file):
    from studio.core.models.safetensors_header import read_header

    keys = read_header(tiny_single_file).keys()
    assert "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight" in keys
    assert "model.diffusion_model.middle_block.1.proj_in.weight" in keys
    assert "first_stage_model.decoder.mid.attn_1.q.weight" in keys
    assert "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight" in keys
    assert not any(".config" in k for k in keys)
    e = identify_path(tiny_single_file, "user")
    assert (e.type, e.family, e.status) == ("sd_single_file", "sd1", "ok")


def _image(pipe) -> np.ndarray:
    return pipe("a red dress", num_inference_steps=2, height=64, width=64, guidance_scale=5.0,
                generator=torch.Generator().manual_seed(3), output_type="np").images[0]


def test_single_file_generates_the_same_image_offline(tiny_single_file, tiny_sd_dir, no_network):
    from diffusers import StableDiffusionPipeline

    from studio.engines.models.single_file import load

    entry = identify_path(tiny_single_file, "user")
    pipe = load(entry, "cpu", torch.float32)
    ref = StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True)
    for comp in ("unet", "vae", "text_encoder"):
        a, b = getattr(pipe, comp).state_dict(), getattr(ref, comp).state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in b), comp
    np.testing.assert_array_equal(_image(pipe), _image(ref))
    assert no_network == []


@pytest.mark.parametrize("family,unet_params,text_params", [
    ("sd1", 859_520_964, 123_060_480),
    ("sd2", 865_910_724, 340_387_840),
    ("sdxl", 2_567_463_684, 123_060_480),
])
def test_shipped_configs_build_the_published_architectures(family, unet_params, text_params):
    """The configs in resources/configs give the published parameter counts (built on the meta device)."""
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from studio.engines.models.single_file import configs_dir

    root = configs_dir() / family
    with init_empty_weights():
        unet = UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(str(root / "unet")))
        vae = AutoencoderKL.from_config(AutoencoderKL.load_config(str(root / "vae")))
        te = CLIPTextModel(CLIPTextConfig.from_pretrained(str(root / "text_encoder")))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(unet) == unet_params
    assert count(vae) == 83_653_863
    assert count(te) == text_params
    index = json.loads((root / "model_index.json").read_text())
    assert index["safety_checker"] == [None, None] if "safety_checker" in index else True


def test_offline_list_resolve_and_generate_through_the_engine(paths, tiny_sd_dir, tiny_single_file, no_network):
    """With every socket refused: scan, resolve, load and generate with both a folder and a single file."""
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec

    shutil.copytree(tiny_sd_dir, paths.models / "tiny-sd-folder")
    shutil.copy(tiny_single_file, paths.models / "tiny-sd.safetensors")
    shutil.copytree(tiny_single_file.with_name("tiny-sd.config"), paths.models / "tiny-sd.config")
    settings = Settings()
    assert settings.offline is True
    entries = {e.name: e for e in ModelRegistry(paths, settings).scan()}
    assert entries["tiny-sd-folder"].usable and entries["tiny-sd"].type == "sd_single_file"
    ctx = EngineContext.create(paths, settings, device="cpu")
    outs = []
    for name in ("tiny-sd-folder", "tiny-sd"):
        spec = ImageSpec(prompt="a hat", model=name, seed=5, steps=2, width=64, height=64, guidance=4.0)
        res = run_spec(spec, NullReporter(), CancelToken(), ctx)
        assert res.outputs and not res.cancelled
        from PIL import Image

        outs.append(np.asarray(Image.open(res.outputs[0]).convert("RGB")))
    np.testing.assert_array_equal(outs[0], outs[1])  # the single file is the same model as the folder
    assert no_network == []


def test_config_folder_beside_a_checkpoint_is_part_of_it(paths, tiny_single_file):
    shutil.copy(tiny_single_file, paths.models / "tiny-sd.safetensors")
    shutil.copytree(tiny_single_file.with_name("tiny-sd.config"), paths.models / "tiny-sd.config")
    mine = [e for e in ModelRegistry(paths, Settings()).scan() if e.source == "user"]
    assert [e.name for e in mine] == ["tiny-sd"]
    assert mine[0].details["config"].endswith("tiny-sd.config")


def test_nine_channel_single_file_loads_as_inpainting_and_inpaints_like_its_folder(paths, tiny_sd_dir, tmp_path,
                                                                                   no_network):
    """An inpainting checkpoint in one file (conv_in takes 9 channels) beside a config folder of the plain
    4-channel model, as people copy one: the UNet is built with the file's 9 channels and inpaints exactly as
    the diffusers folder it came from."""
    from PIL import Image

    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.engines.models.single_file import load
    from studio.host.dispatch import run_spec
    from tests.control.conftest import build_tiny_inpaint_sd

    folder = build_tiny_inpaint_sd(tmp_path / "tiny-inpaint")
    single = paths.models / "tiny-inpainting.safetensors"
    export_single_file(folder, single)
    shutil.copytree(tiny_sd_dir, single.with_name("tiny-inpainting.config"),
                    ignore=shutil.ignore_patterns("*.safetensors"))  # the plain model's config: in_channels 4
    entry = identify_path(single, "user")
    assert (entry.type, entry.family, entry.details["in_channels"], entry.details["variant"]) == (
        "sd_single_file", "sd1", 9, "inpainting")
    assert load(entry, "cpu", torch.float32).unet.config.in_channels == 9
    shutil.copytree(folder, paths.models / "tiny-inpaint-folder")
    init, mask = tmp_path / "init.png", tmp_path / "mask.png"
    Image.new("RGB", (64, 64), (30, 160, 90)).save(init)
    m = Image.new("L", (64, 64), 0)
    m.paste(255, (8, 8, 56, 56))
    m.save(mask)
    ctx = EngineContext.create(paths, Settings(), device="cpu")
    outs = []
    for name in ("tiny-inpaint-folder", "tiny-inpainting"):
        spec = ImageSpec(prompt="a hat", model=name, seed=5, steps=2, width=64, height=64, guidance=4.0,
                         init_image=str(init), mask=str(mask), strength=1.0, mask_blur=0)
        res = run_spec(spec, NullReporter(), CancelToken(), ctx)
        assert res.operation == "inpaint"
        outs.append(np.asarray(Image.open(res.outputs[0]).convert("RGB"), dtype=np.int16))
    assert np.abs(outs[0] - outs[1]).max() <= 1
    assert no_network == []
