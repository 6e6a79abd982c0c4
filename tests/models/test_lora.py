"""A real LoRA trained-shape file is identified, applies to its base; a wrong-family LoRA is refused clearly."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.core.errors import ModelError
from studio.core.models.identify import identify_path
from tests.models.conftest import write_st


@pytest.fixture(scope="module")
def tiny_lora(tiny_sd_dir, tmp_path_factory):
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_pretrained(str(tiny_sd_dir), subfolder="unet", local_files_only=True)
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_k", "to_q", "to_v", "to_out.0"],
                                init_lora_weights=False))
    out = tmp_path_factory.mktemp("lora")
    StableDiffusionPipeline.save_lora_weights(str(out), unet_lora_layers=convert_state_dict_to_diffusers(
        get_peft_model_state_dict(unet)))
    return out / "pytorch_lora_weights.safetensors"


def _img(pipe):
    return pipe("a coat", num_inference_steps=2, height=64, width=64, generator=torch.Generator().manual_seed(1),
                output_type="np").images[0]


def test_lora_identified_applied_and_removed(tiny_lora, tiny_sd_dir):
    from diffusers import StableDiffusionPipeline

    from studio.engines.models.lora import apply_loras, remove_loras

    e = identify_path(tiny_lora, "user")
    assert (e.type, e.details["style"], e.details["rank"], e.details["cross_attention_dim"]) == ("lora", "diffusers/peft", 4, 32)
    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True)
    plain = _img(pipe)
    apply_loras(pipe, [(e, 1.0)])
    assert np.abs(_img(pipe) - plain).max() > 1e-3
    remove_loras(pipe)
    np.testing.assert_allclose(_img(pipe), plain, atol=1e-6)


def test_wrong_family_lora_is_refused_with_a_clear_message(tmp_path, tiny_sd_dir):
    from diffusers import StableDiffusionPipeline

    from studio.engines.models.lora import apply_loras

    xl = identify_path(write_st(tmp_path / "xl.safetensors", {
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 2048),
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight": (640, 4),
        "lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": (4, 1280)}), "user")
    sd1 = identify_path(write_st(tmp_path / "sd1.safetensors", {
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 768),
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight": (32, 4)}), "user")
    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True)
    with pytest.raises(ModelError, match="LoRA for SDXL; this model is"):
        apply_loras(pipe, [(xl, 1.0)])
    with pytest.raises(ModelError, match=r"LoRA for SD 1.x \(text width 768\); this model is .*width 32"):
        apply_loras(pipe, [(sd1, 0.8)])
