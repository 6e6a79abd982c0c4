"""LoRAs named in the spec are applied for the job and removed afterwards."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter


@pytest.fixture()
def tiny_lora(tiny_sd_dir, paths):
    """A random rank-4 LoRA on the tiny UNet's attention, saved the diffusers way into the models folder."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from peft import LoraConfig, get_peft_model_state_dict
    from diffusers.utils import convert_state_dict_to_diffusers

    unet = UNet2DConditionModel.from_pretrained(str(tiny_sd_dir / "unet"))
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v", "to_out.0"],
                                init_lora_weights=False))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    out = paths.models / "loras"
    StableDiffusionPipeline.save_lora_weights(str(out), unet_lora_layers=layers, safe_serialization=True,
                                              weight_name="tiny-lora.safetensors")
    return out / "tiny-lora.safetensors"


def pixels(result):
    return np.asarray(Image.open(result.outputs[0]).convert("RGB"), dtype=np.int16)


def test_lora_changes_the_image_and_is_removed_after_the_job(tiny_sd_dir, tiny_lora, fresh_ctx):
    ctx = fresh_ctx
    entries = [e for e in ctx.registry.scan() if e.type == "lora"]
    assert entries, "the model manager identifies the LoRA"
    name = entries[0].name
    spec = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), seed=3, steps=2, width=64, height=64)
    plain = run(spec, RecordingReporter(), CancelToken(), ctx)
    with_lora = run(spec.replace(loras=((name, 1.0),)), RecordingReporter(), CancelToken(), ctx)
    after = run(spec, RecordingReporter(), CancelToken(), ctx)
    assert not np.array_equal(pixels(plain), pixels(with_lora))
    assert np.array_equal(pixels(plain), pixels(after))
