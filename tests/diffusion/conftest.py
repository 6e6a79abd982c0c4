"""Helpers for the diffusion engine tests: a reporter that records everything."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken, NullReporter


class RecordingReporter(NullReporter):
    """Records progress, previews and log lines; can cancel a token after N steps."""

    def __init__(self, previews: bool = True, cancel_after: int | None = None, cancel: CancelToken | None = None):
        super().__init__()
        self.progress_calls: list[tuple[int, int]] = []
        self.previews: list = []
        self._want = previews
        self._cancel_after = cancel_after
        self._cancel = cancel

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.progress_calls.append((done, total))
        if self._cancel_after is not None and done >= self._cancel_after and self._cancel is not None:
            self._cancel.cancel()

    def wants_preview(self) -> bool:
        return self._want

    def preview(self, image) -> None:
        self.previews.append(image)


@pytest.fixture()
def recorder() -> RecordingReporter:
    return RecordingReporter()


@pytest.fixture(scope="session")
def _shared_model_cache():
    from studio.engines.cache import ModelCache

    return ModelCache(budget_bytes=2 * 2**30)


@pytest.fixture()
def engine_ctx(paths, _shared_model_cache):
    """Like the shared fixture, but loaded pipelines are kept across this folder's tests (loading
    each tiny pipeline again per test would dominate the run time). Tests that break a loaded model
    use ``fresh_ctx`` instead."""
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    settings = Settings()
    return EngineContext(paths=paths, settings=settings, registry=ModelRegistry(paths, settings),
                         cache=_shared_model_cache, device="cpu")


@pytest.fixture()
def fresh_ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(), device="cpu")


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
