"""The bundled CLIP tokenizer: reproducible from open_clip's BPE file and encodes like OpenAI's CLIP."""
from __future__ import annotations

import importlib.util

import pytest

from studio.engines.clip_vocab import bundled_tokenizer_dir, open_clip_bpe_path, write_tokenizer


@pytest.mark.skipif(importlib.util.find_spec("open_clip") is None, reason="open_clip's BPE file is not installed")
def test_converter_reproduces_the_committed_files(tmp_path):
    out = write_tokenizer(open_clip_bpe_path(), tmp_path / "clip")
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
        assert (out / name).read_bytes() == (bundled_tokenizer_dir() / name).read_bytes(), name


def test_bundled_tokenizer_encodes_standard_clip_ids(clip_tokenizer_dir):
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(str(clip_tokenizer_dir), local_files_only=True)
    assert tok("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert len(tok) == 49408
    assert tok.model_max_length == 77
    # Lower-casing and byte-level fallback work: capitals and emoji round-trip to text.
    assert tok.decode(tok("A CAT 🐱").input_ids, skip_special_tokens=True).strip() == "a cat 🐱"


def test_tiny_sd_fixture_is_a_loadable_pipeline(tiny_sd_dir):
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(str(tiny_sd_dir), local_files_only=True, use_safetensors=True)
    assert type(pipe).__name__ == "StableDiffusionPipeline"
    assert pipe.vae_scale_factor == 8
    assert pipe.tokenizer("a photo of a cat").input_ids[1:4] == [320, 1125, 539]
