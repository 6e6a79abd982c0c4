"""Transformers text models on the CPU: native precision (bf16 only where the CPU has it), int8 dynamic
quantisation as a setting, and a model over the memory budget refused before loading, with the numbers."""
from __future__ import annotations

import pytest

from studio.core.errors import ModelError
from studio.core.progress import CancelToken
from studio.core.settings import Settings, validate_setting
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text import frugal
from studio.engines.text.generate import run

SAPPHIRE = "processor\t: 0\nflags\t\t: fpu sse sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
OLDER = "processor\t: 0\nflags\t\t: fpu sse sse2 avx2 fma\n"


def test_bf16_only_where_the_cpu_has_it():
    import torch

    assert frugal.cpu_has_bf16(SAPPHIRE) and not frugal.cpu_has_bf16(OLDER)
    assert frugal.text_dtype("cpu", SAPPHIRE) == torch.bfloat16 and frugal.text_dtype("cpu", OLDER) == torch.float32
    flags = frugal.cpu_flags()
    assert frugal.text_dtype("cpu") == (torch.bfloat16 if flags & {"avx512_bf16", "amx_bf16"} else torch.float32)


def _ctx(paths, **settings) -> EngineContext:
    return EngineContext.create(paths, Settings(scan_hf_cache=False, **settings), device="cpu")


def test_a_cpu_with_bf16_loads_the_model_in_bf16(monkeypatch, paths, tiny_llama_dir, recorder):
    monkeypatch.setattr(frugal, "cpu_has_bf16", lambda cpuinfo=None: True)
    result = run(TextSpec(prompt="Hello", model=str(tiny_llama_dir), max_new_tokens=3, temperature=0.0), recorder,
                 CancelToken(), ctx := _ctx(paths))
    assert result.precision == "bfloat16" and result.new_tokens == 3
    (model, _size), = [(v[0], v[1]) for v in ctx.cache._items.values()]
    assert model.model.dtype.__str__() == "torch.bfloat16"


def test_int8_runs_the_linear_layers_in_int8_like_a_plain_quantize_dynamic(paths, tiny_llama_dir, recorder,
                                                                             monkeypatch):
    import torch

    monkeypatch.setattr(frugal, "cpu_has_bf16", lambda cpuinfo=None: False)  # the same float32 on every CPU
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert validate_setting("text_int8", True) is None and validate_setting("text_int8", "yes") is not None
    ctx = _ctx(paths, text_int8=True)
    spec = TextSpec(prompt="Once upon a time", model=str(tiny_llama_dir), max_new_tokens=8, temperature=0.0)
    result = run(spec, recorder, CancelToken(), ctx)
    assert result.precision == "int8 dynamic" and result.new_tokens > 0
    lm = next(iter(ctx.cache._items.values()))[0]
    linears = [m for m in lm.model.modules() if isinstance(m, torch.nn.Linear)]
    assert not linears  # every Linear was swapped for the dynamic int8 one
    # The same job as torch's own call on a plain transformers load: the same greedy tokens.
    plain = AutoModelForCausalLM.from_pretrained(tiny_llama_dir, dtype=torch.float32).eval()
    plain = frugal.quantize_int8(plain)
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    ids = tok("Once upon a time", return_tensors="pt")
    out = plain.generate(**ids, max_new_tokens=result.new_tokens, do_sample=False, min_new_tokens=result.new_tokens)
    assert tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True) == result.text
    # Off again: the float model is loaded (a different cache entry), not the int8 one.
    off = run(spec, recorder, CancelToken(), _ctx(paths))
    assert off.precision == "float32"


def test_a_model_over_the_memory_budget_is_refused_before_loading(paths, tiny_llama_dir, recorder, monkeypatch):
    from transformers import AutoModelForCausalLM

    monkeypatch.setattr(frugal, "cpu_has_bf16", lambda cpuinfo=None: False)  # float32: 4 bytes a weight, any CPU
    need = int(frugal.weights_in_memory(tiny_llama_dir, 4) * frugal.LOAD_OVERHEAD)
    loads: list[str] = []
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", lambda *a, **k: loads.append("x"))
    ctx = _ctx(paths, memory_budget_gb=need / 2 / 2**30)
    with pytest.raises(ModelError) as err:
        run(TextSpec(prompt="Hi", model=str(tiny_llama_dir), max_new_tokens=2), recorder, CancelToken(), ctx)
    message = str(err.value)
    assert "needs about" in message and "float32" in message and "memory budget of" in message
    from studio.core.progress import format_bytes

    assert format_bytes(need) in message and format_bytes(ctx.cache.budget_bytes) in message
    assert loads == [] and ctx.cache.loaded() == []  # nothing was loaded
