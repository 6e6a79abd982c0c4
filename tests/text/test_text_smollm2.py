"""The real embedded model: SmolLM2-135M-Instruct converted once from its GGUF, then loaded from the copy."""
from __future__ import annotations

import time

import pytest

from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken
from studio.core.settings import Settings
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.models.gguf_convert import MARKER, converted_folder, ensure_converted
from tests.text.conftest import Recorder
from tests.text.tiny_lm import smollm2_gguf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def smollm2_home(tmp_path_factory):
    """A studio home in which SmolLM2 was converted once (shared by this module's tests)."""
    paths = StudioPaths(tmp_path_factory.mktemp("smollm2-home"))
    rec = Recorder()
    t0 = time.monotonic()
    folder = ensure_converted(smollm2_gguf(), paths, rec, display_name="SmolLM2")
    print(f"\nSmolLM2 GGUF conversion: {time.monotonic() - t0:.1f} s")
    assert (folder / MARKER).is_file() and (folder / "model.safetensors").is_file()
    steps = [(d, t) for d, t, _ in rec.progress_calls]
    assert steps[0] == (0, 4) and steps[-1] == (4, 4)  # the conversion reported its progress
    return paths


def test_greedy_capital_of_france_is_paris(smollm2_home):
    from studio.engines.text.generate import run

    ctx = EngineContext.create(smollm2_home, Settings(scan_hf_cache=False), device="cpu")
    rec = Recorder()
    t0 = time.monotonic()
    result = run(
        TextSpec(prompt="The capital of France is", max_new_tokens=6, temperature=0.0), rec, CancelToken(), ctx)
    elapsed = time.monotonic() - t0
    print(f"SmolLM2 load from the cached copy + 6 tokens: {elapsed:.1f} s; {result}")
    assert result.model == "SmolLM2-135M-Instruct"
    assert result.text.strip().startswith("Paris")
    assert converted_folder(smollm2_home, smollm2_gguf()).is_dir()
    assert not any(m for _, _, m in rec.progress_calls if "de-quantizing" in m)  # not converted again


def test_smollm2_chat_answers_with_its_template(smollm2_home):
    from studio.engines.text.generate import run

    ctx = EngineContext.create(smollm2_home, Settings(scan_hf_cache=False), device="cpu")
    spec = TextSpec(chat=True, messages=(("user", "What is the capital of France?"),),
                    max_new_tokens=24, temperature=0.0, stop=("\n",))
    rec = Recorder()
    result = run(spec, rec, CancelToken(), ctx)
    print("chat answer:", repr(result.text))
    import llama_cpp  # the GGUF runs through llama.cpp: the studio's greedy answer is the library's own

    direct = llama_cpp.Llama(str(smollm2_gguf()), n_ctx=2048, n_threads=1, verbose=False).create_chat_completion(
        messages=[{"role": "user", "content": "What is the capital of France?"}], temperature=0.0, max_tokens=24,
        stop=["\n"])
    assert result.text == direct["choices"][0]["message"]["content"]
    assert result.finish in ("stop", "eos", "length")
    assert "<|im_end|>" not in result.text and "assistant" not in result.text



@pytest.mark.timeout(900)  # the shared fixture converts the GGUF first (minutes on a loaded machine)
def test_the_demo_answer_is_a_sentence_not_a_loop(smollm2_home):
    """What `main.py demo` prints: sampled through the chat template with the repetition guard, a whole
    sentence about the sneaker (greedy decoding loops: "A classic red sneaker, a classic red sneaker, …")."""
    from studio.cli.demo import DEMO_TEXT_PROMPT, demo_text_spec
    from studio.engines.text.generate import run

    ctx = EngineContext.create(smollm2_home, Settings(scan_hf_cache=False), device="cpu")
    result = run(demo_text_spec("", DEMO_TEXT_PROMPT), Recorder(), CancelToken(), ctx)
    print("demo answer:", repr(result.text))
    assert result.finish == "eos" and result.text.rstrip().endswith((".", "!"))
    assert "sneaker" in result.text.lower() and len(result.text.split()) >= 8
    words = result.text.lower().split()
    assert max(words.count(w) for w in set(words)) <= 4  # no word over and over
    greedy = run(demo_text_spec("", DEMO_TEXT_PROMPT).replace(temperature=0.0), Recorder(), CancelToken(), ctx)
    assert greedy.finish == "repetition" and greedy.text == "A classic red sneaker"  # stopped and cut clean
