"""GGUF files run natively by llama.cpp: parity with llama-cpp-python called directly, streaming, cancel,
the GGUF's own chat template, sampling settings, and one clear line for each bad input."""
from __future__ import annotations

import pytest

from studio.core.errors import ModelError, SpecError
from studio.core.progress import CancelToken
from studio.core.models.registry import ModelEntry
from studio.core.settings import Settings
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text.generate import run
from tests.text.conftest import Recorder
from tests.text.tiny_lm import smollm2_gguf, write_gguf

llama_cpp = pytest.importorskip("llama_cpp")
PROMPT = "The capital of France is"
THREADS = 1  # the direct reference: on a busy machine 2 threads stall each other (greedy ids are the same)


@pytest.fixture(scope="module")
def smol_direct():
    """llama-cpp-python itself on the shipped SmolLM2 GGUF (the reference)."""
    llm = llama_cpp.Llama(model_path=str(smollm2_gguf()), n_ctx=2048, n_threads=THREADS, verbose=False)
    yield llm
    llm.close()


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    """A 2-layer random-weight Llama GGUF with SmolLM2's tokenizer and chat template (context 4096)."""
    return write_gguf(tmp_path_factory.mktemp("gguf") / "tiny-llama.gguf", tokenizer_from=smollm2_gguf(),
                      context=4096)


@pytest.fixture()
def gguf_ctx(paths):
    return EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")


def direct_greedy_ids(llm, prompt_ids: list[int], n: int) -> list[int]:
    out: list[int] = []
    for tok in llm.generate(prompt_ids, temp=0.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0):
        if llama_cpp.llama_vocab_is_eog(llm._model.vocab, tok) or len(out) >= n:
            break
        out.append(tok)
    return out


def test_greedy_token_ids_equal_llama_cpp_python_on_the_shipped_gguf(gguf_ctx, smol_direct):
    result = run(TextSpec(prompt=PROMPT, max_new_tokens=24, temperature=0.0), Recorder(), CancelToken(), gguf_ctx)
    assert result.runner == "llama.cpp" and result.model == "SmolLM2-135M-Instruct"
    assert result.text.strip().startswith("Paris")
    prompt_ids = smol_direct.tokenize(PROMPT.encode(), add_bos=True, special=True)
    assert result.prompt_tokens == len(prompt_ids)
    assert list(result.token_ids) == direct_greedy_ids(smol_direct, prompt_ids, 24)
    plain = smol_direct.create_completion(PROMPT, max_tokens=24, temperature=0.0)["choices"][0]["text"]
    assert result.text == plain


def test_chat_uses_the_ggufs_template_and_answers_like_llama_cpp_python(gguf_ctx, smol_direct):
    messages = (("user", "What is the capital of France?"),)
    spec = TextSpec(chat=True, system="You are a helpful assistant.", messages=messages, max_new_tokens=24,
                    temperature=0.0)
    result = run(spec, Recorder(), CancelToken(), gguf_ctx)
    direct = smol_direct.create_chat_completion(
        messages=[{"role": "system", "content": spec.system}, {"role": "user", "content": messages[0][1]}],
        max_tokens=24, temperature=0.0)
    assert result.text.strip() and result.text == direct["choices"][0]["message"]["content"]
    assert "<|im_end|>" not in result.text and result.finish in ("eos", "length")


def test_the_rendered_chat_prompt_is_the_ggufs_own_template(gguf_ctx, smol_direct):
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from studio.engines.text.gguf_generate import get_gguf_model

    lm = get_gguf_model(gguf_ctx.registry.default("text"), gguf_ctx, Recorder(), CancelToken())
    template = smol_direct.metadata["tokenizer.chat_template"]
    assert lm.tokenizer.chat_template == template and "<|im_start|>" in template
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    ours = lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True)
    theirs = Jinja2ChatFormatter(template, eos_token="<|im_end|>", bos_token="<|im_start|>")(messages=messages).prompt
    assert ours == theirs
    assert ours.endswith("<|im_start|>assistant\n")


def test_streams_token_by_token_and_cancel_stops_mid_answer(tiny_gguf, gguf_ctx):
    cancel = CancelToken()
    rec = Recorder(cancel=cancel, cancel_after=5)
    spec = TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=500, temperature=0.0)
    result = run(spec, rec, cancel, gguf_ctx)
    assert result.cancelled and result.finish == "cancelled"
    assert len(rec.chunks) == 5 and "".join(rec.chunks) == result.text
    assert 5 <= result.new_tokens < 50
    rec = Recorder()
    done = run(spec, rec, CancelToken(), gguf_ctx)
    # The random model loops when greedy: the repetition guard may end it before the limit.
    assert done.finish in ("length", "repetition") and done.new_tokens > 5 and len(rec.chunks) > 5
    assert done.token_ids[:len(result.token_ids)] == result.token_ids  # greedy: the stopped answer began the whole
    steps = [d for d, t, m in rec.progress_calls if t == 500]
    assert steps[0] == 0 and steps == sorted(steps)


def test_sampling_seed_repeats_and_settings_reach_llama_cpp(tiny_gguf, gguf_ctx):
    spec = TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=16, temperature=1.2,
                    top_k=0, top_p=1.0, seed=7)
    a = run(spec, Recorder(), CancelToken(), gguf_ctx)
    b = run(spec, Recorder(), CancelToken(), gguf_ctx)
    c = run(spec.__class__(**{**spec.__dict__, "seed": 8}), Recorder(), CancelToken(), gguf_ctx)
    assert a.token_ids == b.token_ids and a.seed == 7
    assert a.token_ids != c.token_ids
    greedy = run(TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=16, temperature=0.0,
                          repetition_penalty=1.0), Recorder(), CancelToken(), gguf_ctx)
    narrow = run(TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=16, temperature=1.2,
                          top_k=1, seed=3, repetition_penalty=1.0), Recorder(), CancelToken(), gguf_ctx)
    assert narrow.token_ids == greedy.token_ids  # top-k 1 leaves only the likeliest token
    tight = run(TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=16, temperature=1.2,
                         top_k=0, min_p=1.0, seed=3, repetition_penalty=1.0), Recorder(), CancelToken(), gguf_ctx)
    assert tight.token_ids == greedy.token_ids  # min-p 1 keeps only the top token too


def test_seeded_sampling_draws_what_llama_cpp_python_draws_with_the_studios_settings(gguf_ctx):
    """The studio drives llama.cpp's C API itself (llama_native): with a seed, its sampler chain draws the same
    tokens as llama-cpp-python's Llama given the same file, settings, prompt and seed."""
    from studio.engines.text.gguf_generate import get_gguf_model, sampling_kwargs
    from studio.engines.text.llama_gguf import llama_kwargs

    spec = TextSpec(prompt=PROMPT, max_new_tokens=20, temperature=1.1, top_k=30, top_p=0.9, min_p=0.02,
                    repetition_penalty=1.2, seed=11)
    result = run(spec, Recorder(), CancelToken(), gguf_ctx)
    lm = get_gguf_model(gguf_ctx.registry.default("text"), gguf_ctx, Recorder(), CancelToken())
    llm = llama_cpp.Llama(model_path=str(smollm2_gguf()), **llama_kwargs(lm.context_length, 0, lm.threads),
                          verbose=False)
    try:
        llm.set_seed(11)
        prompt_ids = llm.tokenize(PROMPT.encode(), add_bos=True, special=True)
        direct = []
        for tok in llm.generate(prompt_ids, **sampling_kwargs(spec)):
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, tok) or len(direct) >= 20:
                break
            direct.append(tok)
    finally:
        llm.close()
    assert len(result.token_ids) >= 5 and list(result.token_ids) == direct[:len(result.token_ids)]


def test_a_gguf_answer_imports_neither_numpy_nor_torch(tmp_path):
    """The GGUF path loads llama.cpp's C API alone: no numpy, jinja2 or diskcache (llama-cpp-python's high-level
    layer, 18 MB), no torch; llama_cpp.Llama still works afterwards in the same process."""
    import subprocess
    import sys

    code = (
        "import sys, tempfile\n"
        "from pathlib import Path\n"
        "from studio.core.paths import StudioPaths\n"
        "from studio.core.progress import CancelToken, NullReporter\n"
        "from studio.core.settings import Settings\n"
        "from studio.core.specs.text import TextSpec\n"
        "from studio.engines.context import EngineContext\n"
        "from studio.engines.text.generate import run\n"
        "ctx = EngineContext.create(StudioPaths(Path(tempfile.mkdtemp())), Settings(scan_hf_cache=False), "
        "device='cpu')\n"
        "r = run(TextSpec(prompt='The capital of France is', max_new_tokens=3, temperature=0.0), NullReporter(), "
        "CancelToken(), ctx)\n"
        "print(r.runner, [m for m in ('numpy', 'jinja2', 'diskcache', 'torch', 'transformers') if m in sys.modules])\n"
        "import llama_cpp\n"
        "print(callable(llama_cpp.Llama), llama_cpp.llama_cpp is sys.modules['llama_cpp.llama_cpp'])\n")
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[-2:] == ["llama.cpp []", "True True"]


def test_stop_string_ends_the_answer_before_it(tiny_gguf, gguf_ctx):
    full = run(TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=40, temperature=0.0),
               Recorder(), CancelToken(), gguf_ctx)
    stop = full.text[10:13]
    assert stop.strip()
    rec = Recorder()
    cut = run(TextSpec(prompt="Once upon a time", model=str(tiny_gguf), max_new_tokens=40, temperature=0.0,
                       stop=(stop,)), rec, CancelToken(), gguf_ctx)
    assert cut.finish == "stop" and cut.text == full.text[:full.text.find(stop)]
    assert "".join(rec.chunks) == cut.text


def test_truncated_gguf_is_one_clear_line(tiny_gguf, tmp_path, gguf_ctx):
    data = tiny_gguf.read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[: len(data) - 100_000])  # header intact, weights cut short
    with pytest.raises(ModelError, match=r"^cut is corrupt or truncated") as info:
        run(TextSpec(prompt="hi", model=str(cut)), Recorder(), CancelToken(), gguf_ctx)
    assert "\n" not in str(info.value)


def test_architecture_llama_cpp_does_not_know_is_one_clear_line(tmp_path, gguf_ctx):
    odd = write_gguf(tmp_path / "odd.gguf", arch="studioxyz")
    with pytest.raises(ModelError, match=r"^odd is a 'studioxyz' model, which llama.cpp .* does not know\.$"):
        run(TextSpec(prompt="hi", model=str(odd)), Recorder(), CancelToken(), gguf_ctx)


def test_a_context_longer_than_the_models_is_one_clear_line(tiny_gguf, paths):
    ctx = EngineContext.create(paths, Settings(scan_hf_cache=False, gguf_context_length=8192), device="cpu")
    with pytest.raises(ModelError, match=r"8192 tokens.*longer than tiny-llama was trained for \(4096 tokens\)"):
        run(TextSpec(prompt="hi", model=str(tiny_gguf)), Recorder(), CancelToken(), ctx)
    ctx = EngineContext.create(paths, Settings(scan_hf_cache=False, gguf_context_length=256), device="cpu")
    result = run(TextSpec(prompt="hi", model=str(tiny_gguf), max_new_tokens=4, temperature=0.0), Recorder(),
                 CancelToken(), ctx)
    assert result.context_length == 256
    with pytest.raises(SpecError, match="reads at most 256"):
        run(TextSpec(prompt="word " * 300, model=str(tiny_gguf)), Recorder(), CancelToken(), ctx)


def test_auto_context_and_gpu_layers(tiny_gguf, gguf_ctx):
    from studio.engines.text.gguf_generate import get_gguf_model

    lm = get_gguf_model(gguf_ctx.registry.resolve(str(tiny_gguf), task="text"), gguf_ctx, Recorder(), CancelToken())
    assert lm.context_length == 4096 and lm.llm.n_ctx() == 4096
    assert lm.gpu_layers == 0  # a CPU device (and a CPU build) offloads nothing
    assert 0 < lm.cache_bytes < 4 * tiny_gguf.stat().st_size + 200 * 2**20
    assert gguf_ctx.cache.loaded()[0][1] == lm.cache_bytes
    # A CPU steps through prompts 128 tokens at a time (a smaller work buffer than llama.cpp's usual 512).
    from studio.engines.text.llama_gguf import CPU_BATCH

    assert lm.llm.context_params.n_ubatch == lm.llm.n_batch == CPU_BATCH == 128


def test_cli_generates_with_the_builtin_gguf(capsys):
    from studio.cli import main

    code = main(["generate", "text", "--prompt", PROMPT, "--temperature", "0", "--max-new-tokens", "6"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip().startswith("Paris")
    assert "6 tokens" in err and "/4096 context" in err and err.rstrip().endswith("greedy")


def test_text_workspace_streams_a_gguf_answer_and_stops_it(qtbot, text_pool, paths, tiny_gguf):
    """From the window: the chat streams a GGUF's answer through the engine host, and Stop ends it."""
    from PySide6.QtCore import Qt

    from studio.ui.text_workspace import TextWorkspace

    ws = TextWorkspace(text_pool, paths, models=[ModelEntry(str(tiny_gguf), str(tiny_gguf), "gguf")])
    qtbot.addWidget(ws)
    ws.model_combo.setCurrentIndex(ws.model_combo.findData(str(tiny_gguf)))
    ws.controls.random_seed.setChecked(False)
    ws.controls.seed.set_seed(5)
    ws.controls.temperature.setValue(1.0)  # sampled: the random model's greedy answer loops (the guard ends it)
    ws.controls.max_new_tokens.setValue(4000)
    ws.show()
    qtbot.keyClicks(ws.chat_input, "Hello there")
    qtbot.keyClick(ws.chat_input, Qt.Key.Key_Return)
    assert ws.job is not None
    chunks: list[str] = []
    ws.job.text.connect(chunks.append)
    qtbot.waitUntil(lambda: len(ws.chat_view.last().text()) > 20, timeout=120_000)
    with qtbot.waitSignal(ws.job.cancelled, timeout=60_000):
        qtbot.mouseClick(ws.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.job is None, timeout=5000)
    assert ws.chat_view.last().status.text() == "(stopped)"
    assert ws.chat_view.last().text() == "".join(chunks) and chunks


def test_load_progress_is_monotonic_and_reaches_100_percent(tiny_gguf, gguf_ctx, monkeypatch):
    """llama.cpp's progress callback feeds the job's load event: bytes of the file, monotonic, to the end."""
    from studio.engines import load_meter
    from studio.engines.load_meter import job_reporter

    monkeypatch.setattr(load_meter, "INTERVAL_S", 0.0)  # every event (the tiny file loads in milliseconds)

    events: list[tuple[str, int, int]] = []

    class LoadRecorder(Recorder):
        def load(self, done, total, what):
            events.append((what, done, total))

    rec = LoadRecorder()
    with job_reporter(rec):
        run(TextSpec(prompt="hi", model=str(tiny_gguf), max_new_tokens=2, temperature=0.0), rec, CancelToken(),
            gguf_ctx)
    size = tiny_gguf.stat().st_size
    assert events[0] == ("tiny-llama", 0, size) and events[-1] == ("tiny-llama", size, size)
    assert all(t == size for _w, _d, t in events) and len(events) > 2  # counted as it loads, not only at the end
    assert [d for _w, d, _t in events] == sorted(d for _w, d, _t in events)


def test_cancel_during_the_load_aborts_it(tiny_gguf, gguf_ctx):
    from studio.core.errors import JobCancelled

    cancel = CancelToken()

    class CancelWhileLoading(Recorder):
        def load(self, done, total, what):
            if 0 < done < total:
                cancel.cancel()

    from studio.engines.load_meter import job_reporter

    rec = CancelWhileLoading()
    with job_reporter(rec), pytest.raises(JobCancelled):
        run(TextSpec(prompt="hi", model=str(tiny_gguf), max_new_tokens=2), rec, cancel, gguf_ctx)
    assert not gguf_ctx.cache.loaded()  # nothing half-loaded is kept


def test_threads_leave_busy_cores_alone(monkeypatch):
    """llama.cpp's threads wait for each other every step: on busy cores the studio uses fewer of them."""
    import os

    import psutil

    from studio.engines.text import llama_gguf

    physical = max(1, psutil.cpu_count(logical=False) or 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert llama_gguf.default_threads() == min(physical, os.cpu_count())
    monkeypatch.setattr(os, "getloadavg", lambda: (float(os.cpu_count() + 8), 0.0, 0.0))
    assert llama_gguf.default_threads() == 1
    kw = llama_gguf.llama_kwargs(2048, 0, 1)
    assert kw["n_threads"] == kw["n_threads_batch"] == 1
