"""Autocomplete in the prompt editor: the word being typed and the known words it may become.

Known words: the model's vocabulary (its chips), installed LoRAs (offered as ``<lora:name:1>``) and the
wildcards in the studio home (``__name__``). Pure logic; ``studio.ui.prompt_tools`` shows the popup.
"""
from __future__ import annotations

from typing import Iterable

MIN_PREFIX = 2
MAX_SHOWN = 12
_STOP = set(" \t\n,()[]{}|:")


def word_at(text: str, pos: int) -> tuple[int, str]:
    """(start, word) of the word ending at ``pos``: back to a space, comma or bracket (``<``/``_`` kept)."""
    start = pos
    while start > 0 and text[start - 1] not in _STOP:
        start -= 1
    if start > 0 and text[start - 1] == ":" and text[max(0, start - 6):start] == "<lora:":
        start -= 6  # "<lora:na" is one word
    return start, text[start:pos]


def lora_tag(name: str) -> str:
    return f"<lora:{name}:1>"


def wildcard_tag(name: str) -> str:
    return f"__{name}__"


def candidates(vocabulary: Iterable[str], loras: Iterable[str], wildcards: Iterable[str]) -> list[str]:
    """Everything the popup may offer, each once, in this order."""
    out = list(dict.fromkeys([*vocabulary, *(lora_tag(n) for n in loras), *(wildcard_tag(n) for n in wildcards)]))
    return out


def completions(word: str, known: Iterable[str]) -> list[str]:
    """The known words ``word`` may become (prefix match, case-insensitive; a LoRA by its name too)."""
    w = word.lower()
    if len(w.strip("_<")) < MIN_PREFIX and not w.startswith("__"):
        return []
    out = []
    for k in known:
        kl = k.lower()
        if kl == w:
            continue
        name = kl[len("<lora:"):] if kl.startswith("<lora:") else kl
        if kl.startswith(w) or (w.startswith("<lora:") and name.startswith(w[len("<lora:"):])) or \
                (not w.startswith(("<", "__")) and (name.startswith(w) or kl.strip("_").startswith(w))):
            out.append(k)
    return out[:MAX_SHOWN]
