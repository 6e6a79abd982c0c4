"""A CLIP tokenizer trimmed to the words a dataset uses.

The full CLIP vocabulary is 49,408 tokens; a model that only ever sees ~30 words wastes millions
of embedding parameters on it. The trimmed tokenizer is still a real ``CLIPTokenizer`` (same
normaliser, pre-tokeniser and BPE): it keeps exactly the merges that the given texts apply, so
those texts split into the same tokens as with the full vocabulary, only with new, dense ids.
Words it never saw become the unknown token (``<|endoftext|>``, as in CLIP).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def _read_full(folder: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    lines = (folder / "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split()) for line in lines if line and not line.startswith("#version")]
    return vocab, merges  # type: ignore[return-value]


def _applied_merges(word: str, ranks: dict[tuple[str, str], int]) -> tuple[list[str], set[tuple[str, str]]]:
    """Replay CLIP's BPE on one byte-level word: (final symbols, merges applied)."""
    symbols = list(word[:-1]) + [word[-1] + "</w>"]
    used: set[tuple[str, str]] = set()
    while len(symbols) > 1:
        pairs = [(ranks.get((a, b), 1 << 60), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        best_rank, _ = min(pairs)
        if best_rank == 1 << 60:
            break
        a, b = next((symbols[i], symbols[i + 1]) for r, i in pairs if r == best_rank)
        used.add((a, b))
        merged, i = [], 0
        while i < len(symbols):
            if i < len(symbols) - 1 and symbols[i] == a and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols, used


def trimmed_clip_tokenizer(full_dir: Path, texts: Iterable[str], max_length: int = 16):
    """A ``CLIPTokenizer`` whose vocabulary holds only the tokens ``texts`` need (plus BOS/EOS)."""
    from transformers import CLIPTokenizer

    full = CLIPTokenizer.from_pretrained(str(full_dir))
    _, merges = _read_full(Path(full_dir))
    ranks = {m: i for i, m in enumerate(merges)}
    normalizer, pre = full.backend_tokenizer.normalizer, full.backend_tokenizer.pre_tokenizer
    tokens: set[str] = set()
    used: set[tuple[str, str]] = set()
    for text in texts:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)):
            final, applied = _applied_merges(word, ranks)
            tokens.update(final)
            used |= applied
    for a, b in used:  # every intermediate symbol must be in the vocabulary for the BPE model
        tokens.update((a, b, a + b))
    kept_merges = [m for m in merges if m in used]  # original order = original ranks
    vocab = {BOS: 0, EOS: 1}
    for t in sorted(tokens):
        vocab.setdefault(t, len(vocab))
    tok = CLIPTokenizer(vocab=vocab, merges=[(a, b) for a, b in kept_merges], model_max_length=max_length)
    return tok


def extended_clip_tokenizer(tok, full_dir: Path, texts: Iterable[str]):
    """``tok`` (a trimmed ``CLIPTokenizer``) plus the tokens ``texts`` need: the old tokens keep their ids
    (so a text encoder's embedding rows stay valid), new ones are appended; merges keep CLIP's ranks."""
    from transformers import CLIPTokenizer

    full = CLIPTokenizer.from_pretrained(str(full_dir))
    _, merges = _read_full(Path(full_dir))
    ranks = {m: i for i, m in enumerate(merges)}
    normalizer, pre = full.backend_tokenizer.normalizer, full.backend_tokenizer.pre_tokenizer
    old_vocab = dict(tok.get_vocab())
    model = json.loads(tok.backend_tokenizer.to_str())["model"]
    used = {tuple(m.split()) if isinstance(m, str) else tuple(m) for m in model["merges"]}
    tokens: set[str] = set()
    for text in texts:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)):
            final, applied = _applied_merges(word, ranks)
            tokens.update(final)
            used |= applied
    for a, b in used:
        tokens.update((a, b, a + b))
    vocab = dict(sorted(old_vocab.items(), key=lambda kv: kv[1]))
    for t in sorted(tokens - set(vocab)):
        vocab[t] = len(vocab)
    kept = sorted(used, key=lambda m: ranks.get(m, 1 << 60))
    return CLIPTokenizer(vocab=vocab, merges=[(a, b) for a, b in kept], model_max_length=tok.model_max_length)
