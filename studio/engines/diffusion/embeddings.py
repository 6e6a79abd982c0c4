"""Weighted and long prompts for CLIP-conditioned pipelines (SD 1.x/2.x, SDXL), A1111 style.

The prompt is parsed into weighted fragments (``studio.core.specs.prompt_weights``), tokenized, cut
into chunks of 75 tokens (BREAK forces a cut), each chunk wrapped in start/end tokens and
encoded separately; token embeddings are scaled by their weights and the chunk rescaled to its
original mean (as A1111 does), and the chunks are concatenated. Plain prompts of ≤ 75 tokens
return None so the pipeline encodes them itself, exactly as plain diffusers would.
"""
from __future__ import annotations

from typing import Any

import torch

from studio.core.specs.prompt_weights import BREAK, is_plain, parse

CHUNK = 75


def _encoders(pipe: Any, family: str) -> list[tuple[Any, Any]]:
    pairs = [(getattr(pipe, "tokenizer", None), getattr(pipe, "text_encoder", None))]
    if family == "sdxl":
        pairs.append((getattr(pipe, "tokenizer_2", None), getattr(pipe, "text_encoder_2", None)))
    return [(t, e) for t, e in pairs if t is not None and e is not None]


def supports_weights(pipe: Any, family: str) -> bool:
    """True for pipelines whose prompts this module can encode (CLIP tokenizer + text encoder)."""
    if family not in ("sd", "sdxl") or not _encoders(pipe, family):
        return False
    return family != "sdxl" or len(_encoders(pipe, family)) == 2


def _tokens(tokenizer: Any, text: str) -> list[tuple[int, float]]:
    """(token id, weight) pairs; BREAK is (-1, -1)."""
    out: list[tuple[int, float]] = []
    for frag, weight in parse(text):
        if weight == -1 and frag == BREAK:
            out.append((-1, -1.0))
            continue
        ids = tokenizer(frag, add_special_tokens=False, truncation=False, verbose=False).input_ids
        out += [(i, weight) for i in ids]
    return out


def _chunks(tokens: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    chunks: list[list[tuple[int, float]]] = [[]]
    for tok in tokens:
        if tok[0] == -1:
            if chunks[-1]:
                chunks.append([])
            continue
        if len(chunks[-1]) == CHUNK:
            chunks.append([])
        chunks[-1].append(tok)
    return chunks


def needs_custom_encoding(pipe: Any, family: str, prompt: str, negative: str) -> bool:
    """True when a prompt has weights/escapes/BREAK or more than 75 tokens."""
    if not (is_plain(prompt) and is_plain(negative)):
        return True
    tokenizer = _encoders(pipe, family)[0][0]
    return any(len(tokenizer(p, add_special_tokens=False, truncation=False, verbose=False).input_ids) > CHUNK
               for p in (prompt, negative))


def token_count(pipe: Any, family: str, prompt: str) -> int:
    return len([t for t in _tokens(_encoders(pipe, family)[0][0], prompt) if t[0] != -1])


def _encode_chunk(tokenizer: Any, encoder: Any, chunk: list[tuple[int, float]], family: str,
                  device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    bos = tokenizer.bos_token_id
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    ids = [bos] + [t for t, _ in chunk] + [eos] + [pad] * (CHUNK - len(chunk))
    weights = [1.0] + [w for _, w in chunk] + [1.0] * (CHUNK - len(chunk) + 1)
    ids_t = torch.tensor([ids], device=device)
    if family == "sdxl":
        out = encoder(ids_t, output_hidden_states=True)
        z = out.hidden_states[-2]  # SDXL conditions on the penultimate layer, as diffusers does
        pooled = out[0] if out[0].ndim == 2 else None
    else:
        mask = torch.ones_like(ids_t) if getattr(encoder.config, "use_attention_mask", False) else None
        z = encoder(ids_t, attention_mask=mask)[0]
        pooled = None
    return apply_weights(z, torch.tensor(weights, dtype=z.dtype, device=z.device)), pooled


def apply_weights(z: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Scale token embeddings (1, L, D) by ``weights`` (L,), then restore the chunk's mean (A1111).

    The mean is restored only when that is well defined: an encoder whose outputs average to
    ~0 (e.g. untrained layer norms) would otherwise be divided by ~0 and give inf embeddings.
    """
    if bool(torch.all(weights == 1)):
        return z
    original_mean = z.float().mean()
    out = z * weights[None, :, None]
    new_mean = out.float().mean()
    scale = original_mean / new_mean if new_mean.abs() > 1e-6 * out.float().abs().mean() else torch.tensor(0.0)
    if torch.isfinite(scale) and 0.5 <= float(scale) <= 2.0:
        out = out * scale.to(out.dtype)
    return out


@torch.no_grad()
def encode(pipe: Any, family: str, prompt: str, negative: str) -> dict[str, torch.Tensor]:
    """Pipeline keyword arguments (prompt_embeds, negative_prompt_embeds, and pooled ones for SDXL)."""
    device = pipe.device
    per_encoder: list[tuple[list[torch.Tensor], list[torch.Tensor]]] = []
    pooled: dict[str, torch.Tensor] = {}
    n_chunks = 1
    token_lists = []
    for tokenizer, encoder in _encoders(pipe, family):
        pos, neg = _chunks(_tokens(tokenizer, prompt)), _chunks(_tokens(tokenizer, negative))
        token_lists.append((tokenizer, encoder, pos, neg))
        n_chunks = max(n_chunks, len(pos), len(neg))
    for tokenizer, encoder, pos, neg in token_lists:
        # Positive and negative need the same length: pad the shorter with empty chunks.
        pos += [[] for _ in range(n_chunks - len(pos))]
        neg += [[] for _ in range(n_chunks - len(neg))]
        embeds: list[list[torch.Tensor]] = [[], []]
        for side, chunks in enumerate((pos, neg)):
            for k, chunk in enumerate(chunks):
                z, p = _encode_chunk(tokenizer, encoder, chunk, family, device)
                embeds[side].append(z)
                if p is not None and k == 0:  # A1111/diffusers: the pooled output of the first chunk
                    pooled["pos" if side == 0 else "neg"] = p
        per_encoder.append((embeds[0], embeds[1]))
    pos_embeds = torch.cat([torch.cat([e[0][k] for e in per_encoder], dim=-1) for k in range(n_chunks)], dim=1)
    neg_embeds = torch.cat([torch.cat([e[1][k] for e in per_encoder], dim=-1) for k in range(n_chunks)], dim=1)
    kwargs: dict[str, torch.Tensor] = {"prompt_embeds": pos_embeds, "negative_prompt_embeds": neg_embeds}
    if family == "sdxl":
        kwargs["pooled_prompt_embeds"] = pooled["pos"]
        # An empty negative prompt is encoded like any other text, as the pipeline does when it
        # is handed "" (its zeroing applies only to a missing negative prompt).
        kwargs["negative_pooled_prompt_embeds"] = pooled["neg"]
    return kwargs
