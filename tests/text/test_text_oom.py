"""Out of memory while generating text (injected through STUDIO_INJECT_OOM, as for images and upscaling):
memory is freed and the answer retried once from a shorter prompt, saying so; a second one fails in one line."""
from __future__ import annotations

import pytest

from studio.cli import main
from studio.core.errors import StudioError
from studio.core.progress import CancelToken
from studio.core.specs.text import TextSpec
from studio.engines.oom import INJECT_OOM_ENV
from studio.engines.text.generate import run
from studio.engines.text.loader import get_text_model
from tests.text.conftest import Recorder

PROMPT = "Once upon a time, in a small village by the sea, there lived an old fisherman and his wife"


def _greedy_from(lm, ids: list[int], n: int) -> str:
    """Plain transformers greedy decoding from exactly these token ids (the reference)."""
    import torch

    x = torch.tensor([ids])
    with torch.inference_mode():
        out = lm.model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=n, min_new_tokens=n,
                                do_sample=False, pad_token_id=2)
    return lm.tokenizer.decode(out[0, len(ids):], skip_special_tokens=True)


def test_completion_retries_from_the_last_half_of_the_prompt(tiny_llama_dir, text_ctx, monkeypatch):
    lm = get_text_model(text_ctx.registry.resolve(str(tiny_llama_dir), task="text"), text_ctx)
    ids = list(lm.tokenizer(PROMPT)["input_ids"])
    spec = TextSpec(prompt=PROMPT, model=str(tiny_llama_dir), max_new_tokens=8, temperature=0.0)
    monkeypatch.setenv(INJECT_OOM_ENV, "1")
    rec = Recorder()
    result = run(spec, rec, CancelToken(), text_ctx)
    half = len(ids) // 2
    said = [m for m in rec.messages if "Out of memory" in m]
    assert said == [f"Out of memory while generating text from a {len(ids)}-token prompt; memory was freed and "
                    f"the answer is retried from its last {half} tokens."]
    assert result.prompt_tokens == half and result.new_tokens == 8
    assert result.text == "".join(rec.chunks) == _greedy_from(lm, ids[-half:], 8)


def test_chat_retries_without_its_oldest_turns(tiny_llama_dir, text_ctx, monkeypatch):
    turns = [("user", "Tell me about the sea and the boats on it " * 3), ("assistant", "The sea is wide " * 6),
             ("user", "And the fish?")]
    spec = TextSpec(chat=True, system="Be brief.", messages=tuple(turns), model=str(tiny_llama_dir),
                    max_new_tokens=4, temperature=0.0)
    full = run(spec, Recorder(), CancelToken(), text_ctx)
    monkeypatch.setenv(INJECT_OOM_ENV, "1")
    rec = Recorder()
    result = run(spec, rec, CancelToken(), text_ctx)
    assert any("Out of memory" in m and "retried" in m for m in rec.messages)
    assert result.dropped_messages == 2 and result.prompt_tokens <= full.prompt_tokens // 2
    assert result.new_tokens == 4 and result.text


def test_a_second_out_of_memory_fails_in_one_line_and_the_model_still_works(tiny_llama_dir, text_ctx, monkeypatch):
    spec = TextSpec(prompt=PROMPT, model=str(tiny_llama_dir), max_new_tokens=6, temperature=0.0)
    ref = run(spec, Recorder(), CancelToken(), text_ctx)
    monkeypatch.setenv(INJECT_OOM_ENV, "2")
    rec = Recorder()
    with pytest.raises(StudioError, match=r"^Out of memory while generating text \(cpu\), even after retrying "
                                          r"with a \d+-token prompt; try a shorter prompt") as err:
        run(spec, rec, CancelToken(), text_ctx)
    assert "\n" not in str(err.value) and rec.chunks == []
    monkeypatch.delenv(INJECT_OOM_ENV)
    assert run(spec, Recorder(), CancelToken(), text_ctx).text == ref.text  # the hook is gone, the model fine


def test_the_cli_says_what_it_did(tiny_llama_dir, monkeypatch, capsys):
    monkeypatch.setenv(INJECT_OOM_ENV, "1")
    code = main(["generate", "text", "--prompt", PROMPT, "--model", str(tiny_llama_dir), "--temperature", "0",
                 "--max-new-tokens", "4"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() and "note: Out of memory while generating text" in err
    monkeypatch.setenv(INJECT_OOM_ENV, "2")
    assert main(["generate", "text", "--prompt", PROMPT, "--model", str(tiny_llama_dir), "--temperature", "0",
                 "--max-new-tokens", "4"]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "even after retrying" in errors[0] and "Traceback" not in err
