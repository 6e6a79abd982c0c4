"""The repetition guard: an answer that loops is stopped, marked, and keeps one round of the loop."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken
from studio.core.repetition import RepetitionGuard, clean_end, kept_length, loop_period
from studio.core.specs.text import TextSpec
from studio.engines.text.generate import run

SNEAKER = "A classic red sneaker, a classic red sneaker, a classic red sneaker, a classic red sneaker, a classic"


def test_the_sneaker_loop_is_caught_on_smollm2_tokens(smol_tokenizer_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smol_tokenizer_dir)
    ids = tok(SNEAKER, add_special_tokens=False)["input_ids"]
    guard = RepetitionGuard()
    at = next(i for i in range(1, len(ids) + 1) if guard.check(ids[:i]))
    assert at < len(ids) and guard.period == len(tok(" classic red sneaker, a", add_special_tokens=False)["input_ids"])
    kept = ids[:kept_length(ids[:at], guard.period)]
    text = tok.decode(kept)
    assert text == "A classic red sneaker, a"
    assert clean_end(text, len(tok.decode(kept[-guard.period:]))) == "A classic red sneaker"


def test_ordinary_text_is_not_a_loop(smol_tokenizer_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smol_tokenizer_dir)
    text = ("Step one: mix the flour. Step two: mix the sugar. Step three: mix the eggs. Ha ha ha! "
            "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16.")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert all(loop_period(ids[:i]) == 0 for i in range(1, len(ids) + 1))
    assert loop_period([7] * 23) == 0 and loop_period([7] * 24) == 1  # a run of one token must be long


def test_a_real_model_that_loops_is_stopped_and_marked(tiny_llama_long_dir, text_ctx, recorder):
    """The tiny random Llama, greedy, falls into a loop: the engine stops it long before the limit."""
    spec = TextSpec(prompt="The shop sells", model=str(tiny_llama_long_dir), max_new_tokens=400, temperature=0.0)
    result = run(spec, recorder, CancelToken(), text_ctx)
    assert result.finish == "repetition" and result.new_tokens < 400
    streamed = "".join(recorder.chunks)
    assert len(result.text) < len(streamed) and streamed.startswith(result.text.rstrip(",，;；:：、 "))
    assert any("repeating itself" in m for m in recorder.messages)


def test_a_gguf_answer_that_loops_is_stopped_too(text_ctx, recorder):
    """The built-in SmolLM2 GGUF through llama.cpp, greedy, loops on the demo prompt: stopped and cut clean."""
    pytest.importorskip("llama_cpp")
    from studio.cli.demo import DEMO_TEXT_PROMPT
    from tests.text.tiny_lm import smollm2_gguf

    spec = TextSpec(chat=True, messages=(("user", DEMO_TEXT_PROMPT),), prompt=DEMO_TEXT_PROMPT,
                    model=str(smollm2_gguf()), max_new_tokens=120, temperature=0.0)
    result = run(spec, recorder, CancelToken(), text_ctx)
    assert result.runner == "llama.cpp" and result.finish == "repetition" and result.new_tokens < 120
    assert result.text == "A classic red sneaker" and "a classic red sneaker, a classic" in "".join(recorder.chunks)
    assert any("repeating itself" in m for m in recorder.messages)
