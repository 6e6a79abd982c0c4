"""A CLIP saved with save_pretrained is found by the model manager and loads; broken ones say why."""
from __future__ import annotations

import json
import shutil

import pytest

from studio.core.errors import ModelError
from tests.clip.conftest import draw_shape, save_tiny_clip


def test_saved_clip_is_listed_and_loads_through_the_registry(ctx, paths):
    from studio.engines.common.clip_model import load_clip

    save_tiny_clip(paths.models / "tiny-clip")
    entry = next(e for e in ctx.registry.scan() if e.name == "tiny-clip")
    assert (entry.type, entry.status, entry.task) == ("clip", "ok", "clip")
    assert entry.details["embed_dim"] == 16
    clip = load_clip(ctx, "tiny-clip")
    texts = clip.encode_texts(["a red square", "a blue disc"])
    images = clip.encode_images([draw_shape("a red square"), draw_shape("a blue disc", size=48)])
    assert texts.shape == images.shape == (2, 16)
    assert abs(float(texts.norm(dim=-1).mean()) - 1.0) < 1e-5
    scores = clip.score([draw_shape("a red square")], ["a red square"])
    assert 0.0 <= scores[0] <= 100.0


def test_clip_folder_with_missing_files_says_which(ctx, paths):
    from studio.engines.common.clip_model import load_clip

    folder = save_tiny_clip(paths.models / "no-tokenizer")
    for f in ("vocab.json", "merges.txt", "tokenizer.json"):
        (folder / f).unlink(missing_ok=True)
    no_weights = shutil.copytree(save_tiny_clip(paths.models / "tmp"), paths.models / "no-weights")
    shutil.rmtree(paths.models / "tmp")
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no tokenizer files"):
        load_clip(ctx, "no-tokenizer")
    with pytest.raises(ModelError, match="no weights file"):
        load_clip(ctx, "no-weights")


def test_text_only_model_chosen_as_clip_is_a_clear_error(ctx, paths):
    from transformers import CLIPTextConfig, CLIPTextModel

    from studio.engines.common.clip_model import load_clip

    CLIPTextModel(CLIPTextConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                 num_attention_heads=2, max_position_embeddings=16)).save_pretrained(
        str(paths.models / "text-tower"))
    with pytest.raises(ModelError, match="text tower") as err:
        load_clip(ctx, "text-tower")
    assert "\n" not in str(err.value)
    lm = paths.models / "tiny-lm"
    lm.mkdir()
    (lm / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}))
    (lm / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ModelError, match="text-only model"):
        load_clip(ctx, "tiny-lm")
