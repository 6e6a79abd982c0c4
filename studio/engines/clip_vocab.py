"""Convert OpenAI's CLIP BPE file (``bpe_simple_vocab_16e6.txt.gz``) into a Hugging Face CLIPTokenizer folder.

The studio ships the converted files in ``resources/tokenizers/clip/`` so nothing needs open_clip
at run time; this module documents (and tests re-run) how they were made. The construction follows
OpenAI's ``simple_tokenizer.py``: the 256 byte-level unicode symbols, their ``</w>`` variants, one
token per merge (the first 49152-256-2 merges), then ``<|startoftext|>`` and ``<|endoftext|>``.
"""
from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.i18n import _

N_MERGES = 49152 - 256 - 2
BOS, EOS = "<|startoftext|>", "<|endoftext|>"

TOKENIZER_CONFIG = {
    "tokenizer_class": "CLIPTokenizer",
    "model_max_length": 77,
    "do_lower_case": True,
    "errors": "replace",
    "add_prefix_space": False,
    "bos_token": BOS,
    "eos_token": EOS,
    "unk_token": EOS,
    "pad_token": EOS,
}
SPECIAL_TOKENS_MAP = {"bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS}


def bytes_to_unicode() -> dict[int, str]:
    """OpenAI's reversible byte → printable unicode character table (GPT-2 / CLIP)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def open_clip_bpe_path() -> Path:
    """Where the installed open_clip package keeps its BPE file (found without importing open_clip)."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(_("open_clip is not installed; it ships the CLIP BPE vocabulary"))
    return Path(list(spec.submodule_search_locations)[0]) / "bpe_simple_vocab_16e6.txt.gz"


def convert(bpe_path: Path) -> tuple[dict[str, int], list[str]]:
    """The (vocab, merges) of the CLIP tokenizer built from the gzipped BPE file."""
    lines = gzip.open(bpe_path).read().decode("utf-8").split("\n")
    merges = lines[1:N_MERGES + 1]  # line 0 is a version header
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges] + [BOS, EOS]
    vocab = {t: i for i, t in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise ValueError(_("duplicate tokens in the BPE file; is it the CLIP vocabulary?"))
    return vocab, merges


def write_tokenizer(bpe_path: Path, out_dir: Path) -> Path:
    """Write vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json into ``out_dir``."""
    vocab, merges = convert(bpe_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "vocab.json", json.dumps(vocab, ensure_ascii=False))
    atomic_write_text(out_dir / "merges.txt", "#version: 0.2\n" + "\n".join(merges) + "\n")
    atomic_write_text(out_dir / "tokenizer_config.json", json.dumps(TOKENIZER_CONFIG, indent=2, sort_keys=True) + "\n")
    atomic_write_text(out_dir / "special_tokens_map.json", json.dumps(SPECIAL_TOKENS_MAP, indent=2, sort_keys=True) + "\n")
    return out_dir


def bundled_tokenizer_dir() -> Path:
    """The CLIP tokenizer folder shipped with the studio."""
    from studio.core.paths import resources_dir

    return resources_dir() / "tokenizers" / "clip"


if __name__ == "__main__":  # regenerate the bundled files: python -m studio.engines.clip_vocab
    print(write_tokenizer(open_clip_bpe_path(), bundled_tokenizer_dir()))
