"""`fill-mask` and `classify`: the text-understanding jobs, headless (the same engines as the window's panels)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.results import ClassifyResult, FillMaskResult
from studio.core.specs.text import ClassifySpec, FillMaskSpec


def register(sub) -> None:
    p = sub.add_parser("fill-mask", help=_("fill [MASK] with a masked-language model (top-k with probabilities)"))
    p.add_argument("text", help=_('e.g. "Paris is the [MASK] of France."'))
    p.add_argument("--model", required=True, metavar="MODEL", help=_("a model trained with `train mlm`"))
    p.add_argument("--top-k", type=int, default=5, metavar="K", help=_("tokens shown per mask (5)"))
    p.add_argument("--json", action="store_true", help=_("print the predictions as JSON"))
    p.set_defaults(func=run_fill_mask)
    c = sub.add_parser("classify", help=_("classify texts, or a CSV/JSONL file into a CSV of predictions"))
    c.add_argument("text", nargs="*", help=_("texts to classify"))
    c.add_argument("--model", required=True, metavar="MODEL", help=_("a model trained with `train classifier`"))
    c.add_argument("--file", default="", metavar="F.csv", help=_("CSV/JSONL with a text column"))
    c.add_argument("--out", default="", metavar="P.csv", help=_("where the predictions of --file go (a new file)"))
    c.add_argument("--json", action="store_true", help=_("print the predictions as JSON"))
    c.set_defaults(func=run_classify)


def run_fill_mask(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    spec = FillMaskSpec(model=args.model, text=args.text, top_k=args.top_k)
    spec.validate()
    result = run_job(spec, record=False)
    assert isinstance(result, FillMaskResult)
    preds = result.predictions
    if args.json:
        print(json.dumps([[dataclasses.asdict(d) for d in mask] for mask in preds], ensure_ascii=False))
        return 0
    for n, mask in enumerate(preds, 1):
        if len(preds) > 1:
            print(_("[MASK] {n}:").format(n=n))
        for d in mask:
            print(f"  {d.token:<16} {d.score:.4f}")
    return 0


def run_classify(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    if args.file and args.text:
        raise SpecError(_("Give texts or --file, not both."))
    spec = ClassifySpec(model=args.model, texts=tuple(args.text), file=args.file, out=args.out)
    spec.validate()
    result = run_job(spec, record=False)
    assert isinstance(result, ClassifyResult)
    if spec.file:
        print(_("{rows} rows classified ({summary}): {path}").format(
            rows=result.rows, summary=result.text, path=result.outputs[0]), file=sys.stderr)
        print(result.outputs[0])
        return 0
    if args.json:
        print(json.dumps([dataclasses.asdict(p) for p in result.predictions], ensure_ascii=False))
        return 0
    for p in result.predictions:
        probs = "  ".join(f"{k} {v:.3f}" for k, v in p.probabilities.items())
        print(f"{p.label}\t{probs}\t{p.text[:60]}")
    return 0
