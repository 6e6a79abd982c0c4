"""The ``fill_mask`` and ``classify`` jobs.

``fill_mask``: the top-k tokens (with probabilities) for each [MASK] of a text.
``classify``: labels and per-label probabilities for texts, or for every row of a CSV/JSONL file,
written as a CSV with the input columns, ``prediction`` and one probability column per label (an
existing output file is never replaced).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import torch

from studio.core.atomic import atomic_write_text
from studio.core.errors import SpecError, StudioError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.results import ClassifyResult, FillMaskResult, MaskToken, Prediction
from studio.core.specs.text import ClassifySpec, FillMaskSpec
from studio.core.text_understanding import PREDICTION_COLUMN, TEXT_COLUMNS, read_table
from studio.engines.understand.models import LoadedClassifier, load_classifier, load_masked_lm

BATCH = 32


@torch.no_grad()
def fill_mask(spec: FillMaskSpec, reporter: Reporter, cancel: CancelToken, ctx) -> FillMaskResult:
    model, tok = load_masked_lm(spec.model, ctx)
    text = spec.text.replace("[MASK]", tok.mask_token)
    enc = tok(text, return_tensors="pt", truncation=True).to(next(model.parameters()).device)
    where = (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist()
    if not where:
        raise SpecError(_("The text has no [MASK] the model can see (it may be cut off)."))
    probs = model(**enc).logits[0, where].float().softmax(-1)
    top = probs.topk(min(spec.top_k, probs.shape[-1]), dim=-1)
    preds = tuple(tuple(MaskToken(tok.convert_ids_to_tokens(int(i)), round(float(p), 6)) for p, i in zip(ps, ids))
                  for ps, ids in zip(top.values, top.indices))
    first = " ".join(f"{d.token} {d.score:.3f}" for d in preds[0])
    reporter.progress(1, 1, "")
    return FillMaskResult(text=first, model=spec.model, predictions=preds)


@torch.no_grad()
def predict(clf: LoadedClassifier, texts: list[str], reporter: Reporter | None = None,
            cancel: CancelToken | None = None) -> list[list[float]]:
    """Per-label probabilities for each text (batches of ``BATCH``; progress and cancel between them)."""
    device = next(clf.model.parameters()).device
    out: list[list[float]] = []
    for i in range(0, len(texts), BATCH):
        if cancel is not None:
            cancel.raise_if_cancelled()
        enc = clf.tokenizer(texts[i:i + BATCH], return_tensors="pt", padding=True, truncation=True,
                            max_length=clf.max_length).to(device)
        out += clf.model(**enc).logits.float().softmax(-1).tolist()
        if reporter is not None:
            reporter.progress(min(i + BATCH, len(texts)), len(texts), _("classifying"))
    return out


def classify(spec: ClassifySpec, reporter: Reporter, cancel: CancelToken, ctx) -> ClassifyResult:
    clf = load_classifier(spec.model, ctx)
    if spec.file:
        return _classify_file(spec, clf, reporter, cancel)
    probs = predict(clf, list(spec.texts), reporter, cancel)
    preds = tuple(Prediction(t, clf.labels[max(range(len(p)), key=p.__getitem__)],
                             dict(zip(clf.labels, [round(x, 6) for x in p]))) for t, p in zip(spec.texts, probs))
    return ClassifyResult(text="\n".join(p.label for p in preds), model=spec.model, labels=tuple(clf.labels),
                          predictions=preds)


def _classify_file(spec: ClassifySpec, clf: LoadedClassifier, reporter: Reporter,
                   cancel: CancelToken) -> ClassifyResult:
    src, out = Path(spec.file).expanduser(), Path(spec.out).expanduser()
    if out.exists():
        raise StudioError(_("{name} already exists; choose another output file.").format(name=out.name))
    if out.resolve() == src.resolve():
        raise StudioError(_("The output file must not be the input file."))
    rows = read_table(src)
    if not rows:
        raise StudioError(_("{name} has no rows.").format(name=src.name))
    low = {c.strip().lower(): c for c in rows[0] if c}
    col = next((low[c] for c in TEXT_COLUMNS if c in low), None)
    if col is None:
        raise StudioError(_("{name} has no text column (columns: {columns}).").format(
            name=src.name, columns=", ".join(low.values())))
    probs = predict(clf, [str(r.get(col) or "") for r in rows], reporter, cancel)
    fields = [*rows[0].keys(), PREDICTION_COLUMN, *[f"p_{lab}" for lab in clf.labels]]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    counts: dict[str, int] = {}
    for r, p in zip(rows, probs):
        label = clf.labels[max(range(len(p)), key=p.__getitem__)]
        counts[label] = counts.get(label, 0) + 1
        w.writerow({**r, PREDICTION_COLUMN: label, **{f"p_{lab}": f"{x:.6f}" for lab, x in zip(clf.labels, p)}})
    atomic_write_text(out, buf.getvalue())
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    return ClassifyResult(outputs=(str(out),), text=summary, model=spec.model, labels=tuple(clf.labels), counts=counts,
                          rows=len(rows))
