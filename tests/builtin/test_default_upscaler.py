"""Without a choice, the upscaler fits the device: the compact model on a CPU, x4plus on a GPU."""
from __future__ import annotations

from studio.core.settings import Settings
from studio.core.specs.image import UpscaleSpec
from studio.engines.context import EngineContext
from studio.engines.upscale.run import resolve_upscaler


def test_default_upscaler_by_device(paths):
    cpu = EngineContext.create(paths, Settings(), device="cpu")
    assert resolve_upscaler(UpscaleSpec(image="x.png"), cpu).name == "RealESRGAN animevideov3 x4"
    gpu = EngineContext.create(paths, Settings(), device="cuda")
    assert resolve_upscaler(UpscaleSpec(image="x.png"), gpu).name == "RealESRGAN x4plus"


def test_users_choice_wins(paths):
    ctx = EngineContext.create(paths, Settings(default_upscaler="x4plus-anime"), device="cpu")
    assert resolve_upscaler(UpscaleSpec(image="x.png"), ctx).name == "RealESRGAN x4plus-anime"
    assert resolve_upscaler(UpscaleSpec(image="x.png", model="animevideov3-x2"), ctx).name == \
        "RealESRGAN animevideov3 x2"
