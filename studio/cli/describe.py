"""`describe IMAGE`: image → prompt with a CLIP (and a captioning model where one is installed), headless."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from studio.core.describe import BANK_LABELS
from studio.core.i18n import _
from studio.core.results import DescribeResult
from studio.core.specs.image import DescribeSpec


def register(sub) -> None:
    p = sub.add_parser("describe", help=_("image → prompt: a CLIP ranks subjects, colours, styles and media"),
                       description=_("Describe an image as a prompt, the CLIP-interrogator way: a CLIP ranks phrase "
                                     "banks (subjects, colours, styles, media) and the best phrases are composed; a "
                                     "captioning model's caption starts the prompt where one is installed. Prints "
                                     "the prompt."))
    p.add_argument("image", help=_("the image to describe (PNG, JPEG, WebP …)"))
    p.add_argument("--clip", default="", help=_("CLIP model (default: the first installed, e.g. Studio CLIP)"))
    p.add_argument("--captioner", default="", metavar="MODEL",
                   help=_('captioning model (default: the first installed, if any; "none": no caption)'))
    p.add_argument("--ranks", action="store_true", help=_("also print the best phrases of each bank (stderr)"))
    p.add_argument("--json", action="store_true", help=_("print the whole result as JSON"))
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    spec = DescribeSpec(image=args.image, clip=args.clip, captioner=args.captioner)
    spec.validate()
    result = run_job(spec, record=False)
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    assert isinstance(result, DescribeResult)
    if args.json:
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False))
        return 0
    print(result.text)
    if args.ranks:
        if result.caption:
            print(_("caption ({model}): {caption}").format(model=result.captioner, caption=result.caption),
                  file=sys.stderr)
        for bank, label in BANK_LABELS.items():
            rows = [r for r in result.ranked if r.bank == bank]
            if rows:
                print(f"{_(label)}: " + ", ".join(f"{r.phrase} {r.similarity:.3f}" for r in rows), file=sys.stderr)
    return 0
