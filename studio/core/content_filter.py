"""The content filter: sensitive-word lists matched against prompts, chat messages and generated text.

Policy (the ``content_filter`` setting): "off", "warn" (the user is asked once, and may go ahead) or
"block" (the job ends with a message naming the rule's category; nothing is generated or saved).

Matching rule, decided once here (:func:`_normalise`), the same for the text and for every term:
- NFKC (full-width → half-width) and case folding; traditional and variant Chinese characters become
  simplified (OpenCC's character table, ``resources/content_filter/data/t2s.tsv``).
- Leetspeak inside an English word: 0→o, 1/l/!/|→i, 3→e, 4→a, 5/$→s, 7→t, @→a ("b0mb", "$uicide",
  "k1ll"; "l" and "i" are one letter to the filter, so "ki11" is "kill"). Numbers alone stay numbers.
- Every other character that is not a letter or digit is dropped, so spaces and punctuation inserted
  inside a term do not hide it ("k i l l", "b.o.m.b", "自 杀"); but a space between two words of two or
  more letters is kept as a break that a term may only cross where it has a space itself ("hard core"
  is not "hardcore").
- Chinese particles 的/地/得/之/了 inside a term are skipped ("自杀的方法" matches 自杀方法).
Terms of CJK or other non-ASCII letters match anywhere (Chinese has no word boundaries); ASCII terms
match whole words only: they start where a word starts and end where one ends (an added "s"/"es"
allowed), a word boundary being a dropped character, the text's start or end, or a change between ASCII
and non-ASCII letters. So "skill" never matches "kill" and "assassin's creed" matches no "ass".
An ``[allow]`` section lists harmless phrases ("nude lipstick", "跳楼价"): a hit that overlaps one (and is
not longer than it on both sides) is not a hit. ``[=name]`` sections are groups of terms, no hit alone; a
rule line ``=a & =b`` is a hit when terms of every group named occur ("=minor & =sexual").

The lists live in the studio home (``paths.content_filter_dir``), copied from ``resources/content_filter``
on first use; a file the user edited is never overwritten (an unedited copy of an older shipped version is
updated). Matching uses an Aho–Corasick automaton (pyahocorasick), one pass over the text for all terms;
a loaded filter is reused while the lists' text is the same.

The learned half (:mod:`studio.core.content_classifier`, shipped weights) reads prompts too: it blocks a
prompt the lists pass when it scores at or above its threshold (the category it names is its own), and it
overrules a hit of the six shipped categories that it scores below its veto (a near-miss such as "porn star
martini"; never a category of the user's own, a listed term alone or with a word or two, nor a text with a word
it never saw: :meth:`PromptClassifier.knows`). The threshold (per language, and per language and predicted
category) and the veto (per language) were chosen on cross-validation. Generated text is matched by the lists alone
(the classifier learnt prompts).
"""
from __future__ import annotations

import hashlib
import logging
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import ahocorasick

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.paths import StudioPaths, resources_dir
from studio.core.settings import CONTENT_FILTER_POLICIES as POLICIES  # noqa: F401  (one list)

if TYPE_CHECKING:
    from studio.core.content_classifier import PromptClassifier
    from studio.core.specs.base import Spec

log = logging.getLogger(__name__)

LIST_SUFFIX = ".txt"
MAX_LIST_BYTES = 4 << 20
"""A word list larger than this is not read (one log line)."""
ALLOW = "allow"
"""The section of harmless phrases that cancel a hit inside them."""
CLASSIFIER = "classifier"
"""The source of a hit of the learned classifier (a list's source is its file's name)."""
PARTICLES = "的地得之了"
_LEET = str.maketrans({"0": "o", "1": "i", "l": "i", "!": "i", "|": "i", "3": "e", "4": "a", "5": "s", "$": "s",
                       "7": "t", "@": "a"})
_NO_PARTICLES = str.maketrans("", "", PARTICLES)
_PARTICLE = re.compile(f"[{PARTICLES}]")
_TOKEN = re.compile(r"[a-z0-9@$!|]+|[^\W_a-z0-9]+")
_LETTER = re.compile(r"[a-z]")
_SPACE = re.compile(r"\s")


class ContentBlocked(SpecError):
    """A job refused by the content filter (the message names the category, never the matched text)."""


class ContentFlagged(SpecError):
    """A job the filter flagged in "warn" mode that the user did not (or could not) confirm."""


def category_label(category: str) -> str:
    """The user-visible name of a category (the shipped ones translated; a user's own shown as written)."""
    known = {"violence": _("violence"), "weapons": _("weapons"),
             "sexual content involving minors": _("sexual content involving minors"),
             "self-harm": _("self-harm"), "hate": _("hate"), "sexual content": _("sexual content")}
    return known.get(category, category)


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """Traditional/variant → simplified Chinese characters (str.translate table)."""
    table: dict[int, str] = {}
    path = resources_dir() / "content_filter" / "data" / "t2s.tsv"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        log.warning("content filter: %s unreadable (%s); traditional Chinese is matched as written", path, exc)
        return table
    for line in lines:
        pair = line.split("\t")
        if len(pair) == 2 and len(pair[0]) == 1 and not line.startswith("#"):
            table[ord(pair[0])] = pair[1]
    return table


def _normalise(text: str) -> tuple[str, set[int], set[int]]:
    """(the letters and digits of ``text`` as matched, word starts, space breaks); see the module's rule.

    A word boundary lies before i when i is a word start or the end; a space break at i: white space
    between two ASCII words of two or more letters lies before i.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = folded.translate(_char_table())
    leet = folded.translate(_LEET)  # once for the whole text; used for the words that have a letter
    parts: list[str] = []
    starts: set[int] = set()
    breaks: set[int] = set()
    pos = prev_end = prev_len = 0
    for m in _TOKEN.finditer(folded):
        tok = m.group()
        ascii_tok = tok[0] < "\x80"
        if ascii_tok and not tok.isdigit():  # leetspeak only in a word that has a letter
            if tok.isalnum():
                tok = leet[m.start():m.end()]
            else:
                tok = tok.strip("!|")
                tok = tok.translate(_LEET) if _LETTER.search(tok) else "".join(c for c in tok if c.isdigit())
                if not tok:
                    continue
        if ascii_tok and prev_len >= 2 and len(tok) >= 2 and m.start() > prev_end \
                and _SPACE.search(folded, prev_end, m.start()):
            breaks.add(pos)
        starts.add(pos)
        parts.append(tok)
        pos += len(tok)
        prev_end, prev_len = m.end(), (len(tok) if ascii_tok else 0)
    return "".join(parts), starts, breaks


def normal_words(text: str) -> list[str]:
    """The words of ``text`` as the filter matches them (normalised; for tests and tools)."""
    norm, starts, _b = _normalise(text)
    cuts = sorted(starts) + [len(norm)]
    return [norm[i:j] for i, j in zip(cuts, cuts[1:]) if j > i]


@dataclass(frozen=True)
class Match:
    """One hit: the category of the rule (what the user is shown) and which list it came from."""

    category: str
    source: str

    def label(self) -> str:
        return category_label(self.category)


def parse_list(text: str) -> list[tuple[str, str]]:
    """(category, term) pairs of a word list: "[category]" lines, terms, "#" comments."""
    category = "uncategorised"
    pairs = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip() or category
            continue
        pairs.append((category, line))
    return pairs


Entry = tuple[int, str, str, bool, bool, frozenset[int]]
"""(length, category, source list, starts with ASCII, ends with ASCII, offsets where the term itself has a
space break): an ASCII start must be a word's start, an ASCII end a word's end."""


class ContentFilter:
    """An automaton of every term of some word lists; :meth:`check` finds the first hit in a text."""

    def __init__(self, pairs: Iterable[tuple[str, str, str]], classifier: "PromptClassifier | None" = None) -> None:
        """``pairs``: (category, term, source list name). Category "allow" marks harmless phrases; a category
        "=name" makes a group of terms, which alone is no hit; a term "=a & =b" is a rule: a hit of its
        category when a term of every group named occurs in the text. ``classifier``: the learned half (None:
        the lists alone)."""
        self.classifier = classifier
        self._auto = ahocorasick.Automaton()
        entries: dict[str, list[Entry]] = {}
        self._rules: list[tuple[frozenset[str], str, str]] = []
        count = 0
        for category, term, source in pairs:
            if term.startswith("=") and "&" in term:
                groups = frozenset(g.strip() for g in term.split("&"))
                if all(g.startswith("=") and len(g) > 1 for g in groups):
                    self._rules.append((groups, category, source))
                    count += 1
                    continue
            key, _starts, breaks = _normalise(term)
            if key:
                spaces = frozenset(breaks)
                entries.setdefault(key, []).append((len(key), category, source, key[0] < "\x80", key[-1] < "\x80",
                                                    spaces))
                count += category != ALLOW and not category.startswith("=")
        for key, found in entries.items():
            self._auto.add_word(key, tuple(found))
        self.size = count
        if entries:
            self._auto.make_automaton()
        self._empty = not entries

    @classmethod
    def load(cls, paths: StudioPaths) -> "ContentFilter":
        """The filter of every ``*.txt`` list in the home's content-filter folder (seeded on first use);
        the same object again while no list changed."""
        folder = install_lists(paths)
        texts: list[tuple[str, str]] = []
        for path in sorted(folder.glob("*" + LIST_SUFFIX)):
            try:
                if path.stat().st_size > MAX_LIST_BYTES:
                    log.warning("word list %s is too large; skipped", path)
                    continue
                texts.append((path.stem, path.read_text(encoding="utf-8", errors="replace")))
            except OSError as exc:
                log.warning("word list %s unreadable (%s); skipped", path, exc)
        key = (str(folder), hashlib.sha1(repr(texts).encode("utf-8", "replace")).hexdigest())
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
        if cached is not None:
            return cached
        from studio.core.content_classifier import load_classifier

        filt = cls([(c, t, stem) for stem, text in texts for c, t in parse_list(text)], load_classifier())
        with _CACHE_LOCK:
            _CACHE.clear()  # one home at a time: the newest lists
            _CACHE[key] = filt
        return filt

    def check(self, text: str, classify: bool = True) -> Match | None:
        """The first rule ``text`` breaks, or None: the lists' hit unless the classifier vetoes it, else the
        classifier's own (``classify=False``: the lists alone)."""
        hit = self.check_lists(text)
        clf = self.classifier if classify else None
        if clf is None or not text:
            return hit
        if hit is not None and (clf.veto(text) <= 0 or hit.category not in clf.categories or not clf.knows(text)):
            return hit  # a category of the user's own, or a word the classifier never saw: never overruled
        p = clf.probability(text)
        if hit is not None:
            return hit if p >= clf.veto(text) else None
        return Match(clf.category(text), CLASSIFIER) if clf.blocks(text, p) and clf.may_block(text) else None

    def check_lists(self, text: str) -> Match | None:
        """The first rule of the word lists ``text`` breaks, or None."""
        if self._empty or not text:
            return None
        norm, starts, breaks = _normalise(text)
        size = len(norm)
        hits: list[tuple[int, int, str, str]] = []
        allowed: list[tuple[int, int]] = []
        for end, found in self._auto.iter(norm):
            for length, category, source, ascii_start, ascii_end, spaces in found:
                start = end - length + 1
                if ascii_start and start not in starts or ascii_end and not _ends_word(norm, starts, end + 1, size):
                    continue
                if breaks and any(start < i <= end and i - start not in spaces for i in breaks):
                    continue
                (allowed.append((start, end)) if category == ALLOW else hits.append((start, end, category, source)))
        if _PARTICLE.search(norm):  # a particle inside a Chinese term: match the text without them too
            bare = norm.translate(_NO_PARTICLES)
            index: list[int] = []
            for end, found in self._auto.iter(bare):
                for length, category, source, ascii_start, ascii_end, _s in found:
                    if not (ascii_start or ascii_end):
                        index = index or [i for i, c in enumerate(norm) if c not in PARTICLES]
                        span = (index[end - length + 1], index[end])
                        (allowed.append(span) if category == ALLOW else hits.append((*span, category, source)))
        if not hits:
            return None
        kept = [h for h in hits if not any(_excuses(a, b, h[0], h[1]) for a, b in allowed)]
        groups = {c for _s, _e, c, _src in kept if c.startswith("=")}
        for needed, category, source in self._rules:
            if needed <= groups:
                return Match(category, source)
        for _start, _end, category, source in kept:
            if not category.startswith("="):
                return Match(category, source)
        return None

    def check_all(self, texts: Iterable[str]) -> Match | None:
        for text in texts:
            hit = self.check(text)
            if hit:
                return hit
        return None


def _excuses(a: int, b: int, start: int, end: int) -> bool:
    """An allowed phrase at [a, b] excuses a hit at [start, end] it overlaps, unless it lies wholly inside the
    hit ("nude lipstick" excuses "nude", "bomb pop" excuses "make a bomb", "kill time" does not excuse a
    longer term around it)."""
    return a <= end and start <= b and (a < start or b > end or (a, b) == (start, end))


SEEN_SPLITS = ("dev", "heldout", "heldout2", "heldout3")
"""Benchmark sets the word lists were tuned on (and the classifier trained on): seen data, printed as such."""
READ_TEST_SETS = ("test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9")
"""Benchmark test sets whose misses have been read: the classifier's trainer may add them to its data (``--with``),
and the benchmark labels them seen when the weights file says they were trained on."""
HELD_OUT_SET = "test10"
"""The benchmark's held-out set: never read by the trainer; measured once, and its misses are not printed unless
asked for (then it joins :data:`READ_TEST_SETS` and a new one is written)."""


def benchmark_files(kind: str, split: str) -> list[Path]:
    """The files of one split of the filter's benchmark sets (``resources/content_filter/benchmark``, for the
    benchmark and the classifier's trainer): ``{kind}_{split}.tsv`` when it exists, else one per language,
    ``{kind}_{split}_en.tsv`` and ``_zh.tsv``. Named, never globbed: reading one split never reads another (a
    held-out set named like a seen one)."""
    bench = resources_dir() / "content_filter" / "benchmark"
    whole = bench / f"{kind}_{split}.tsv"
    return [whole] if whole.exists() else [bench / f"{kind}_{split}_{lang}.tsv" for lang in ("en", "zh")]


_CACHE: dict[tuple[str, str], ContentFilter] = {}
_CACHE_LOCK = threading.Lock()


def _ends_word(norm: str, starts: set[int], after: int, size: int) -> bool:
    """A word ends before ``after`` (or before an added "s" or "es" there)."""
    if after >= size or after in starts:
        return True
    if norm[after] == "s" and (after + 1 >= size or after + 1 in starts):
        return True
    return norm.startswith("es", after) and (after + 2 >= size or after + 2 in starts)


def _earlier_versions() -> set[str]:
    """SHA-256 of the shipped lists' earlier versions (a home copy equal to one was never edited)."""
    try:
        text = (resources_dir() / "content_filter" / "data" / "earlier.sha256").read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}


def install_lists(paths: StudioPaths) -> Path:
    """Copy the shipped word lists into the home where missing, or over an unedited copy of an earlier
    version (never over a user's edits); the folder."""
    folder = paths.content_filter_dir
    shipped = resources_dir() / "content_filter"
    earlier: set[str] | None = None
    for src in sorted(shipped.glob("*" + LIST_SUFFIX)):
        dest = folder / src.name
        try:
            if dest.exists():
                if earlier is None:
                    earlier = _earlier_versions()
                if dest.stat().st_size > MAX_LIST_BYTES or \
                        hashlib.sha256(dest.read_bytes()).hexdigest() not in earlier:
                    continue
                log.info("content filter: updating the unedited %s to the shipped version", dest)
            shutil.copyfile(src, dest)
        except OSError as exc:  # a read-only home: the shipped list is still used below
            log.warning("could not copy %s to %s (%s)", src, dest, exc)
    return folder


def blocked_message(match: Match) -> str:
    return _("Blocked by the content filter ({category}). Nothing was generated. Change the text, or the "
             "policy in Settings → Content filter.").format(category=match.label())


def flagged_message(match: Match) -> str:
    return _("The content filter flagged this job ({category}).").format(category=match.label())


def stopped_message(match: Match) -> str:
    return _("The answer was stopped by the content filter ({category}); it was not saved.").format(
        category=match.label())


def spec_texts(spec: "Spec") -> list[str]:
    """What the filter reads of a job before it runs: image prompts (not negative prompts), text
    prompts, the system prompt and the user's chat messages, a grid's prompts, a guided prompt."""
    from studio.core.specs.image import GridSpec, GuidedSpec, ImageSpec
    from studio.core.specs.text import TextSpec

    if isinstance(spec, ImageSpec):
        return [spec.prompt]
    if isinstance(spec, TextSpec):
        return [spec.prompt, spec.system] + [c for r, c in spec.messages if r in ("user", "system")]
    if isinstance(spec, GuidedSpec):
        return [spec.prompt]
    if isinstance(spec, GridSpec):
        try:
            return [cell.prompt for cell in spec.cells()]
        except SpecError:
            return [str(spec.base.get("prompt", "")), spec.x, spec.y]
    return []


def screen(spec: "Spec", policy: str, paths: StudioPaths) -> Match | None:
    """The rule ``spec``'s texts break under ``policy`` (None when off or clean)."""
    if policy == "off":
        return None
    texts = [t for t in spec_texts(spec) if t]
    return ContentFilter.load(paths).check_all(texts) if texts else None

