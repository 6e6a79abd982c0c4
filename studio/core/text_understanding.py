"""Text understanding data, pure Python: corpora for ``mlm``, labelled rows for ``classifier``, the
classification report and confusion matrix (the ``fill_mask`` / ``classify`` specs are in ``specs``).

Readers give one clear line (``TextDataError``) for input a person can fix: an empty corpus, a file
that is not UTF-8, a row without a label, a single class, a label column of numeric scores.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from studio.core.errors import StudioError
from studio.core.i18n import _

CORPUS_SUFFIXES = (".txt", ".jsonl")
LABELLED_SUFFIXES = (".csv", ".jsonl", ".tsv")
TEXT_COLUMNS = ("text", "sentence", "content", "review", "message")
LABEL_COLUMNS = ("label", "labels", "class", "category", "sentiment", "intent")
MAX_NUMERIC_CLASSES = 20
"""A numeric label column with more distinct values than this is a score, not classes."""
MLM_TYPE = "masked_lm"
CLASSIFIER_TYPE = "text_classifier"
CONFUSION_FILE = "confusion_matrix.png"
PREDICTION_COLUMN = "prediction"


class TextDataError(StudioError):
    """A corpus or labelled file the studio cannot learn from (the message says why)."""


def _read_utf8(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextDataError(_("{name} is not UTF-8 text (byte {pos}); save it as UTF-8 and try again.").format(
            name=path.name, pos=exc.start)) from exc
    except OSError as exc:
        raise TextDataError(_("{name} cannot be read: {reason}").format(
            name=path.name, reason=exc.strerror or exc)) from exc


def _jsonl_rows(text: str, name: str) -> list[dict]:
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise TextDataError(_("{name} line {line} is not JSON ({reason}).").format(
                name=name, line=i, reason=exc)) from exc
        rows.append(row if isinstance(row, dict) else {"text": row})
    return rows


def corpus_files(source: str | Path) -> list[Path]:
    """The text files of a corpus: a .txt/.jsonl file, or the .txt/.jsonl files in a folder (sorted)."""
    path = Path(source).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES)
        if not files:
            raise TextDataError(_("The folder {name} holds no .txt or .jsonl files.").format(name=path.name))
        return files
    if path.is_file():
        if path.suffix.lower() not in CORPUS_SUFFIXES:
            raise TextDataError(_("{name} is not a .txt or .jsonl file.").format(name=path.name))
        return [path]
    raise TextDataError(_("No corpus at {path}.").format(path=str(path)))


def read_corpus(source: str | Path) -> list[str]:
    """Non-empty lines (a .txt) or "text" values (a .jsonl) of a corpus; TextDataError when there are none."""
    lines: list[str] = []
    for f in corpus_files(source):
        text = _read_utf8(f)
        if f.suffix.lower() == ".jsonl":
            lines += [str(r.get("text", "")).strip() for r in _jsonl_rows(text, f.name)]
        else:
            lines += [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise TextDataError(_("The corpus {name} is empty: it has no text to learn from.").format(
            name=Path(source).name))
    return lines


@dataclass(frozen=True)
class LabelledRows:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    classes: tuple[str, ...]
    """The distinct labels in a stable order (numeric labels sorted by value, others by name)."""


def _pick(columns: Sequence[str], wanted: Iterable[str], what: str, name: str) -> str:
    low = {c.strip().lower(): c for c in columns if c}
    for w in wanted:
        if w in low:
            return low[w]
    raise TextDataError(_("{name} has no {what} column (columns: {columns}).").format(
        name=name, what=what, columns=", ".join(c for c in columns if c) or "none"))


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def read_labelled(source: str | Path) -> LabelledRows:
    """(text, label) rows of a CSV/TSV (header with a text and a label column) or a JSONL file."""
    path = Path(source).expanduser()
    if not path.is_file():
        raise TextDataError(_("No labelled file at {path}.").format(path=str(path)))
    if path.suffix.lower() not in LABELLED_SUFFIXES:
        raise TextDataError(_("{name} is not a .csv, .tsv or .jsonl file.").format(name=path.name))
    rows = read_table(path)
    if not rows:
        raise TextDataError(_("{name} has no rows.").format(name=path.name))
    columns = list(rows[0].keys())
    tcol = _pick(columns, TEXT_COLUMNS, "text", path.name)
    lcol = _pick(columns, LABEL_COLUMNS, "label", path.name)
    texts, labels = [], []
    for i, row in enumerate(rows, 2 if path.suffix.lower() != ".jsonl" else 1):
        text, label = str(row.get(tcol) or "").strip(), row.get(lcol)
        label = "" if label is None else str(label).strip()
        if not label:
            raise TextDataError(_("{name} row {row} has no label; every row needs one.").format(name=path.name, row=i))
        if not text:
            raise TextDataError(_("{name} row {row} has no text.").format(name=path.name, row=i))
        texts.append(text)
        labels.append(label)
    distinct = set(labels)
    if len(distinct) < 2:
        raise TextDataError(_("{name} has only one class ({label}); a classifier needs at least two.").format(
            name=path.name, label=labels[0]))
    numeric = all(_is_number(x) for x in distinct)
    if numeric and (len(distinct) > MAX_NUMERIC_CLASSES or any(not float(x).is_integer() for x in distinct)):
        raise TextDataError(_("The label column of {name} holds numeric scores ({n} distinct values), not classes; "
                              "use category names or a few whole numbers.").format(name=path.name, n=len(distinct)))
    classes = sorted(distinct, key=float) if numeric else sorted(distinct)
    return LabelledRows(tuple(texts), tuple(labels), tuple(classes))


def read_table(path: Path) -> list[dict]:
    """Rows of a CSV/TSV (first line the header) or JSONL file as dicts."""
    text = _read_utf8(path)
    if path.suffix.lower() == ".jsonl":
        return _jsonl_rows(text, path.name)
    delim = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        return [dict(r) for r in csv.DictReader(io.StringIO(text), delimiter=delim)]
    except csv.Error as exc:
        raise TextDataError(_("{name} is not a valid CSV file ({reason}).").format(name=path.name, reason=exc)) from exc


def split_indices(labels: Sequence[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, validation) indices: ``fraction`` of each class held out (at least one when it has two)."""
    import random

    rng = random.Random(seed)
    train, val = [], []
    for cls in sorted(set(labels)):
        idx = [i for i, x in enumerate(labels) if x == cls]
        rng.shuffle(idx)
        k = min(len(idx) - 1, max(1, round(len(idx) * fraction))) if len(idx) > 1 else 0
        val += idx[:k]
        train += idx[k:]
    return sorted(train), sorted(val)


def classification_report(truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> dict:
    """Per-class precision/recall/F1/support, accuracy, macro and weighted averages (scikit-learn's
    ``classification_report(output_dict=True)`` layout and numbers, zero_division=0)."""
    report: dict = {}
    for c in classes:
        tp = sum(1 for t, p in zip(truth, pred) if t == c and p == c)
        npred = sum(1 for p in pred if p == c)
        support = sum(1 for t in truth if t == c)
        prec = tp / npred if npred else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        report[c] = {"precision": prec, "recall": rec, "f1-score": f1, "support": support}
    n = len(truth)
    report["accuracy"] = sum(1 for t, p in zip(truth, pred) if t == p) / n if n else 0.0
    keys = ("precision", "recall", "f1-score")
    report["macro avg"] = {k: sum(report[c][k] for c in classes) / len(classes) for k in keys} | {"support": n}
    report["weighted avg"] = {k: (sum(report[c][k] * report[c]["support"] for c in classes) / n if n else 0.0)
                              for k in keys} | {"support": n}
    return report


def confusion_matrix(truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> list[list[int]]:
    """Rows: true class, columns: predicted class (in ``classes`` order)."""
    pos = {c: i for i, c in enumerate(classes)}
    m = [[0] * len(classes) for _c in classes]
    for t, p in zip(truth, pred):
        if t in pos and p in pos:
            m[pos[t]][pos[p]] += 1
    return m


def format_report(report: dict, classes: Sequence[str]) -> str:
    """The report as the familiar text table."""
    width = max([len(c) for c in classes] + [len("weighted avg")])
    lines = [f"{'':>{width}}  precision    recall  f1-score   support", ""]
    for c in classes:
        r = report[c]
        lines.append(f"{c:>{width}}  {r['precision']:9.2f} {r['recall']:9.2f} {r['f1-score']:9.2f} {r['support']:9d}")
    n = report["macro avg"]["support"]
    lines += ["", f"{'accuracy':>{width}}  {'':9} {'':9} {report['accuracy']:9.2f} {n:9d}"]
    for k in ("macro avg", "weighted avg"):
        r = report[k]
        lines.append(f"{k:>{width}}  {r['precision']:9.2f} {r['recall']:9.2f} {r['f1-score']:9.2f} {n:9d}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probabilities: dict = field(default_factory=dict)
