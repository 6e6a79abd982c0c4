"""The studio's own pixel-space pipeline class loads and runs through the diffusion engine."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter

pipelines = pytest.importorskip("studio.engines.pipelines.studio_pipeline")


@pytest.fixture(scope="module")
def tiny_pixel_dir(tmp_path_factory):
    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    from tests.fixtures.tiny_models import _tiny_text_config, clip_tokenizer_source

    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=16, in_channels=3, out_channels=3, layers_per_block=1,
                                block_out_channels=(32, 32), cross_attention_dim=32, attention_head_dim=8,
                                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"))
    pipe = pipelines.StudioPixelPipeline(unet=unet, text_encoder=CLIPTextModel(_tiny_text_config()),
                                         tokenizer=CLIPTokenizer.from_pretrained(str(clip_tokenizer_source())),
                                         scheduler=DDPMScheduler(num_train_timesteps=100))
    out = tmp_path_factory.mktemp("models") / "studio-pixel"
    pipe.save_pretrained(str(out), safe_serialization=True)
    return out


def test_studio_pipeline_runs_with_pixel_previews(tiny_pixel_dir, engine_ctx):
    rep = RecordingReporter()
    spec = ImageSpec(prompt="a shoe", model=str(tiny_pixel_dir), steps=3, width=64, height=64, seed=1,
                     scheduler="ddim", guidance=2.0)
    result = run(spec, rep, CancelToken(), engine_ctx)
    again = run(spec, RecordingReporter(), CancelToken(), engine_ctx)
    assert result.preview == "pixels"
    assert len(rep.previews) == 3
    img = Image.open(result.outputs[0])
    assert img.size == (64, 64)
    assert np.array_equal(np.asarray(img), np.asarray(Image.open(again.outputs[0])))

