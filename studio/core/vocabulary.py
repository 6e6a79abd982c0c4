"""What a small model knows to draw: the words its training captions used (a card's "vocabulary").

Studio Fashion was trained on 10 garments × 8 colours; a prompt outside those words gets an
arbitrary garment in an arbitrary colour. The prompt editor shows the words and warns, the CLI
prints the same warning; models without a vocabulary (Stable Diffusion) are never warned about.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from studio.core.i18n import _
from studio.core.registry import ModelEntry

COMMON_COLOURS = ("black", "white", "grey", "gray", "brown", "beige", "navy", "gold", "silver", "magenta",
                  "violet", "turquoise", "maroon", "khaki", "cream", "teal", "lime", "olive", "tan")
"""Colour words people type; named when a model with colours in its vocabulary has not learnt them."""
_WEIGHT_SYNTAX = re.compile(r"<[^>]*>|:\s*[-+]?\d+(?:\.\d+)?|[()\[\]{}]")


@dataclass(frozen=True)
class Vocabulary:
    """Word groups shown as chips (e.g. garments, colours), more words also understood, an example prompt."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    also: tuple[str, ...] = ()
    example: str = ""

    def words(self) -> tuple[str, ...]:
        return tuple(w for _, words in self.groups for w in words) + self.also

    def group(self, name: str) -> tuple[str, ...]:
        return next((words for label, words in self.groups if label == name), ())

    def summary(self) -> str:
        """"10 garments × 8 colours"."""
        return " × ".join(f"{len(words)} {label}" for label, words in self.groups)


def vocabulary_of(entry: ModelEntry | None) -> Vocabulary | None:
    """The entry's vocabulary (from its card), or None for models that know open-ended prompts."""
    raw: Any = (entry.details or {}).get("vocabulary") if entry is not None else None
    if not isinstance(raw, Mapping):
        return None
    groups = tuple((str(k), tuple(str(w) for w in v)) for k, v in raw.items()
                   if k not in ("also", "example") and isinstance(v, (list, tuple)) and v)
    if not groups:
        return None
    also = tuple(str(w) for w in raw.get("also", ()) if isinstance(raw.get("also"), (list, tuple)))
    return Vocabulary(groups, also, str(raw.get("example", "")))


def _plain(prompt: str) -> str:
    """The prompt's words in lower case, without weights, LoRA tags or brackets."""
    return " " + " ".join(re.sub(r"[^a-z\-]+", " ", _WEIGHT_SYNTAX.sub(" ", prompt.lower())).split()) + " "


def known_words(vocab: Vocabulary, prompt: str) -> list[str]:
    """The vocabulary words (multi-word ones too) that occur in ``prompt``."""
    text = _plain(prompt)
    return [w for w in vocab.words() if f" {w.lower()} " in text]


def prompt_warning(vocab: Vocabulary | None, prompt: str, model: str) -> str:
    """One line when ``prompt`` asks for what ``model`` has not learnt ("" when fine or empty)."""
    if vocab is None or not prompt.strip():
        return ""
    text = _plain(prompt)
    colours = vocab.group("colours")
    unknown = [c for c in COMMON_COLOURS if f" {c} " in text and c not in colours]
    if unknown and colours:
        return _("{model} has not learnt {words}: its colours are {colours}.").format(
            model=model, words=", ".join(unknown), colours=", ".join(colours))
    if not known_words(vocab, prompt):
        return _("{model} knows only {summary}; no word of this prompt is one of them, so the image will be "
                 "arbitrary. Try e.g. “{example}”.").format(model=model, summary=vocab.summary(),
                                                            example=vocab.example or vocab.words()[0])
    return ""
