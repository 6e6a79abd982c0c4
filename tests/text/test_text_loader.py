"""Loading text models: folders that are not causal LMs, bad/corrupt/unsupported GGUF files, the built-in."""
from __future__ import annotations

import json

import pytest

from studio.core.errors import ModelError
from studio.core.progress import CancelToken
from studio.core.specs.text import TextSpec
from studio.engines.text.generate import run
from studio.engines.models.gguf_convert import check_gguf, converted_folder, fingerprint
from tests.text.conftest import Recorder
from tests.text.tiny_lm import write_gguf


def test_builtin_smollm2_is_the_default_text_model(text_ctx):
    entry = text_ctx.registry.default("text")
    assert entry is not None and entry.name == "SmolLM2-135M-Instruct"
    assert entry.type == "gguf" and entry.source == "builtin" and entry.usable
    assert entry.path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert text_ctx.registry.resolve("SmolLM2-135M-Instruct", task="text").path == entry.path
    assert check_gguf(entry.path) == "llama"


def test_a_folder_that_is_not_a_causal_lm_is_refused(tmp_path, text_ctx):
    folder = tmp_path / "bert-like"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    with pytest.raises(ModelError, match="bert-like"):
        run(TextSpec(prompt="hi", model=str(folder)), Recorder(), CancelToken(), text_ctx)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="empty"):
        run(TextSpec(prompt="hi", model=str(empty)), Recorder(), CancelToken(), text_ctx)


def test_causal_lm_folder_without_weights_gives_a_clear_error(tmp_path, text_ctx, smol_tokenizer_dir):
    import shutil

    folder = tmp_path / "no-weights"
    shutil.copytree(smol_tokenizer_dir, folder)
    (folder / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                                                    "hidden_size": 32, "num_hidden_layers": 1,
                                                    "num_attention_heads": 4, "intermediate_size": 64}))
    with pytest.raises(ModelError, match="no-weights.*weights"):
        run(TextSpec(prompt="hi", model=str(folder)), Recorder(), CancelToken(), text_ctx)
    from studio.engines.text.loader import load_folder

    with pytest.raises(ModelError, match="no-weights could not be loaded as a text model"):
        load_folder(folder, "no-weights", "cpu")  # the loader's own check, past the registry


def test_gguf_with_bad_magic(tmp_path, text_ctx):
    bad = tmp_path / "junk.gguf"
    bad.write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(ModelError, match="not a GGUF file"):
        check_gguf(bad)
    with pytest.raises(ModelError, match="not a GGUF file"):
        run(TextSpec(prompt="hi", model=str(bad)), Recorder(), CancelToken(), text_ctx)


def test_gguf_of_an_architecture_transformers_cannot_de_quantise(tmp_path, text_ctx):
    """The converter (training a LoRA on a GGUF base) checks the architecture before any work."""
    from studio.engines.text.loader import load_entry

    g = write_gguf(tmp_path / "odd.gguf", arch="rwkv6")
    with pytest.raises(ModelError, match="'rwkv6' model, which the studio cannot load.*llama"):
        load_entry(text_ctx.registry.resolve(str(g), task="text"), text_ctx, Recorder())
    assert not converted_folder(text_ctx.paths, g).exists()


def test_truncated_gguf_is_reported_as_corrupt(tmp_path, text_ctx):
    g = write_gguf(tmp_path / "whole.gguf")
    data = g.read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[:200])  # ends inside the metadata
    with pytest.raises(ModelError, match="cut.*cannot be used"):  # the registry already sees it
        run(TextSpec(prompt="hi", model=str(cut)), Recorder(), CancelToken(), text_ctx)
    with pytest.raises(ModelError, match="cut.gguf is corrupt or truncated"):
        check_gguf(cut)
    tail_cut = tmp_path / "tail.gguf"
    tail_cut.write_bytes(data[: len(data) - 1000])  # header intact, weights cut short
    with pytest.raises(ModelError, match="tail"):
        run(TextSpec(prompt="hi", model=str(tail_cut)), Recorder(), CancelToken(), text_ctx)
    assert not converted_folder(text_ctx.paths, tail_cut).exists()  # no half copy left to be reused


def test_fingerprint_changes_with_content(tmp_path):
    a = write_gguf(tmp_path / "a.gguf", layers=1)
    b = write_gguf(tmp_path / "b.gguf", layers=2)
    assert fingerprint(a) == fingerprint(a)
    assert fingerprint(a) != fingerprint(b)


def test_cancelling_a_conversion_ends_it_within_the_grace_period_and_leaves_no_half_copy(qtbot, paths, tmp_path,
                                                                                          monkeypatch):
    """De-quantizing (a text LoRA on a GGUF base) cannot be interrupted: the job's engine host is ended after
    the grace period. The host is forked from the session's warm parent (tests.fixtures.host_zygote: its own
    process, which ends at once when the studio kills its stand-in)."""
    import json
    import time

    from studio.core.settings import Settings
    from studio.core.specs.training import TrainSpec
    from studio.jobs.pool import WorkerPool
    from tests.fixtures.host_zygote import use_warm_hosts
    from tests.text.tiny_lm import smollm2_gguf

    use_warm_hosts(monkeypatch)
    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"instruction": "Hi", "response": "Hello!"}) + "\n", encoding="utf-8")
    pool = WorkerPool(paths, Settings(device="cpu", scan_hf_cache=False, engine_prewarm=False, cancel_grace_s=1.0))
    pool.start()
    try:
        spec = TrainSpec(family="text_lora", data=str(data), out="never", base=str(smollm2_gguf()), steps=2, batch=1,
                         sample_every=0, checkpoint_every=0)
        steps: list[tuple[int, int, int]] = []
        pool.job_progress.connect(lambda jid, done, total, _eta: steps.append((jid, done, total)))
        job = pool.submit(spec).job_id
        qtbot.waitUntil(lambda: (job, 1, 4) in steps, timeout=60000)  # de-quantizing the weights
        qtbot.wait(500)
        t0 = time.monotonic()
        pool.cancel(job)
        qtbot.waitUntil(lambda: pool.job(job).is_final, timeout=30000)
        assert pool.job(job).state == "cancelled"
        assert time.monotonic() - t0 < 10
    finally:
        pool.shutdown(wait=True, timeout=30)
    assert not converted_folder(paths, smollm2_gguf()).exists()  # nothing half-made will be used


def test_the_next_conversion_removes_copies_half_built_by_ended_converters(tmp_path):
    import os

    from studio.engines.models.gguf_convert import remove_stale_temporaries

    folder = tmp_path / "converted" / "model-abc"
    dead, live = (tmp_path / "converted" / f".model-abc.tmp-{pid}" for pid in (2**22 + 12345, os.getpid()))
    for d in (dead, live):
        (d / "sub").mkdir(parents=True)
    assert remove_stale_temporaries(folder) == [dead]
    assert not dead.exists() and live.exists()  # a converter still running keeps its work
