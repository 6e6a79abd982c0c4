"""Long and weighted prompts: 75-token chunks, BREAK, equal lengths for prompt and negative."""
from __future__ import annotations

import pytest
import torch

from studio.engines.diffusion import embeddings
from studio.engines.diffusion.loader import load_pipeline, resolve


@pytest.fixture()
def sd_pipe(tiny_sd_dir, engine_ctx):
    return load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sd_dir)))[0]


def test_plain_short_prompts_are_left_to_the_pipeline(sd_pipe):
    assert not embeddings.needs_custom_encoding(sd_pipe, "sd", "a photo of a cat", "")
    assert embeddings.needs_custom_encoding(sd_pipe, "sd", "a (cat:1.2)", "")
    assert embeddings.needs_custom_encoding(sd_pipe, "sd", "cat " * 80, "")


def test_long_prompt_is_chunked_not_truncated(sd_pipe):
    kw = embeddings.encode(sd_pipe, "sd", "cat " * 160, "blurry")  # 160 tokens → 3 chunks of 75
    assert kw["prompt_embeds"].shape == (1, 77 * 3, 32)
    assert kw["negative_prompt_embeds"].shape == (1, 77 * 3, 32)  # padded with empty chunks


def test_break_starts_a_new_chunk(sd_pipe):
    kw = embeddings.encode(sd_pipe, "sd", "a cat BREAK a dog", "")
    assert kw["prompt_embeds"].shape == (1, 154, 32)


def test_weight_moves_its_token_and_embeddings_stay_finite(sd_pipe):
    base = embeddings.encode(sd_pipe, "sd", "a photo of a cat", "")["prompt_embeds"]
    heavy = embeddings.encode(sd_pipe, "sd", "a photo of a (cat:1.5)", "")["prompt_embeds"]
    assert torch.isfinite(heavy).all()
    changed = (base - heavy).abs().amax(dim=-1)[0]
    assert int(changed.argmax()) == 5  # BOS, a, photo, of, a, cat


def test_apply_weights_restores_the_mean_when_it_is_defined():
    torch.manual_seed(0)
    z = torch.randn(1, 77, 16) + 0.5
    w = torch.ones(77)
    w[3] = 1.4
    out = embeddings.apply_weights(z, w)
    assert torch.allclose(out.mean(), z.mean(), atol=1e-5)
    assert (out[0, 3] / z[0, 3]).mean() > 1.3
    # A zero-mean encoder output (untrained layer norm): no division by ~0, only the token scales.
    z0 = z - z.mean(dim=-1, keepdim=True)
    out0 = embeddings.apply_weights(z0, w)
    assert torch.isfinite(out0).all()
    assert torch.allclose(out0[0, 3], z0[0, 3] * 1.4) and torch.equal(out0[0, 4], z0[0, 4])


def test_sdxl_gets_pooled_embeddings(tiny_sdxl_dir, engine_ctx):
    pipe = load_pipeline(engine_ctx, resolve(engine_ctx, str(tiny_sdxl_dir)))[0]
    kw = embeddings.encode(pipe, "sdxl", "a (cat:1.2)", "")
    assert kw["prompt_embeds"].shape == (1, 77, 64)  # two 32-wide encoders side by side
    assert kw["pooled_prompt_embeds"].shape == (1, 32)
    assert kw["negative_pooled_prompt_embeds"].shape == (1, 32)
