"""The text engine on tiny random-weight LMs: streaming, greedy/seeded sampling, stop strings, cancel, context."""
from __future__ import annotations

import time

import pytest

from studio.core.errors import ModelError, SpecError, StudioError
from studio.core.progress import CancelToken
from studio.core.specs.text import TextSpec
from studio.host.dispatch import run_spec
from studio.engines.text.generate import run
from tests.text.conftest import Recorder

PROMPT = "Once upon a time, in a small village"


def _spec(model_dir, **kw) -> TextSpec:
    base = dict(prompt=PROMPT, model=str(model_dir), max_new_tokens=16, temperature=0.0, seed=1)
    base.update(kw)
    return TextSpec(**base)


def _plain_greedy(model_dir, prompt: str, n: int, repetition_penalty: float = 1.0) -> str:
    """What plain transformers greedy decoding gives for the new tokens only (the reference)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    ids = tok(prompt, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**ids, max_new_tokens=n, do_sample=False, repetition_penalty=repetition_penalty,
                             pad_token_id=2, min_new_tokens=n)
    return tok.decode(out[0, ids.input_ids.shape[1]:], skip_special_tokens=True)


def test_streams_only_new_tokens_and_matches_plain_greedy(tiny_llama_dir, text_ctx, recorder):
    spec = _spec(tiny_llama_dir)
    result = run(spec, recorder, CancelToken(), text_ctx)
    assert not result.cancelled
    assert result.text and not result.text.startswith(PROMPT)
    assert "".join(recorder.chunks) == result.text  # what streamed is exactly the answer
    assert len(recorder.chunks) >= 2  # it really streamed, not one block at the end
    assert result.finish == "length"
    assert result.text == _plain_greedy(tiny_llama_dir, PROMPT, spec.max_new_tokens)  # greedy means greedy
    assert result.seed is None  # no seed plays a part
    assert result.new_tokens == 16 or result.finish == "eos"
    assert result.tokens_used == result.prompt_tokens + result.new_tokens
    assert result.context_length == 256
    assert result.tokens_per_s > 0
    token_progress = [(d, t) for d, t, m in recorder.progress_calls if t == 16]
    assert token_progress[0] == (0, 16) and token_progress[-1][0] == result.new_tokens


def test_temperature_zero_is_greedy_and_ignores_seed(tiny_llama_dir, text_ctx):
    a = run(_spec(tiny_llama_dir, seed=1), Recorder(), CancelToken(), text_ctx).text
    b = run(_spec(tiny_llama_dir, seed=999), Recorder(), CancelToken(), text_ctx).text
    assert a == b


def test_same_seed_same_text_other_seed_other_text(tiny_llama_dir, text_ctx):
    def sample(seed: int) -> str:
        spec = _spec(tiny_llama_dir, temperature=1.5, top_k=0, top_p=1.0, min_p=0.0, seed=seed, max_new_tokens=12)
        return run(spec, Recorder(), CancelToken(), text_ctx).text

    first, again, other = sample(42), sample(42), sample(43)
    assert first == again
    assert first != other


def test_min_p_and_top_k_are_accepted(tiny_llama_dir, text_ctx):
    spec = _spec(tiny_llama_dir, temperature=0.8, top_k=5, top_p=0.9, min_p=0.1, max_new_tokens=6)
    result = run(spec, Recorder(), CancelToken(), text_ctx)
    assert result.new_tokens >= 1


def test_stop_string_ends_the_answer_before_it(tiny_llama_dir, text_ctx):
    full = run(_spec(tiny_llama_dir, max_new_tokens=24), Recorder(), CancelToken(), text_ctx).text
    assert len(full) > 12
    stop = full[len(full) // 2: len(full) // 2 + 3]
    rec = Recorder()
    result = run(_spec(tiny_llama_dir, max_new_tokens=24, stop=(stop,)), rec, CancelToken(), text_ctx)
    assert result.text == full[:full.find(stop)]
    assert result.finish == "stop"
    assert stop not in "".join(rec.chunks)
    assert "".join(rec.chunks) == result.text


def test_cancel_stops_generation_cleanly(tiny_llama_dir, text_ctx):
    cancel = CancelToken()
    rec = Recorder(cancel=cancel, cancel_after=1)
    result = run(_spec(tiny_llama_dir, max_new_tokens=200), rec, cancel, text_ctx)
    assert result.cancelled
    assert result.finish == "cancelled"
    assert result.new_tokens < 200
    assert "".join(rec.chunks) == result.text


def test_cancelled_before_start_returns_cancelled(tiny_llama_dir, text_ctx):
    cancel = CancelToken()
    cancel.cancel()
    assert run(_spec(tiny_llama_dir), Recorder(), cancel, text_ctx).cancelled


def test_chat_uses_the_models_template_and_continues_an_edited_answer(tiny_llama_dir, text_ctx):
    from studio.engines.text.loader import get_text_model
    from studio.engines.text.prompting import encode

    entry = text_ctx.registry.resolve(str(tiny_llama_dir), task="text")
    lm = get_text_model(entry, text_ctx)
    spec = TextSpec(model=str(tiny_llama_dir), chat=True, system="Be brief.",
                    messages=(("user", "Hi there"), ("assistant", "Hello! How"), ("user", "Tell a joke")))
    enc = encode(spec, lm.tokenizer, lm.context_length, "tiny")
    assert enc.text == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
                        "<|im_start|>assistant\nHello! How<|im_end|>\n<|im_start|>user\nTell a joke<|im_end|>\n"
                        "<|im_start|>assistant\n")
    cont = encode(spec.replace(messages=(("user", "Hi there"), ("assistant", "Hello! How"))), lm.tokenizer,
                  lm.context_length, "tiny")
    assert cont.text.endswith("<|im_start|>assistant\nHello! How")  # edit & continue: no new turn opened
    result = run(spec.replace(max_new_tokens=5, temperature=0.0), Recorder(), CancelToken(), text_ctx)
    assert result.prompt_tokens == len(enc.ids)


def test_chat_without_template_says_so(tiny_llama_no_template_dir, text_ctx):
    spec = TextSpec(model=str(tiny_llama_no_template_dir), chat=True, messages=(("user", "Hi"),))
    with pytest.raises(ModelError, match="no chat template.*Completion mode"):
        run(spec, Recorder(), CancelToken(), text_ctx)
    # Completion still works on the same model.
    assert run(_spec(tiny_llama_no_template_dir, max_new_tokens=3), Recorder(), CancelToken(), text_ctx).text


def test_a_chat_template_that_raises_gives_a_clear_error(tiny_llama_dir, text_ctx):
    from studio.engines.text.loader import get_text_model

    entry = text_ctx.registry.resolve(str(tiny_llama_dir), task="text")
    lm = get_text_model(entry, text_ctx)  # the cached object the engine uses
    saved = lm.tokenizer.chat_template
    lm.tokenizer.chat_template = "{{ raise_exception('roles must alternate user/assistant') }}"
    try:
        with pytest.raises(ModelError, match="chat template .* failed.*roles must alternate"):
            run(TextSpec(model=str(tiny_llama_dir), chat=True, messages=(("user", "Hi"),)), Recorder(),
                CancelToken(), text_ctx)
    finally:
        lm.tokenizer.chat_template = saved


def test_empty_prompt_and_bad_token_counts_are_refused(tiny_llama_dir, text_ctx):
    with pytest.raises(SpecError, match="prompt is empty"):
        run(_spec(tiny_llama_dir, prompt="   "), Recorder(), CancelToken(), text_ctx)
    with pytest.raises(SpecError, match="Type a message"):
        run(TextSpec(model=str(tiny_llama_dir), chat=True, messages=(("user", " "),)), Recorder(), CancelToken(),
            text_ctx)
    for n in (0, 10**6):
        with pytest.raises(SpecError, match="Max new tokens must be between"):
            run_spec(_spec(tiny_llama_dir, max_new_tokens=n), Recorder(), CancelToken(), text_ctx)


def test_prompt_longer_than_the_context_is_refused(tiny_llama_dir, text_ctx):
    long_prompt = "word " * 400  # > 256 tokens
    with pytest.raises(SpecError, match=r"tokens long but .* reads at most 256"):
        run(_spec(tiny_llama_dir, prompt=long_prompt), Recorder(), CancelToken(), text_ctx)


def test_too_many_new_tokens_are_clamped_with_a_warning(tiny_llama_dir, text_ctx):
    rec = Recorder()
    prompt = "word " * 230
    result = run(_spec(tiny_llama_dir, prompt=prompt, max_new_tokens=500), rec, CancelToken(), text_ctx)
    room = 256 - result.prompt_tokens
    assert result.new_tokens <= room
    assert any("fit in the model's context" in m for m in rec.messages)


def test_long_chat_drops_oldest_turns_to_fit(tiny_llama_dir, text_ctx):
    rec = Recorder()
    turns = []
    for i in range(12):
        turns += [("user", f"question {i} " + "blah " * 12), ("assistant", f"answer {i} " + "blah " * 12)]
    turns.append(("user", "last question"))
    spec = TextSpec(model=str(tiny_llama_dir), chat=True, system="sys", messages=tuple(turns), max_new_tokens=4,
                    temperature=0.0)
    result = run(spec, rec, CancelToken(), text_ctx)
    assert result.dropped_messages > 0
    assert result.prompt_tokens < 256
    assert any("oldest message" in m for m in rec.messages)


def test_error_inside_generate_surfaces_instead_of_hanging(tiny_gpt2_dir, text_ctx):
    """GPT-2 with 32 positions asked for 64 tokens: generate() raises in its thread; we must see it."""
    from studio.engines.text.loader import get_text_model
    from studio.engines.text.streaming import stream_generate

    lm = get_text_model(text_ctx.registry.resolve(str(tiny_gpt2_dir), task="text"), text_ctx)
    ids = lm.tokenizer("Hello there, this is a prompt")["input_ids"]
    chunks: list[str] = []
    t0 = time.monotonic()
    with pytest.raises(StudioError, match="Text generation failed: .*index"):
        stream_generate(lm.model, lm.tokenizer, ids, {"max_new_tokens": 64, "do_sample": False, "min_new_tokens": 64},
                        cancel=CancelToken(), on_text=chunks.append)
    assert time.monotonic() - t0 < 30


def test_the_engine_never_asks_past_the_context(tiny_gpt2_dir, text_ctx):
    rec = Recorder()
    result = run(TextSpec(prompt="Hello there", model=str(tiny_gpt2_dir), max_new_tokens=100, temperature=0.0),
                 rec, CancelToken(), text_ctx)
    assert result.tokens_used <= 32
    assert any("fit in the model's context" in m for m in rec.messages)


def test_loaded_model_is_cached_between_jobs(tiny_llama_dir, text_ctx):
    run(_spec(tiny_llama_dir, max_new_tokens=2), Recorder(), CancelToken(), text_ctx)
    keys = [k for k, size in text_ctx.cache.loaded()]
    assert ("text", str(tiny_llama_dir), "cpu") in keys
    assert dict(text_ctx.cache.loaded())[("text", str(tiny_llama_dir), "cpu")] > 0  # measured for the budget


def test_prompt_expansion_runs_as_a_text_job(tiny_llama_dir, text_ctx):
    from studio.engines.text.expand import expand_prompt

    rec = Recorder()
    out = expand_prompt("a red fox in snow", text_ctx, model=str(tiny_llama_dir), seed=3, reporter=rec)
    assert out and "\n" not in out
    assert rec.chunks  # it streamed like any text job


def test_greedy_applies_a_repetition_penalty_only_when_the_user_sets_one(tiny_llama_dir, text_ctx):
    from studio.engines.text.generate import generation_kwargs

    assert "repetition_penalty" not in generation_kwargs(_spec(tiny_llama_dir), 16)
    assert generation_kwargs(_spec(tiny_llama_dir, temperature=0.7), 16)["repetition_penalty"] == 1.1
    chosen = _spec(tiny_llama_dir, repetition_penalty=1.5)
    assert generation_kwargs(chosen, 16)["repetition_penalty"] == 1.5
    text = run(chosen, Recorder(), CancelToken(), text_ctx).text
    assert text == _plain_greedy(tiny_llama_dir, PROMPT, 16, repetition_penalty=1.5)
