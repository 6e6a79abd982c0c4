"""A transformer file whose text encoders and VAE are single files, as ComfyUI users keep them
(models/text_encoders/clip_l.safetensors, t5xxl_fp16.safetensors, models/vae/ae.safetensors): identified, loaded
with the transformers class the family names, the same image as the diffusers folder; a missing one is one line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from studio.core.errors import ModelError
from studio.core.models.identify import identify_path
from studio.core.models.keypatterns import classify
from studio.core.progress import CancelToken
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.fixtures.tiny_families import configs_sidecar, encoder_file
from tests.image_families.test_family_pipelines import pixels, spec


def _flux_files(folder, paths, tmp_path):
    """The tiny FLUX.1 as a ComfyUI user has it: transformer, CLIP-L, T5 and VAE files in the models folder."""
    import shutil

    single = paths.models / "unet" / "flux-tiny.safetensors"
    single.parent.mkdir(parents=True)
    shutil.copyfile(folder / "transformer" / "diffusion_pytorch_model.safetensors", single)
    configs_sidecar(folder, single)  # the tiny architecture (the shipped configs are FLUX.1's full size)
    te = paths.models / "text_encoders"
    clip = encoder_file(folder, "text_encoder", te / "clip_l.safetensors", prefix="text_model.")
    t5 = encoder_file(folder, "text_encoder_2", te / "t5xxl_fp16.safetensors",
                      rename={"encoder.embed_tokens.weight": "shared.weight"})
    encoder_file(folder, "vae", paths.models / "vae" / "ae.safetensors")
    return single, clip, t5


def test_text_encoder_files_are_identified_by_their_keys(family_dir, paths, tmp_path):
    _single, clip, t5 = _flux_files(family_dir("flux"), paths, tmp_path)
    for path, kind in ((clip, "CLIP"), (t5, "T5")):  # the tiny ones are 32 wide: no size in their name
        entry = identify_path(path, "user")
        assert (entry.type, entry.family, entry.status, entry.details["hidden_size"]) == (
            "text_encoder", kind, "ok", 32)
    p = "text_model.encoder.layers."
    real = {  # header shapes of the published files
        "CLIP-L": {"text_model.embeddings.token_embedding.weight": (49408, 768), f"{p}0.self_attn.q_proj.weight": None},
        "CLIP-G": {"text_model.embeddings.token_embedding.weight": (49408, 1280), f"{p}0.self_attn.q_proj.weight": None},
        "T5-XXL": {"shared.weight": (32128, 4096), "encoder.block.0.layer.0.SelfAttention.q.weight": (4096, 4096)},
        "Qwen3": {"model.embed_tokens.weight": (151936, 2560), "model.layers.0.self_attn.q_proj.weight": None,
                  "model.layers.0.self_attn.q_norm.weight": (128,)},
        "Qwen2.5-VL": {"model.embed_tokens.weight": (152064, 3584), "model.layers.0.self_attn.q_proj.bias": None,
                       "model.layers.0.self_attn.q_proj.weight": None, "visual.blocks.0.attn.qkv.weight": None},
    }
    for kind, shapes in real.items():
        kc = classify(shapes)
        assert (kc.type, kc.family) == ("text_encoder", kind), kind
    assert classify({"model.layers.0.self_attn.q_proj.weight": None, "model.embed_tokens.weight": None}) is None


def test_flux_transformer_with_text_encoder_and_vae_files_equals_its_folder(family_dir, family_ctx, paths, tmp_path):
    folder = family_dir("flux")
    single, _clip, _t5 = _flux_files(folder, paths, tmp_path)
    assert family_ctx.registry.resolve("unet/flux-tiny", task="image").path == str(single)  # its listed name
    from_files = run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    from_folder = run(spec(folder), RecordingReporter(), CancelToken(), family_ctx)
    assert np.abs(pixels(from_files.outputs[0]) - pixels(from_folder.outputs[0])).max() <= 1


def test_a_missing_text_encoder_file_is_named_with_what_to_download(family_dir, family_ctx, paths, tmp_path):
    single, _clip, t5 = _flux_files(family_dir("flux"), paths, tmp_path)
    t5.unlink()
    with pytest.raises(ModelError) as exc:
        run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    line = str(exc.value)
    assert "\n" not in line and "CLIP-L" not in line  # the CLIP-L file is there
    assert ("it also needs T5-XXL (t5xxl_fp16.safetensors: python main.py models download "
            "comfyanonymous/flux_text_encoders --include '*t5xxl_fp16.safetensors')") in line
    (paths.models / "vae" / "ae.safetensors").unlink()
    with pytest.raises(ModelError) as exc:
        run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    assert "the VAE (ae.safetensors: python main.py models download black-forest-labs/FLUX.1-schnell" in str(exc.value)


@pytest.mark.slow
def test_zimage_with_a_qwen3_file_in_the_causal_lm_layout(family_dir, family_ctx, paths, tmp_path):
    """ComfyUI's qwen_3_4b.safetensors keeps the causal LM's ``model.`` names; Z-Image runs a Qwen3Model."""
    import shutil

    folder = family_dir("zimage")
    single = paths.models / "z-image-tiny.safetensors"
    shutil.copyfile(folder / "transformer" / "diffusion_pytorch_model.safetensors", single)
    configs_sidecar(folder, single)
    shutil.copytree(folder / "vae", paths.models / "z-vae" / "vae")  # a partial folder: only its VAE
    (paths.models / "z-vae" / "model_index.json").write_text(json.dumps({"_class_name": "ZImagePipeline"}))
    encoder_file(folder, "text_encoder", paths.models / "clip" / "qwen_3_4b.safetensors", prefix="model.")
    assert identify_path(paths.models / "clip" / "qwen_3_4b.safetensors", "user").family == "Qwen3"
    from_files = run(spec(single), RecordingReporter(), CancelToken(), family_ctx)
    from_folder = run(spec(folder), RecordingReporter(), CancelToken(), family_ctx)
    assert np.abs(pixels(from_files.outputs[0]) - pixels(from_folder.outputs[0])).max() <= 1


@pytest.mark.parametrize("family,component,params", [
    ("flux", "text_encoder", 123_060_480), ("flux", "text_encoder_2", 4_762_310_656),
    ("sd3", "text_encoder", 123_650_304), ("sd3", "text_encoder_2", 694_659_840),
    ("sd3", "text_encoder_3", 4_762_310_656), ("chroma", "text_encoder", 4_762_310_656),
    ("zimage", "text_encoder", 4_022_468_096), ("flux2_klein", "text_encoder", 4_022_468_096),
    ("qwenimage", "text_encoder", 8_292_166_656),
])
def test_shipped_text_encoder_configs_build_the_published_models(family, component, params):
    """CLIP-L 123.06 M, CLIP-G 694.66 M, the T5-XXL encoder 4.76 B, Qwen3-4B 4.02 B, Qwen2.5-VL-7B 8.29 B
    (built on the meta device, in the class the family's model_index.json names)."""
    import transformers
    from accelerate import init_empty_weights

    from studio.core.paths import resources_dir

    root = resources_dir() / "configs" / family
    cls = getattr(transformers, json.loads((root / "model_index.json").read_text())[component][1])
    with init_empty_weights():
        model = cls._from_config(cls.config_class.from_pretrained(str(root / component)))
    model.tie_weights()
    assert sum(p.numel() for p in model.parameters()) == params
