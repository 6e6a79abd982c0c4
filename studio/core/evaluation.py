"""Evaluation of what the studio made: which files to score, text metrics, and the typed report.

Pure Python (the core layer): the text metrics need no model; the image metrics (CLIP score,
diversity, FID/KID) are computed by ``studio.engines.evaluate`` and land in the same report.

Definitions (per the usual papers, on lower-cased word tokens ``\\w+``):
- distinct-n: unique n-grams / all n-grams over the whole set (Li et al. 2016).
- repetition rate: the share of a text's word trigrams that already occurred earlier in the same
  text (how much it loops), averaged over texts that have a trigram.
- length: mean words per text.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from studio.core.datasets_info import IMAGE_SUFFIXES
from studio.core.errors import StudioError
from studio.core.i18n import N_, _

TEXT_SUFFIXES = frozenset({".txt", ".md"})
MAX_INPUTS = 10_000
MAX_TEXT_BYTES = 8 << 20
"""A text larger than this is skipped (its reason listed), not read into memory."""
_WORD = re.compile(r"\w+", re.UNICODE)


class EvaluationError(StudioError):
    """Input that cannot be evaluated (one line for the user)."""


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(texts: Iterable[str], n: int) -> float | None:
    """Unique n-grams / all n-grams over every text (None when there is no n-gram at all)."""
    grams = [g for t in texts for g in ngrams(words(t), n)]
    return len(set(grams)) / len(grams) if grams else None


def repetition_rate(texts: Iterable[str], n: int = 3) -> float | None:
    """Mean share of each text's n-grams that repeat an earlier n-gram of the same text."""
    rates = []
    for t in texts:
        grams = ngrams(words(t), n)
        if grams:
            rates.append(1.0 - len(set(grams)) / len(grams))
    return sum(rates) / len(rates) if rates else None


def mean_length(texts: Sequence[str]) -> float | None:
    return sum(len(words(t)) for t in texts) / len(texts) if texts else None


FIGURE_LABELS = {
    "clip_score": N_("CLIP score"), "diversity": N_("diversity"), "fid": N_("FID"), "kid": N_("KID"),
    "perplexity": N_("perplexity"), "distinct_1": N_("distinct-1"), "distinct_2": N_("distinct-2"),
    "repetition_rate": N_("repetition rate"), "length": N_("length (words)"), "path": N_("file"),
    "prompt": N_("prompt"), "width": N_("width"), "height": N_("height"),
}
"""How the window names each figure and per-input column (N_: shown with _()); reports and exports keep the keys."""


@dataclass(frozen=True)
class EvaluationReport:
    """Every figure of one evaluation (None: not measured for this input); JSON-able by ``to_dict``."""

    media: str = "image"  # "image" or "text"
    count: int = 0
    clip_score: float | None = None
    diversity: float | None = None
    fid: float | None = None
    kid: float | None = None
    perplexity: float | None = None
    distinct_1: float | None = None
    distinct_2: float | None = None
    repetition_rate: float | None = None
    length: float | None = None
    clip: str = ""
    reference: str = ""
    reference_count: int = 0
    language_model: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    items: tuple[Mapping[str, Any], ...] = ()
    """One row per input: {"path", and its own figures (clip_score, prompt / perplexity, length)}."""
    skipped: tuple[Mapping[str, Any], ...] = ()
    """One row per input that could not be read: {"path", "reason"} (the others are still scored)."""

    FIGURES = ("clip_score", "diversity", "fid", "kid", "perplexity", "distinct_1", "distinct_2",
               "repetition_rate", "length")

    def figures(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in self.FIGURES}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notes"], d["items"] = list(self.notes), [dict(i) for i in self.items]
        d["skipped"] = [dict(i) for i in self.skipped]
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EvaluationReport":
        """The report in a job result's info (unknown keys ignored; wrong types become None)."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            v = data[f.name]
            if f.name in cls.FIGURES:
                kwargs[f.name] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) \
                    and math.isfinite(v) else None
            elif f.name in ("notes", "items", "skipped"):
                kwargs[f.name] = tuple(x for x in v if isinstance(x, (str if f.name == "notes" else Mapping))) \
                    if isinstance(v, list) else ()
            elif isinstance(v, type(f.default)):
                kwargs[f.name] = v
        return cls(**kwargs)


@dataclass(frozen=True)
class Inputs:
    """The files of an evaluation: all images or all texts."""

    media: str
    files: tuple[Path, ...] = field(default_factory=tuple)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    return "image" if suffix in IMAGE_SUFFIXES else "text" if suffix in TEXT_SUFFIXES else ""


def collect_inputs(paths: Sequence[str | Path]) -> Inputs:
    """The image or text files named by ``paths`` (files, or folders read one level deep).

    EvaluationError for nothing to evaluate, a missing path, images mixed with texts, or too many.
    """
    if not paths:
        raise EvaluationError(_("Nothing to evaluate: give images, texts or a folder of them."))
    files: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(c for c in p.iterdir() if c.is_file() and not c.name.startswith(".") and _kind(c))
            if not found:
                raise EvaluationError(_("{folder} holds no images or texts to evaluate.").format(folder=p))
            files += found
        elif p.is_file():
            if not _kind(p):
                raise EvaluationError(_("{path} is neither an image nor a text file (.txt).").format(path=p))
            files.append(p)
        else:
            raise EvaluationError(_("{path} does not exist.").format(path=p))
    kinds = {_kind(f) for f in files}
    if len(kinds) > 1:
        raise EvaluationError(_("Evaluate images or texts, not both at once ({n} files of each kind).").format(
            n=" / ".join(str(sum(1 for f in files if _kind(f) == k)) for k in sorted(kinds))))
    if len(files) > MAX_INPUTS:
        raise EvaluationError(_("{n} files is too many to evaluate at once (at most {max}).").format(
            n=len(files), max=MAX_INPUTS))
    return Inputs(media=kinds.pop(), files=tuple(files))


def text_figures(texts: Sequence[str]) -> dict[str, float | None]:
    """The model-free text metrics of a set of texts."""
    return {"distinct_1": distinct_n(texts, 1), "distinct_2": distinct_n(texts, 2),
            "repetition_rate": repetition_rate(texts), "length": mean_length(texts)}


def format_figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def report_csv(report: EvaluationReport) -> str:
    """The report as CSV: one row per figure measured, then one row per input with its own figures."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["figure", "value"])
    for name, value in report.figures().items():
        if value is not None:
            w.writerow([name, f"{value:.6g}"])
    if report.items:
        keys = list(report.items[0].keys())
        w.writerow([])
        w.writerow(keys)
        for item in report.items:
            w.writerow(["" if item.get(k) is None else item.get(k) for k in keys])
    if report.skipped:
        w.writerow([])
        w.writerow(["skipped", "reason"])
        for item in report.skipped:
            w.writerow([item.get("path", ""), item.get("reason", "")])
    return buf.getvalue()


def skipped_note(skipped: Sequence[Mapping[str, Any]], total: int) -> str:
    """The report's note on unreadable inputs ("" when none)."""
    if not skipped:
        return ""
    return _("{n} of {total} files could not be read and were skipped; the others were scored.").format(
        n=len(skipped), total=total)


def nothing_readable(skipped: Sequence[Mapping[str, Any]]) -> EvaluationError:
    """The error when every input was unreadable: the count and the first file's reason."""
    return EvaluationError(_("No file could be read ({n} tried); the first: {reason}").format(
        n=len(skipped), reason=skipped[0].get("reason", "")))
