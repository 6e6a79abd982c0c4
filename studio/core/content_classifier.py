"""The content filter's learned half: a small neural network reading prompts as bags of word and character n-grams.

Pure Python at inference (no numpy, no torch): :func:`features` turns a prompt into n-gram strings; each known
one has a row of the first layer (int8 with a per-row scale, in ``resources/content_filter/classifier.json``,
trained by ``tools/train_content_filter.py`` with torch); the rows are summed, scaled by 1/sqrt(the number of
features), and go through one hidden ReLU layer to a harmful logit and, for a flagged prompt, six category
logits. The trainer averages the logits of several networks trained from different seeds (``--nets``) and writes
them as this one network, their hidden units side by side (the output weights divided by their number): the file's
``hidden`` is the total. Thresholds are per language (a prompt with a Chinese character is ``zh``) and, where the
file has them (``category_threshold``), per language and predicted category; the veto is per language.

Normalisation, the same at training and inference: NFKC and case folding; traditional and variant Chinese
become simplified (the word lists' OpenCC table); leetspeak inside an English word (0→o, 1/!/|→i, 3→e, 4/@→a,
5/$→s, 7→t; a leading number such as "13yo" stays a number); three or more single letters in a row become one
word ("k i l l" → "kill"); spaces between Chinese characters and the particles 的/了 are dropped.
Features: each English word, each pair of neighbouring words, each pair of content words with only
:data:`STOP` words between them ("kill my wife" → kill~wife), the 3- to 5-letter n-grams of each word padded
with a space at both ends, and the 1- to 3-character n-grams of each Chinese run, counted. A word's summed rows
are kept in a cache, so a prompt costs about one vector addition per word and per word pair.
"""
from __future__ import annotations

import base64
import itertools
import json
import logging
import math
import operator
import re
import sys
import threading
import unicodedata
from array import array
from dataclasses import dataclass
from pathlib import Path

from studio.core.i18n import _
from studio.core.paths import resources_dir

log = logging.getLogger(__name__)

FORMAT = 3
"""The weights file's format; another one is refused (one log line) like a corrupt file."""
MAX_WEIGHTS_BYTES = 32 << 20
CACHE_WORDS = 50_000
"""Words whose share of the score is kept (the older half is dropped when it is full; rows: four times as many)."""
_PLUS_128 = bytes((b + 128) % 256 for b in range(256))
"""int8 (two's complement bytes) + 128 → uint8."""
_TOKEN = re.compile(r"[a-z0-9@$!|]+|[^\W_a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s",
                       "7": "t"})
_LETTER = re.compile(r"[a-z]")
_LEADING_DIGITS = re.compile(r"\d*")
_NO_PARTICLES = str.maketrans("", "", "的了")
STOP = frozenset("a an the my his her their our your its this that these those some to of for with in on at by from "
                 "into".split())
"""Words skipped by the pairs of content words ("kill my wife" → kill~wife)."""


def _fold(text: str) -> str:
    from studio.core.content_filter import _char_table  # one table for the lists and the classifier

    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = _CJK_SPACE.sub("", folded.translate(_char_table()))
    return folded


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (English words and Chinese runs), as the classifier reads them."""
    out: list[str] = []
    run: list[str] = []  # single letters in a row ("k i l l")
    for m in _TOKEN.finditer(_fold(text)):
        tok = m.group()
        if tok[0] < "\x80":
            if not tok.isalpha():  # letters alone (most words) have nothing to strip or undo
                tok = tok.strip("!|")
                if not _LETTER.search(tok):
                    tok = "".join(c for c in tok if c.isdigit())
                else:
                    lead = _LEADING_DIGITS.match(tok).end()
                    tok = tok[:lead] + tok[lead:].translate(_LEET)
            if len(tok) == 1 and tok.isalpha():
                run.append(tok)
                continue
        else:
            tok = tok.translate(_NO_PARTICLES)
        if run:
            out.extend(["".join(run)] if len(run) >= 3 else run)
            run = []
        if tok:
            out.append(tok)
    if run:
        out.extend(["".join(run)] if len(run) >= 3 else run)
    return out


def word_grams(w: str) -> list[str]:
    """The features of one word: an English word, its 3- to 5-letter n-grams padded with a space at both
    ends; a Chinese run, its 1- to 3-character n-grams."""
    if w[0] < "\x80":
        p = " " + w + " "
        size = len(p)
        return ["_" + w] + [p[i:i + n] for n in (3, 4, 5) for i in range(size - n + 1)]
    size = len(w)
    return [w[i:i + n] for n in (1, 2, 3) for i in range(size - n + 1)]


def features(text: str) -> list[str]:
    """The n-gram features of ``text`` (see the module's doc), with repeats: keys of the weights file."""
    feats: list[str] = []
    prev = prev_c = ""
    for w in words(text):
        feats += word_grams(w)
        if w[0] < "\x80":
            if prev:
                feats.append(prev + "_" + w)
            if w not in STOP:
                if prev_c and prev_c != prev:
                    feats.append(prev_c + "~" + w)
                prev_c = w
            prev = w
        else:
            prev = prev_c = ""
    return feats


@dataclass
class Verdict:
    """The classifier's reading of one text: the harmful probability and, when asked, the likeliest category."""

    probability: float
    category: str = ""


def _forget_older_half(cache: dict) -> None:
    """Drop the older half of a full cache (a dict keeps its insertion order): the words of recent prompts stay."""
    for key in list(itertools.islice(cache, len(cache) // 2)):
        del cache[key]


def language(text: str) -> str:
    """"zh" when ``text`` has a Chinese character, else "en": the thresholds are chosen per language."""
    return "zh" if _HAN.search(text) else "en"


class PromptClassifier:
    """A trained network and the thresholds chosen on its cross-validation: per language, and per language and
    predicted category where the weights file has them."""

    def __init__(self, data: dict) -> None:
        """``data``: the weights file's object (KeyError/TypeError/ValueError when malformed)."""
        if data.get("format") != FORMAT:
            raise ValueError(_("format {found!r}, expected {expected}").format(found=data.get("format"),
                                                                                 expected=FORMAT))
        names = [str(n) for n in data["features"]]
        self.hidden = int(data["hidden"])
        self.table = base64.b64decode(data["table"], validate=True).translate(_PLUS_128)
        """The first layer's int8 weights, row after row, each plus 128 (unsigned bytes, see :meth:`_pack`)."""
        self.row_scale = array("f", base64.b64decode(data["row_scale"], validate=True))
        if sys.byteorder != "little":
            self.row_scale.byteswap()
        self.index: dict[str, int] = dict(zip(names, range(len(names))))
        """Feature name → its row of the first layer."""
        self.hidden_bias = [float(x) for x in data["hidden_bias"]]
        out = [[float(x) for x in row] for row in data["output"]]
        self.out_bias = [float(x) for x in data["output_bias"]]
        self.categories: list[str] = [str(c) for c in data["categories"]]
        self.thresholds: dict[str, float] = {str(k): float(v) for k, v in data["threshold"].items()}
        """Per language: at or above it a prompt is blocked by the classifier alone."""
        self.vetoes: dict[str, float] = {str(k): float(v) for k, v in data["veto"].items()}
        """Per language: below it a word-list hit is overruled (a harmless near-miss such as "porn star martini")."""
        if len(self.table) != len(names) * self.hidden or len(self.row_scale) != len(names) or \
                len(self.hidden_bias) != self.hidden or len(out) != 1 + len(self.categories) or \
                len(self.out_bias) != len(out) or any(len(row) != self.hidden for row in out):
            raise ValueError(_("the weights' sizes do not match"))
        if set(self.thresholds) != {"en", "zh"} or set(self.vetoes) != {"en", "zh"} or \
                any(not 0.0 <= self.vetoes[k] <= self.thresholds[k] <= 1.0 for k in self.thresholds):
            raise ValueError(_("thresholds out of order"))
        cells = data.get("category_threshold") or {}  # absent in older files: the language's threshold alone
        self.category_thresholds: dict[str, dict[str, float]] = {
            str(lang): {str(c): float(t) for c, t in per.items()} for lang, per in cells.items()}
        """Per language, per predicted category (:meth:`category`): the threshold that replaces the language's
        for a prompt the classifier puts in that category (a category left out keeps the language's)."""
        unknown = (set(self.category_thresholds) - {"en", "zh"}) | {
            c for per in self.category_thresholds.values() for c in per if c not in self.categories}
        if unknown:  # a language or category this file does not have: malformed, like a missing field
            raise KeyError(min(unknown))
        if any(not self.vetoes[lang] <= t <= 1.0 for lang, per in self.category_thresholds.items()
               for t in per.values()):
            raise ValueError(_("thresholds out of order"))
        self._bounds = {lang: (min([self.thresholds[lang], *self.category_thresholds.get(lang, {}).values()]),
                               max([self.thresholds[lang], *self.category_thresholds.get(lang, {}).values()]))
                        for lang in self.thresholds}
        self.harm_out, self.cat_out = out[0], out[1:]
        self.min_count = int(data.get("min_count", 1))  # absent in older files: 1/sqrt(the features' own number)
        """The features' sum is scaled by 1/sqrt(max(their number, this)): a short prompt's few features are not
        magnified into certainty ("tell me a joke" is not "tell me a joke about <a group>")."""
        if self.min_count < 1:
            raise ValueError(_("the feature count's floor {count} is below 1").format(count=self.min_count))
        self.info: dict = dict(data.get("info", {}))
        biggest = max(self.row_scale, default=0.0)
        if not (math.isfinite(sum(self.row_scale)) and min(self.row_scale, default=0.0) >= 0.0):
            raise ValueError(_("the weights hold a value out of range"))  # NaN, infinite or negative
        # Fixed point for the packed rows (:meth:`_pack`): each row's scale in whole steps of 2**-bits, at most
        # 2**-32 (far below the int8 weights' own steps), coarser only where a row's scale would reach 2**26 steps
        # (a lane then holds 2**29 rows before it overflows).
        self._fixed = 2.0 ** min(32, 26 - math.frexp(biggest)[1])
        self._lanes = bytes(8 * self.hidden) + (1).to_bytes(8, "little")  # a packed row before its weights
        self._cache: dict[str, tuple[int, int]] = {}
        self._rows: dict[str, int] = {}
        self._zero = [0.0] * self.hidden
        self._last: tuple[str, list[str]] = ("", [])
        self._last_hidden: tuple[str, list[float] | None] = ("", None)

    def words(self, text: str) -> list[str]:
        """:func:`words`, kept for the last text (the filter asks :meth:`knows` and :meth:`probability` of one text)."""
        last = self._last
        if last[0] == text and text:
            return last[1]
        ws = words(text)
        self._last = (text, ws)
        return ws

    def threshold(self, text: str) -> float:
        """At or above it ``text`` is blocked by the classifier alone: its language's threshold, or that of its
        language and predicted category where the weights file has one."""
        lang = language(text)
        cells = self.category_thresholds.get(lang)
        if not cells:
            return self.thresholds[lang]
        return cells.get(self.category(text), self.thresholds[lang])

    def blocks(self, text: str, p: float) -> bool:
        """Whether ``p`` (:meth:`probability` of ``text``) is at or above :meth:`threshold`, the category
        worked out only when ``p`` falls between the language's lowest and highest thresholds."""
        low, high = self._bounds[language(text)]
        if p < low:
            return False
        return p >= high or p >= self.threshold(text)

    def veto(self, text: str) -> float:
        return self.vetoes[language(text)]

    def row(self, feature: str) -> int:
        """The first layer's row of ``feature`` packed into one integer (:meth:`_pack`; 0 for an unknown one),
        packed once."""
        got = self._rows.get(feature)
        if got is None:
            i = self.index.get(feature)
            got = 0 if i is None else self._pack(i)
            if len(self._rows) >= CACHE_WORDS * 4:
                _forget_older_half(self._rows)
            self._rows[feature] = got
        return got

    def _pack(self, i: int) -> int:
        """Row ``i`` as one integer of 64-bit lanes, one per hidden unit, and a last one: its int8 weights, each
        plus 128 (so that no lane goes negative), and 1, all times the row's scale in fixed point. A prompt's rows
        then add up in one integer addition each instead of a loop over the hidden units; the last lane sums
        the scales, which :meth:`_unpack` takes 128 times off each lane (exact; no lane overflows)."""
        h = self.hidden
        lanes = bytearray(self._lanes)
        lanes[0:8 * h:8] = self.table[i * h:(i + 1) * h]  # each weight's byte, the low byte of its lane
        return int.from_bytes(lanes, "little") * round(self.row_scale[i] * self._fixed)

    def _unpack(self, packed: int) -> tuple[array, int]:
        """(the lanes of a sum of :meth:`_pack` rows, their common offset): each lane less the offset is the sum of
        the weights times their scales, in fixed point."""
        lanes = array("q", packed.to_bytes(8 * (self.hidden + 1), "little"))
        if sys.byteorder != "little":
            lanes.byteswap()
        return lanes, 128 * lanes.pop()

    def _word(self, w: str) -> tuple[int, int]:
        """(the packed sum of one word's known n-gram rows, their number), cached."""
        got = self._cache.get(w)
        if got is None:
            grams = word_grams(w)
            got = (sum(map(self.row, grams)), len(grams))
            if len(self._cache) >= CACHE_WORDS:
                _forget_older_half(self._cache)
            self._cache[w] = got
        return got

    def hidden_layer(self, ws: list[str]) -> list[float] | None:
        """The hidden units for the words ``ws`` (the sum of the rows of :func:`features`, scaled by
        1/sqrt(their number, at least :attr:`min_count`), plus the bias, ReLU); None for no words."""
        total = count = 0
        prev = prev_c = ""
        row, word = self.row, self._word
        for w in ws:
            s, n = word(w)
            total += s
            count += n
            if w[0] < "\x80":
                if prev:
                    count += 1
                    total += row(prev + "_" + w)
                if w not in STOP:
                    if prev_c and prev_c != prev:
                        count += 1
                        total += row(prev_c + "~" + w)
                    prev_c = w
                prev = w
            else:
                prev = prev_c = ""
        if not count:
            return None
        k = 1.0 / (math.sqrt(max(count, self.min_count)) * self._fixed)
        lanes, offset = self._unpack(total) if total else (self._zero, 0)
        return [x if x > 0.0 else 0.0 for x in ((a - offset) * k + b for a, b in zip(lanes, self.hidden_bias))]

    def _hidden(self, text: str) -> list[float] | None:
        """:meth:`hidden_layer` of ``text``, kept for the last text (the filter asks its probability, then its
        category)."""
        last = self._last_hidden
        if last[0] == text and text:
            return last[1]
        h = self.hidden_layer(self.words(text))
        self._last_hidden = (text, h)
        return h

    def probability(self, text: str) -> float:
        """P(harmful) of ``text``."""
        h = self._hidden(text)
        if h is None:
            return 0.0
        z = self.out_bias[0] + sum(map(operator.mul, h, self.harm_out))
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def category(self, text: str) -> str:
        """The likeliest harmful category of ``text``."""
        h = self._hidden(text) or self._zero
        scores = [b + sum(map(operator.mul, h, row)) for b, row in zip(self.out_bias[1:], self.cat_out)]
        return self.categories[max(range(len(scores)), key=scores.__getitem__)]

    def knows(self, text: str) -> bool:
        """Whether the classifier may overrule a word-list hit in ``text``: the text gives context (four words or
        more, or six Chinese characters or more: a listed term alone, or with a word or two, keeps blocking) and
        every word was seen in training (an English word's own feature or most of its letter 3-grams, most
        characters of a Chinese run, see :data:`KNOWN_SHARE`): "behead" among made-up words scores low for want of
        evidence, not because it is harmless."""
        return knows(self.words(text), self.index)

    def may_block(self, text: str) -> bool:
        """Whether the classifier may block ``text`` on its own: :func:`has_context` with :data:`BLOCK_HAN`."""
        return has_context(self.words(text), BLOCK_HAN)

    def verdict(self, text: str) -> Verdict:
        p = self.probability(text)
        return Verdict(p, self.category(text) if p >= self.veto(text) else "")


KNOWN_SHARE = 0.75
"""A word the classifier never saw as a whole still counts as known when this share of its letter 3-grams (padded
with a space at both ends; of a Chinese run, of its characters) was seen: "rude" or "netherlands" are read
through their n-grams; a made-up word that only dilutes the score ("behead zqxjvk") is not."""


CONTEXT_WORDS, CONTEXT_HAN, BLOCK_HAN = 4, 6, 8
"""Context: four words or more, or this many Chinese characters: six before the classifier may overrule a word-list
hit, eight before it may block on its own (short Chinese requests such as 请用中文回答, "please answer in Chinese",
begin like many harmful ones and scored high at six and seven characters)."""


def has_context(ws: list[str], han: int = CONTEXT_HAN) -> bool:
    """Whether the words ``ws`` give the classifier enough to judge on: :data:`CONTEXT_WORDS` words or more, or
    ``han`` Chinese characters or more. Without context it neither blocks on its own (``han`` =
    :data:`BLOCK_HAN`: a short chat message such as "make it longer" or 继续 begins like many harmful requests, its few
    features say nothing of what follows) nor overrules a word-list hit (a listed term alone keeps blocking)."""
    return len(ws) >= CONTEXT_WORDS or sum(len(w) for w in ws if w[0] >= "\x80") >= han


def knows(ws: list[str], vocabulary) -> bool:
    """:meth:`PromptClassifier.knows` over the words ``ws`` and the feature names ``vocabulary`` (for the trainer)."""
    if not has_context(ws):
        return False
    for w in ws:
        if w[0] < "\x80":
            if "_" + w in vocabulary or w.isdigit():
                continue
            p = " " + w + " "
            grams = [p[i:i + 3] for i in range(len(p) - 2)]
            if sum(g in vocabulary for g in grams) < KNOWN_SHARE * len(grams):
                return False
        elif sum(c in vocabulary for c in w) < KNOWN_SHARE * len(w):
            return False
    return True


def weights_path() -> Path:
    return resources_dir() / "content_filter" / "classifier.json"


_LOADED: dict[str, PromptClassifier | None] = {}
_LOCK = threading.Lock()


def load_classifier(path: Path | None = None) -> PromptClassifier | None:
    """The shipped classifier (read once per process), or None when its file is missing, too large or
    malformed: one log line says so, and the word lists work alone."""
    path = path or weights_path()
    key = str(path)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        clf: PromptClassifier | None = None
        try:
            if path.stat().st_size > MAX_WEIGHTS_BYTES:
                raise ValueError(_("file too large"))
            clf = PromptClassifier(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("content filter: the classifier's weights %s are unusable (%s); the word lists work alone",
                        path, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        _LOADED[key] = clf
        return clf


def classifier_status() -> str:
    """"ok" when the shipped classifier loaded, else "unusable" (for the Settings page)."""
    return "ok" if load_classifier() is not None else "unusable"
