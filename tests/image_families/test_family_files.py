"""Single files of the 2024–26 families: a transformer file (and a GGUF quantisation of it) identified and run
with its text encoders and VAE from a diffusers folder of the family; and the bad inputs, each one line."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from studio.core.errors import ModelError
from studio.core.models.identify import identify_path
from studio.core.progress import CancelToken
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.fixtures.tiny_families import gguf_file, transformer_file
from tests.image_families.test_family_pipelines import pixels, spec


def _install(folder, paths, name: str):
    """The family's folder in the user's models folder (where the studio finds the text encoders and VAE)."""
    dest = paths.models / name
    shutil.copytree(folder, dest)
    return dest


@pytest.mark.parametrize("key", ["flux", "sd3", *(pytest.param(k, marks=pytest.mark.slow) for k in ("zimage", "qwenimage", "chroma"))])
def test_transformer_file_runs_like_its_folder(key, family_dir, family_ctx, paths, tmp_path):
    folder = family_dir(key)
    _install(folder, paths, f"tiny-{key}")
    single = transformer_file(folder, tmp_path / f"{key}-transformer.safetensors")
    entry = identify_path(single, "path")
    assert (entry.type, entry.family, entry.details["part"]) == ("sd_single_file", key, "transformer")
    from_file = run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    from_folder = run(spec(folder), RecordingReporter(), CancelToken(), family_ctx)
    assert np.abs(pixels(from_file.outputs[0]) - pixels(from_folder.outputs[0])).max() <= 1


def test_gguf_quantised_transformer_loads_and_runs(family_dir, family_ctx, paths, tmp_path):
    folder = family_dir("flux")
    _install(folder, paths, "tiny-flux")
    q8 = gguf_file(folder, tmp_path / "flux-Q8_0.gguf", "flux")
    entry = identify_path(q8, "path")
    assert (entry.type, entry.family, entry.details["format"]) == ("sd_single_file", "flux", "gguf")
    from studio.engines.diffusion.loader import load_pipeline

    pipe, _facts = load_pipeline(family_ctx, family_ctx.registry.resolve(str(q8), task="image"))
    assert type(pipe.transformer.transformer_blocks[0].attn.to_q.weight).__name__ == "GGUFParameter"
    quantised = pixels(run(spec(q8), RecordingReporter(), CancelToken(), family_ctx).outputs[0])
    full = pixels(run(spec(folder), RecordingReporter(), CancelToken(), family_ctx).outputs[0])
    assert quantised.shape == full.shape and np.abs(quantised - full).mean() < 8  # Q8_0: close, not equal


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_gguf_of_another_family_is_refused_in_one_line(family_dir, family_ctx, paths, tmp_path):
    _install(family_dir("flux"), paths, "tiny-flux")
    wrong = gguf_file(family_dir("sd3"), tmp_path / "claims-flux.gguf", "flux")  # SD3 weights, FLUX.1 label
    with pytest.raises(ModelError) as exc:
        run(spec(wrong), RecordingReporter(), CancelToken(), family_ctx)
    assert "is not a FLUX.1 transformer (it holds SD 3/3.5)" in _one_line(exc)


def test_missing_text_encoder_names_what_to_install(family_dir, family_ctx, tmp_path):
    single = transformer_file(family_dir("flux"), tmp_path / "flux-alone.safetensors")
    with pytest.raises(ModelError) as exc:
        run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    line = _one_line(exc)
    assert "it also needs CLIP-L (clip_l.safetensors: " in line and "; T5-XXL (t5xxl_fp16.safetensors: " in line
    assert "; the VAE (ae.safetensors: " in line and "download black-forest-labs/FLUX.1-schnell (a diffusers folder)" in line


def test_truncated_single_file_and_gguf_are_one_line(family_dir, family_ctx, paths, tmp_path):
    folder = family_dir("flux")
    _install(folder, paths, "tiny-flux")
    for made in (transformer_file(folder, tmp_path / "cut.safetensors"),
                 gguf_file(folder, tmp_path / "cut.gguf", "flux")):
        data = made.read_bytes()
        made.write_bytes(data[: len(data) * 2 // 3])
        with pytest.raises(ModelError) as exc:
            run(spec(made), RecordingReporter(), CancelToken(), family_ctx)
        assert "truncated" in _one_line(exc) and made.stem in str(exc.value)


def test_cpu_memory_budget_refuses_before_loading_with_the_numbers(family_dir, family_ctx):
    family_ctx.cache.set_budget(64 * 1024)  # 64 KiB: the tiny FLUX pipeline's weights are larger
    with pytest.raises(ModelError) as exc:
        run(spec(family_dir("flux")), RecordingReporter(), CancelToken(), family_ctx)
    line = _one_line(exc)
    assert "over the memory budget of 64.0 KiB" in line or "memory budget" in line
    assert not family_ctx.cache.loaded()


def test_flux_lora_applies_through_the_engine_and_is_removed_after(family_dir, family_ctx, tmp_path):
    import torch
    from diffusers import FluxPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    folder = family_dir("flux")
    pipe = FluxPipeline.from_pretrained(str(folder), local_files_only=True)
    pipe.transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v"],
                                            init_lora_weights=False))
    torch.manual_seed(0)
    FluxPipeline.save_lora_weights(str(tmp_path / "lora"), transformer_lora_layers=get_peft_model_state_dict(
        pipe.transformer), weight_name="tiny_flux_lora.safetensors")
    lora = tmp_path / "lora" / "tiny_flux_lora.safetensors"
    entry = identify_path(lora, "path")
    assert entry.type == "lora"
    plain = pixels(run(spec(folder), RecordingReporter(), CancelToken(), family_ctx).outputs[0])
    styled = pixels(run(spec(folder, loras=((str(lora), 1.0),)), RecordingReporter(), CancelToken(),
                        family_ctx).outputs[0])
    again = pixels(run(spec(folder), RecordingReporter(), CancelToken(), family_ctx).outputs[0])
    assert np.abs(styled - plain).max() > 0 and np.array_equal(plain, again)
