"""LoRAs named in the spec are applied for the job and removed afterwards."""
from __future__ import annotations

import logging

import numpy as np
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter


def pixels(result):
    return np.asarray(Image.open(result.outputs[0]).convert("RGB"), dtype=np.int16)


def test_lora_changes_the_image_and_is_removed_after_the_job(tiny_sd_dir, tiny_lora, fresh_ctx):
    ctx = fresh_ctx
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logging.getLogger("diffusers").addHandler(handler)  # diffusers' own stderr handler: what a CLI user sees
    entries = [e for e in ctx.registry.scan() if e.type == "lora"]
    assert entries, "the model manager identifies the LoRA"
    name = entries[0].name
    spec = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), seed=3, steps=2, width=64, height=64)
    plain = run(spec, RecordingReporter(), CancelToken(), ctx)
    with_lora = run(spec.replace(loras=((name, 1.0),)), RecordingReporter(), CancelToken(), ctx)
    after = run(spec, RecordingReporter(), CancelToken(), ctx)
    assert not np.array_equal(pixels(plain), pixels(with_lora))
    assert np.array_equal(pixels(plain), pixels(after))
    # A UNet-only LoRA (as LCM-LoRA is) loads without diffusers' "No LoRA keys ... CLIPTextModel" warning.
    logging.getLogger("diffusers").removeHandler(handler)
    assert not [m for m in said if "No LoRA keys" in m]
