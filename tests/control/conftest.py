"""Tiny ControlNet / IP-Adapter / inpainting models built from configs (random weights, fixed seeds)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.diffusion.conftest import _shared_model_cache, engine_ctx, fresh_ctx  # noqa: F401 (fixtures)


def build_tiny_controlnet(out_dir: Path, seed: int = 0, sdxl: bool = False) -> Path:
    """A ControlNet matching the tiny SD (or SDXL) UNet of tests.fixtures.tiny_models (×8 conditioning)."""
    import torch
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    common = dict(in_channels=4, layers_per_block=1, block_out_channels=(32, 64), norm_num_groups=32,
                  conditioning_embedding_out_channels=(16, 16, 16, 16))
    if sdxl:
        net = ControlNetModel(down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), attention_head_dim=(2, 4),
                              use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
                              transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80,
                              cross_attention_dim=64, **common)
    else:
        net = ControlNetModel(down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), cross_attention_dim=32,
                              attention_head_dim=8, **common)
    with torch.no_grad():  # diffusers starts the zero convolutions at zero: give them weight so control shows
        for name, p in net.named_parameters():
            if "controlnet_down_blocks" in name or "controlnet_mid_block" in name or "conv_out" in name:
                p.normal_(0, 0.5)
    net.save_pretrained(str(out_dir), safe_serialization=True)
    return Path(out_dir)


def build_tiny_ip_adapter(folder: Path, unet, seed: int = 0) -> Path:
    """An IP-Adapter file (h94 layout: ``image_proj.*`` + ``ip_adapter.N.to_k_ip``) and its tiny CLIP image
    encoder in ``image_encoder/`` beside it. Returns the adapter file."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    embed = 32
    CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=32, intermediate_size=37, projection_dim=embed,
                                                   num_hidden_layers=2, num_attention_heads=4, image_size=32,
                                                   patch_size=4)).save_pretrained(str(folder / "image_encoder"))
    cross = unet.config.cross_attention_dim
    channels = list(unet.config.block_out_channels)
    state = {"image_proj.proj.weight": torch.randn(cross * 4, embed) * 0.2, "image_proj.proj.bias": torch.zeros(cross * 4),
             "image_proj.norm.weight": torch.ones(cross), "image_proj.norm.bias": torch.zeros(cross)}
    key = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name[len("up_blocks.")])]
        else:
            hidden = channels[int(name[len("down_blocks.")])]
        state[f"ip_adapter.{key}.to_k_ip.weight"] = torch.randn(hidden, cross) * 0.5
        state[f"ip_adapter.{key}.to_v_ip.weight"] = torch.randn(hidden, cross) * 0.5
        key += 2  # the original numbering: 1, 3, 5… (the self-attention layers between them hold nothing)
    path = folder / "ip-adapter_tiny.safetensors"
    save_file(state, str(path))
    return path


def build_tiny_inpaint_sd(out_dir: Path, seed: int = 0) -> Path:
    """A tiny SD-1.x inpainting pipeline: its UNet takes 9 channels (latents, mask, masked image)."""
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionInpaintPipeline, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from tests.fixtures.tiny_models import SCHEDULER_CONFIG, _tiny_text_config, _tiny_vae, clip_tokenizer_source

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(sample_size=8, in_channels=9, out_channels=4, layers_per_block=1,
                                block_out_channels=(32, 64), cross_attention_dim=32, attention_head_dim=8,
                                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), norm_num_groups=32)
    pipe = StableDiffusionInpaintPipeline(vae=_tiny_vae(), text_encoder=CLIPTextModel(_tiny_text_config()),
                                          tokenizer=CLIPTokenizer.from_pretrained(str(clip_tokenizer_source())),
                                          unet=unet, scheduler=EulerDiscreteScheduler(**SCHEDULER_CONFIG),
                                          safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(str(out_dir), safe_serialization=True)
    return Path(out_dir)


@pytest.fixture(scope="session")
def tiny_controlnet_dir(tmp_path_factory) -> Path:
    return build_tiny_controlnet(tmp_path_factory.mktemp("cn") / "tiny-cn")


@pytest.fixture(scope="session")
def tiny_controlnet2_dir(tmp_path_factory) -> Path:
    return build_tiny_controlnet(tmp_path_factory.mktemp("cn") / "tiny-cn-2", seed=1)


@pytest.fixture(scope="session")
def tiny_sdxl_controlnet_dir(tmp_path_factory) -> Path:
    return build_tiny_controlnet(tmp_path_factory.mktemp("cn") / "tiny-cn-xl", sdxl=True)


@pytest.fixture(scope="session")
def tiny_inpaint_dir(tmp_path_factory) -> Path:
    return build_tiny_inpaint_sd(tmp_path_factory.mktemp("models") / "tiny-inpaint")


@pytest.fixture()
def control_image(tmp_path) -> Path:
    """A 64×64 picture with shapes (edges for Canny)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (64, 64), (230, 230, 230))
    d = ImageDraw.Draw(im)
    d.ellipse((10, 10, 40, 40), fill=(20, 20, 20))
    d.rectangle((36, 30, 58, 58), fill=(120, 30, 30))
    path = tmp_path / "control.png"
    im.save(path)
    return path
