"""Text LoRA family: a tiny Llama fine-tuned on instruction pairs; plain peft and the text engine load it."""
from __future__ import annotations

import json

import pytest
import torch

from studio.core.progress import CancelToken
from studio.core.specs.text import TextSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from studio.engines.training.run import trainer_class
from tests.families.conftest import Recorder

PAIRS = [("What colour is the sky?", "Blue."), ("Name a fruit.", "Apple."), ("Say hi.", "Hi there!"),
         ("Two plus two?", "Four."), ("Capital of France?", "Paris."), ("Opposite of cold?", "Hot.")]


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    """A 2-layer Llama (hidden 64) with SmolLM2's tokenizer and chat template.

    Its embeddings are initialised wider (std 0.1) than the text tests' tiny Llama: with std 0.02
    and tied embeddings no hidden state can move the logits far from uniform, so no fine-tuning of
    the inner layers could lower the loss much.
    """
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from tests.text.tiny_lm import save_smol_tokenizer

    tok_dir = save_smol_tokenizer(tmp_path_factory.mktemp("tok"))
    tok = AutoTokenizer.from_pretrained(tok_dir)
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, bos_token_id=1,
                      eos_token_id=2, pad_token_id=2, tie_word_embeddings=True, initializer_range=0.1)
    out = tmp_path_factory.mktemp("base") / "tiny-llama"
    LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture()
def pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    lines = [json.dumps({"instruction": q, "response": a}) for q, a in PAIRS]
    lines.insert(2, "{not json")  # a broken line is skipped and reported
    lines.append(json.dumps({"messages": [{"role": "user", "content": "Hello"},
                                          {"role": "assistant", "content": "Hello! How can I help?"}]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_spec(data, base, **kw) -> TrainSpec:
    params = {"rank": 4, "alpha": 8, "log_every": 5, "warmup": 0}
    params.update(kw.pop("params", {}))
    base_kw = dict(family="text_lora", data=str(data), out="tiny-text-lora", base=str(base), steps=30, batch=4,
                   lr=1e-2, sample_every=0, checkpoint_every=0, params=params)
    return TrainSpec(**{**base_kw, **kw})


def test_text_lora_learns_and_loads_with_peft_and_the_text_engine(tiny_llama, pairs_file, ctx, recorder,
                                                                  monkeypatch):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from studio.engines.text import frugal

    # The engine loads text models in bf16 on a CPU that has it; compare with plain peft in float32 on any CPU.
    monkeypatch.setattr(frugal, "cpu_has_bf16", lambda cpuinfo=None: False)

    trainer = trainer_class("text_lora")(text_spec(pairs_file, tiny_llama), recorder, CancelToken(), ctx)
    trainer.setup()
    start = trainer.eval_loss()
    assert any("line 3" in m for m in recorder.messages), "the broken JSONL line is reported"
    assert len(trainer.examples) == len(PAIRS) + 1
    ex = trainer.examples[0]
    learnt = trainer.tokenizer.decode([t for t in ex.labels if t != -100])
    assert learnt.startswith("Blue.") and "What colour" not in learnt, "only the answer is learnt"

    trainer = trainer_class("text_lora")(text_spec(pairs_file, tiny_llama), recorder, CancelToken(), ctx)
    result = trainer.fit()
    assert trainer.eval_loss() < 0.8 * start
    folder = ctx.paths.models / "tiny-text-lora"
    assert result.outputs == (str(folder),)
    assert (folder / "adapter_config.json").is_file() and (folder / "adapter_model.safetensors").is_file()

    # Plain peft loads the adapter onto the base.
    from peft import PeftModel

    base = AutoModelForCausalLM.from_pretrained(str(tiny_llama))
    tok = AutoTokenizer.from_pretrained(str(tiny_llama))
    ids = tok.apply_chat_template([{"role": "user", "content": "Name a fruit."}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)["input_ids"]
    with torch.no_grad():
        base_logits = base(ids).logits
        peft_model = PeftModel.from_pretrained(base, str(folder))
        lora_logits = peft_model(ids).logits
    assert not torch.allclose(base_logits, lora_logits, atol=1e-3)

    # The studio lists it as a text model and the text engine answers with the adapter applied.
    entry = next(e for e in ctx.registry.scan() if e.name == "tiny-text-lora")
    assert (entry.type, entry.status, entry.task) == ("text_lora", "ok", "text")
    from studio.engines.text.loader import get_text_model

    lm = get_text_model(entry, ctx)
    with torch.no_grad():
        assert torch.allclose(lm.model(ids).logits, lora_logits, atol=1e-4)
    spec = TextSpec(model="tiny-text-lora", chat=True, messages=(("user", "Name a fruit."),), temperature=0.0,
                    max_new_tokens=4)
    out = run_spec(spec, Recorder(), CancelToken(), ctx)
    assert out.model == "tiny-text-lora" and out.new_tokens >= 1


def test_text_lora_merge_and_plain_text(tiny_llama, tmp_path, ctx):
    text = tmp_path / "notes.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 30, encoding="utf-8")
    spec = text_spec(text, tiny_llama, steps=4, out="fox", params={"merge": True, "max_length": 32})
    trainer = trainer_class("text_lora")(spec, Recorder(), CancelToken(), ctx)
    trainer.fit()
    assert len(trainer.examples) > 5 and all(len(e.ids) <= 32 for e in trainer.examples)
    merged = next(e for e in ctx.registry.scan() if e.name == "fox-merged")
    assert merged.type == "causal_lm" and merged.usable
    from studio.engines.text.loader import get_text_model

    adapter_lm = get_text_model(next(e for e in ctx.registry.scan() if e.name == "fox"), ctx)
    merged_lm = get_text_model(merged, ctx)
    ids = torch.tensor([[1, 200, 300, 400]])
    with torch.no_grad():
        assert torch.allclose(adapter_lm.model(ids).logits, merged_lm.model(ids).logits, atol=1e-4)


def test_text_lora_cancel_keeps_a_checkpoint_with_only_the_adapter(tiny_llama, pairs_file, ctx):
    from studio.engines.training.checkpoint import load_checkpoint

    cancel = CancelToken()
    result = trainer_class("text_lora")(text_spec(pairs_file, tiny_llama, steps=10), Recorder(cancel, cancel_at=3),
                                        cancel, ctx).fit()
    assert result.cancelled
    state = load_checkpoint(result.checkpoint)
    assert state["step"] == 3
    names = list(state["modules"]["lora"])
    assert names and all("lora_" in n for n in names), "the frozen base is not copied into checkpoints"
    done = trainer_class("text_lora")(text_spec(pairs_file, tiny_llama, steps=10, resume="last"), Recorder(),
                                      CancelToken(), ctx).fit()
    assert done.steps == 10


def test_text_lora_resume_gives_the_same_adapter_as_an_uninterrupted_run(tiny_llama, pairs_file, ctx):
    from safetensors.torch import load_file

    straight = trainer_class("text_lora")(text_spec(pairs_file, tiny_llama, steps=6, out="straight"), Recorder(),
                                          CancelToken(), ctx)
    straight.fit()
    cancel = CancelToken()
    trainer_class("text_lora")(text_spec(pairs_file, tiny_llama, steps=6, out="resumed"),
                               Recorder(cancel, cancel_at=3), cancel, ctx).fit()
    trainer_class("text_lora")(text_spec(pairs_file, tiny_llama, steps=6, out="resumed", resume="last"), Recorder(),
                               CancelToken(), ctx).fit()
    a = load_file(str(ctx.paths.models / "straight" / "adapter_model.safetensors"))
    b = load_file(str(ctx.paths.models / "resumed" / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
