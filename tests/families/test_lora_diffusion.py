"""Diffusion LoRA family: trained on the tiny SD pipeline, loaded by plain diffusers and by the image engine."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from studio.engines.training.run import trainer_class
from tests.families.conftest import Recorder, make_shapes_folder


def lora_spec(data, base, **kw) -> TrainSpec:
    params = {"rank": 4, "alpha": 8, "instance_prompt": "a sks shape", "log_every": 5, "sample_steps": 2,
              "samples": 2}
    params.update(kw.pop("params", {}))
    base_kw = dict(family="lora", data=str(data), out="tiny-lora", base=str(base), steps=25, batch=4, size=64,
                   lr=5e-3, sample_every=25, checkpoint_every=0, params=params)
    return TrainSpec(**{**base_kw, **kw})


@pytest.fixture()
def lora_data(tmp_path):
    """Six 64 px shapes; half captioned, the rest use the instance prompt."""
    folder = make_shapes_folder(tmp_path / "lora-data", n=6, size=64, rgb=True)
    for i in range(0, 6, 2):
        (folder / f"img{i:03d}.txt").write_text("a red square on blue", encoding="utf-8")
    return folder


def _pipe(tiny_sd_dir):
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True, safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _image(pipe) -> np.ndarray:
    out = pipe("a sks shape", num_inference_steps=2, height=64, width=64, generator=torch.Generator().manual_seed(0),
               output_type="np")
    return out.images[0]


def test_lora_trains_and_loads_with_plain_diffusers_and_the_image_engine(tiny_sd_dir, lora_data, ctx, recorder):
    trainer = trainer_class("lora")(lora_spec(lora_data, tiny_sd_dir), recorder, CancelToken(), ctx)
    result = trainer.fit()
    assert not result.cancelled
    path = ctx.paths.models / "loras" / "tiny-lora.safetensors"
    assert result.outputs == (str(path),) and path.is_file()
    assert any("6 images" in m for m in recorder.messages)
    assert len(recorder.previews) == 1
    # The loss at fixed noise/timesteps went down on the training images.
    fresh = trainer_class("lora")(lora_spec(lora_data, tiny_sd_dir), Recorder(), CancelToken(), ctx)
    fresh.setup()
    assert trainer.eval_loss() < 0.9 * fresh.eval_loss()

    # The model manager lists it as a LoRA with its training facts.
    entry = next(e for e in ctx.registry.scan() if e.type == "lora")
    assert entry.usable and entry.details.get("trigger_words") == "a sks shape"
    assert entry.details.get("network_dim") == "4"

    # Plain diffusers loads it and it changes the image; unloading restores the original.
    pipe = _pipe(tiny_sd_dir)
    plain = _image(pipe)
    pipe.load_lora_weights(str(path))
    with_lora = _image(pipe)
    assert np.abs(with_lora - plain).mean() > 1e-3
    pipe.unload_lora_weights()
    assert np.allclose(_image(pipe), plain, atol=1e-5)

    # The studio's image engine applies it by name (weight slider = adapter weight).
    spec = ImageSpec(prompt="a sks shape", model=str(tiny_sd_dir), seed=1, steps=2, width=64, height=64)
    base_png = run_spec(spec, Recorder(), CancelToken(), ctx)
    lora_png = run_spec(spec.replace(loras=((entry.name, 1.0),)), Recorder(), CancelToken(), ctx)
    a, b = (np.asarray(Image.open(r.outputs[0]), dtype=np.int16) for r in (base_png, lora_png))
    assert np.abs(a - b).mean() > 0.5


def test_lora_alpha_is_kept_and_text_encoder_training_is_saved(tiny_sd_dir, lora_data, ctx):
    spec = lora_spec(lora_data, tiny_sd_dir, steps=3, sample_every=0, params={"train_text_encoder": True, "rank": 2,
                                                                              "alpha": 1})
    trainer = trainer_class("lora")(spec, Recorder(), CancelToken(), ctx)
    trainer.fit()
    from safetensors import safe_open

    path = ctx.paths.models / "loras" / "tiny-lora.safetensors"
    with safe_open(str(path), framework="pt") as fh:
        keys = list(fh.keys())
    assert any(k.startswith("text_encoder.") for k in keys) and any(k.startswith("unet.") for k in keys)
    # Loaded outputs equal the trained modules' outputs: the alpha/rank scale survived the round trip.
    pipe = _pipe(tiny_sd_dir)
    pipe.load_lora_weights(str(path))
    ids = pipe.tokenizer(["a sks shape"], padding="max_length", max_length=77, return_tensors="pt").input_ids
    with torch.no_grad():
        assert torch.allclose(pipe.text_encoder(ids)[0], trainer.text_encoder(ids)[0], atol=1e-5)
        lat = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0))
        enc = trainer.text_encoder(ids)[0]
        t = torch.tensor([500])
        assert torch.allclose(pipe.unet(lat, t, encoder_hidden_states=enc).sample,
                              trainer.unet(lat, t, encoder_hidden_states=enc).sample, atol=1e-5)


def test_lora_needs_captions_or_an_instance_prompt(tiny_sd_dir, tmp_path, ctx):
    from studio.core.errors import StudioError

    data = make_shapes_folder(tmp_path / "plain", n=2, size=64)
    spec = lora_spec(data, tiny_sd_dir, params={"instance_prompt": ""})
    with pytest.raises(StudioError, match="caption"):
        trainer_class("lora")(spec, Recorder(), CancelToken(), ctx).fit()
