"""What a small model knows to draw: the words its training captions used (a card's "vocabulary").

Studio Fashion was trained on 10 garments × 12 colours; a prompt outside those words gets an
arbitrary garment in an arbitrary colour. The prompt editor shows the words and warns, the CLI
prints the same warning; models without a vocabulary (Stable Diffusion) are never warned about.

A card may map another language's words onto its vocabulary (``"zh_CN": {"运动鞋": "sneaker", ...}``):
:func:`model_prompt` rewrites such a prompt into the words the text encoder learnt (一只红色的运动鞋 →
"a red sneaker") before it is encoded. The model itself only ever learnt English captions; the
mapping is what makes it understand Chinese, and :meth:`Vocabulary.languages` says which it reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from studio.core.i18n import N_, _
from studio.core.models.registry import ModelEntry

COMMON_COLOURS = ("black", "white", "grey", "gray", "brown", "beige", "navy", "gold", "silver", "magenta",
                  "violet", "turquoise", "maroon", "khaki", "cream", "teal", "lime", "olive", "tan")
"""Colour words people type; named when a model with colours in its vocabulary has not learnt them."""
# Chinese measure words before a garment ("a"), and the particle between colour and garment (dropped).
_ZH_ARTICLES = re.compile(r"[一1](?:只|件|条|双|个|顶|款|套)")
_ZH_PARTICLES = re.compile(r"[的之]")
_LANGUAGE_KEYS = ("zh_CN",)
GROUP_NAMES = {"garments": N_("garments"), "colours": N_("colours")}
"""Card group names, marked for the catalogue (a summary reads "10 种服饰 × 8 种颜色" in Chinese)."""
WORD_KINDS = {"garments": N_("garment"), "colours": N_("colour")}
"""What one word of a group is (a chip's tooltip: "Insert “red” (colour)")."""
"""Card keys that map a language's words onto the vocabulary (English is the vocabulary itself)."""
_WEIGHT_SYNTAX = re.compile(r"<[^>]*>|:\s*[-+]?\d+(?:\.\d+)?|[()\[\]{}]")


@dataclass(frozen=True)
class Vocabulary:
    """Word groups shown as chips (e.g. garments, colours), more words also understood, an example prompt."""

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    also: tuple[str, ...] = ()
    example: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """{language: {word in that language: vocabulary word}} from the card."""
    examples: Mapping[str, str] = field(default_factory=dict)
    """{language: an example prompt in it} (the card's ``example_<language>``)."""

    def languages(self) -> tuple[str, ...]:
        """The languages a prompt may be written in: English, plus every mapped language."""
        return ("en",) + tuple(self.translations)

    def words(self) -> tuple[str, ...]:
        return tuple(w for _, words in self.groups for w in words) + self.also

    def group(self, name: str) -> tuple[str, ...]:
        return next((words for label, words in self.groups if label == name), ())

    def word_in(self, word: str, language: str) -> str:
        """How vocabulary ``word`` is written in ``language``: the card's first word mapped onto it (its
        preferred one, e.g. sneaker → 运动鞋), ``word`` itself for English or an unmapped word."""
        return next((k for k, v in self.translations.get(language, {}).items() if v == word), word)

    def example_in(self, language: str) -> str:
        """The example prompt in ``language`` when the card has one (else the English example)."""
        return self.examples.get(language) or self.example

    def summary(self) -> str:
        """"10 garments × 8 colours"."""
        return " × ".join(f"{len(words)} {_(GROUP_NAMES.get(label, label))}" for label, words in self.groups)


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
    known = {w for _label, words in groups for w in words} | set(also)
    translations = {lang: {str(k): str(v) for k, v in raw[lang].items() if str(v) in known}
                    for lang in _LANGUAGE_KEYS if isinstance(raw.get(lang), Mapping)}
    translations = {k: v for k, v in translations.items() if v}
    examples = {lang: str(raw[f"example_{lang}"]) for lang in translations if isinstance(raw.get(f"example_{lang}"), str)}
    return Vocabulary(groups, also, str(raw.get("example", "")), translations, examples)


def model_prompt(vocab: Vocabulary | None, prompt: str) -> str:
    """``prompt`` with mapped words (e.g. Chinese) replaced by the vocabulary's; unchanged without a mapping.

    Longest words first (粉红色 before 红), so 一只粉红色的运动鞋 reads "a pink sneaker".
    """
    if vocab is None or not vocab.translations or not re.search(r"[\u3400-\u9fff]", prompt):
        return prompt
    table = {k: v for mapping in vocab.translations.values() for k, v in mapping.items()}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))
    text = _ZH_ARTICLES.sub(" a ", prompt)
    text = pattern.sub(lambda m: f" {table[m.group(0)]} ", text)
    text = _ZH_PARTICLES.sub(" ", text)
    text = re.sub(r"[，、。；]", ", ", text)
    return " ".join(text.split()).replace(" ,", ",")


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
    prompt = model_prompt(vocab, prompt)
    text = _plain(prompt)
    colours = vocab.group("colours")
    unknown = [c for c in COMMON_COLOURS if f" {c} " in text and c not in colours and c not in vocab.also]
    if unknown and colours:
        return _("{model} has not learnt {words}: its colours are {colours}.").format(
            model=model, words=", ".join(unknown), colours=", ".join(colours))
    if not known_words(vocab, prompt):
        return _("{model} knows only {summary}; no word of this prompt is one of them, so the image will be "
                 "arbitrary. Try e.g. “{example}”.").format(model=model, summary=vocab.summary(),
                                                            example=vocab.example or vocab.words()[0])
    return ""
