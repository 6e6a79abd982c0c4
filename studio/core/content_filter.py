"""The content filter: sensitive-word lists matched against prompts, chat messages and generated text.

Policy (the ``content_filter`` setting): "off", "warn" (the user is asked once, and may go ahead) or
"block" (the job ends with a message naming the rule's category; nothing is generated or saved).

Matching rule, decided once here: text and terms are NFKC-normalised (full-width → half-width) and
case-folded, and every character that is not a letter or digit is dropped (so inserted spaces and
punctuation do not hide a term). Terms of CJK or other non-ASCII letters match anywhere (Chinese has
no word boundaries); ASCII terms match whole words only: they must start where a word starts and end
where one ends (an added plural "s" allowed), where a word boundary is a dropped character, the text's
start or end, or a change between ASCII and non-ASCII letters. So "k.i.l.l myself" matches "kill
myself" but "skill" never matches "kill" and "assassin's creed" matches no "ass".

The lists live in the studio home (``paths.content_filter_dir``), copied from ``resources/content_filter``
on first use; a file the user edited is never overwritten. Matching uses an Aho–Corasick automaton
(pyahocorasick), one pass over the text for all terms.
"""
from __future__ import annotations

import logging
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import ahocorasick

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.paths import StudioPaths, resources_dir
from studio.core.settings import CONTENT_FILTER_POLICIES as POLICIES  # noqa: F401  (one list)

if TYPE_CHECKING:
    from studio.core.specs import Spec

log = logging.getLogger(__name__)

LIST_SUFFIX = ".txt"
MAX_LIST_BYTES = 4 << 20
"""A word list larger than this is not read (one log line)."""


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


def _normalise(text: str) -> tuple[str, list[bool]]:
    """(letters and digits of ``text``, NFKC + case-folded; boundary[i]: a word boundary lies before i).

    ``boundary`` has one more entry than the string (the end is a boundary).
    """
    out: list[str] = []
    boundary: list[bool] = []
    gap = True
    for ch in unicodedata.normalize("NFKC", text):
        for c in ch.casefold():
            if not c.isalnum():
                gap = True
                continue
            if out and (out[-1].isascii() != c.isascii()):
                gap = True
            out.append(c)
            boundary.append(gap)
            gap = False
    boundary.append(True)
    return "".join(out), boundary


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


class ContentFilter:
    """An automaton of every term of some word lists; :meth:`check` finds the first hit in a text."""

    def __init__(self, pairs: Iterable[tuple[str, str, str]]) -> None:
        """``pairs``: (category, term, source list name)."""
        self._auto = ahocorasick.Automaton()
        count = 0
        for category, term, source in pairs:
            key, _b = _normalise(term)
            if key:
                self._auto.add_word(key, (len(key), category, source, key.isascii()))
                count += 1
        self.size = count
        if count:
            self._auto.make_automaton()

    @classmethod
    def load(cls, paths: StudioPaths) -> "ContentFilter":
        """The filter of every ``*.txt`` list in the home's content-filter folder (seeded on first use)."""
        folder = install_lists(paths)
        pairs = []
        for path in sorted(folder.glob("*" + LIST_SUFFIX)):
            try:
                if path.stat().st_size > MAX_LIST_BYTES:
                    log.warning("word list %s is too large; skipped", path)
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                log.warning("word list %s unreadable (%s); skipped", path, exc)
                continue
            pairs += [(c, t, path.stem) for c, t in parse_list(text)]
        return cls(pairs)

    def check(self, text: str) -> Match | None:
        """The first rule ``text`` breaks, or None."""
        if not self.size or not text:
            return None
        norm, boundary = _normalise(text)
        for end, (length, category, source, ascii_term) in self._auto.iter(norm):
            start = end - length + 1
            if ascii_term and not (boundary[start] and _ends_word(norm, boundary, end + 1)):
                continue
            return Match(category, source)
        return None

    def check_all(self, texts: Iterable[str]) -> Match | None:
        for text in texts:
            hit = self.check(text)
            if hit:
                return hit
        return None


def _ends_word(norm: str, boundary: list[bool], after: int) -> bool:
    """A word ends before ``after`` (or before a plural "s" there)."""
    if boundary[after]:
        return True
    return norm[after] == "s" and boundary[after + 1]


def install_lists(paths: StudioPaths) -> Path:
    """Copy the shipped word lists into the home where missing (never over a user's file); the folder."""
    folder = paths.content_filter_dir
    shipped = resources_dir() / "content_filter"
    for src in sorted(shipped.glob("*" + LIST_SUFFIX)):
        dest = folder / src.name
        if not dest.exists():
            try:
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
    from studio.core.specs import GridSpec, GuidedSpec, ImageSpec, TextSpec

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

