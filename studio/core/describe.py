"""Image → prompt, the CLIP-interrogator way: phrase banks, and how ranked phrases become a prompt.

A CLIP ranks each bank (subjects, colours, styles, media) against the image; the best subject and colour
are composed ("a red sneaker"), or a captioning model's caption starts the prompt; then styles and media
are added one at a time while they raise the CLIP's similarity (the interrogator's "flavour chain").

The banks come from one place each: a CLIP paired with a model that has a vocabulary (Studio CLIP →
Studio Fashion) ranks that vocabulary's words (its garments and colours); any other CLIP ranks the
generic banks below. Phrases a CLIP's tokenizer does not know as words are left out by the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from studio.core.i18n import N_
from studio.core.models.vocabulary import Vocabulary

BANKS = ("subjects", "colours", "styles", "media")
BANK_LABELS = {"subjects": N_("subjects"), "colours": N_("colours"), "styles": N_("styles"), "media": N_("media")}
GENERIC_SUBJECTS = (
    "person", "man", "woman", "child", "cat", "dog", "bird", "horse", "fish", "car", "bicycle", "boat", "train",
    "airplane", "house", "castle", "city street", "mountain landscape", "beach", "forest", "river", "flower", "tree",
    "bowl of fruit", "cake", "robot", "dragon", "portrait", "building", "bridge", "shoe", "sneaker", "boot", "dress",
    "coat", "shirt", "t-shirt", "trousers", "bag", "hat", "chair", "table", "cup", "clock", "guitar", "book",
)
GENERIC_COLOURS = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "black", "white", "grey",
                   "brown")
GENERIC_STYLES = ("photorealistic", "anime", "cartoon", "minimalist", "surreal", "vintage", "impressionist",
                  "pixel art", "fantasy", "cyberpunk", "abstract", "studio lighting", "high detail", "flat colours")
GENERIC_MEDIA = ("a photograph", "an oil painting", "a watercolor painting", "a pencil sketch", "digital art",
                 "a 3d render", "an illustration", "a charcoal drawing", "a vector graphic", "a film still")
PLURAL_NOUNS = frozenset({"trousers", "pants", "jeans", "shorts", "glasses", "scissors", "sneakers", "boots",
                          "shoes", "sandals", "socks", "gloves"})
"""Garments named in the plural: "a pair of red trousers"."""
COMPOSE_ALL_LIMIT = 400
"""Up to this many subject × colour pairs are all scored; beyond it only the top few of each bank."""
TOP_K = 3
FLAVOUR_GAIN = 0.002
"""The least rise in cosine similarity for which a style or medium is added to the prompt."""


@dataclass(frozen=True)
class PhraseBanks:
    subjects: tuple[str, ...]
    colours: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    media: tuple[str, ...] = ()

    def bank(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)

    def known(self, is_known: Callable[[str], bool]) -> "PhraseBanks":
        """The banks without the phrases ``is_known`` rejects (e.g. words the CLIP's tokenizer splits up)."""
        return PhraseBanks(*(tuple(p for p in self.bank(b) if is_known(p)) for b in BANKS))


GENERIC_BANKS = PhraseBanks(GENERIC_SUBJECTS, GENERIC_COLOURS, GENERIC_STYLES, GENERIC_MEDIA)


def banks_for(vocab: Vocabulary | None) -> PhraseBanks:
    """The vocabulary's words (its colours group as colours, its other groups as subjects) where the CLIP
    pairs with a model that has one; else the generic banks. Styles and media are always the generic ones."""
    if vocab is None:
        return GENERIC_BANKS
    colours = vocab.group("colours")
    subjects = tuple(w for label, words in vocab.groups if label != "colours" for w in words)
    if not subjects:
        return GENERIC_BANKS
    return PhraseBanks(subjects, colours, GENERIC_STYLES, GENERIC_MEDIA)


def article(first_word: str) -> str:
    return "an" if first_word[:1].lower() in "aeiou" else "a"


def noun_phrase(subject: str, colour: str = "") -> str:
    """'a red sneaker', 'an orange coat', 'a pair of blue trousers', 'a cat'."""
    words = f"{colour} {subject}".strip()
    if subject.split()[-1].lower() in PLURAL_NOUNS:
        return f"a pair of {words}"
    return f"{article(words)} {words}"


def word_ok(token_count: int, word: str) -> bool:
    """Whether a tokenizer knows ``word`` as a word: at most 2 tokens, or 1 per 4 letters of a long word
    (a trimmed vocabulary spells an unknown word out in letter pieces)."""
    return token_count <= max(2, len(word) // 4)


def split_words(phrase: str) -> list[str]:
    return [w for part in phrase.replace("-", " ").split() if (w := part.strip(",."))]


def pairs(subjects: Iterable[str], colours: Iterable[str]) -> list[tuple[str, str]]:
    """(subject, colour) candidates to compose; a bank without colours gives ("subject", "")."""
    colours = list(colours) or [""]
    return [(s, c) for s in subjects for c in colours]


def with_flavour(prompt: str, flavour: str) -> str:
    return f"{prompt}, {flavour}"


def compose(caption: str, subject: str, colour: str, flavours: Iterable[str] = ()) -> str:
    """The described prompt: the caption (when a captioning model gave one) or the composed subject, a
    colour the caption does not name, then the flavours."""
    if caption:
        text = caption.strip().rstrip(".")
        if colour and colour.lower() not in text.lower().split():
            text = with_flavour(text, colour)
    else:
        text = noun_phrase(subject, colour)
    for f in flavours:
        text = with_flavour(text, f)
    return text
