"""`evaluate`: score images (CLIP score, diversity, FID/KID) or texts (perplexity, distinct-1/2, repetition)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.cli.common import with_launch_note
from studio.core.errors import SpecError
from studio.core.evaluation import EvaluationReport, format_figure
from studio.core.i18n import _
from studio.core.results import EvaluateResult
from studio.core.specs.training import EvaluateSpec


def register(sub) -> None:
    about = _("Images: the CLIP score against --prompt (else each studio PNG's own prompt), "
              "diversity (mean pairwise CLIP distance) and, with --reference, FID and KID in "
              "CLIP feature space. Texts (.txt): perplexity under a reference language model "
              "(built-in SmolLM2 by default), distinct-1/2, repetition rate and length. "
              "With --model and --prompts the images are generated first (each an ordinary "
              "image, kept in the history) and scored against their own prompts.")
    p = sub.add_parser("evaluate", help=_("score images or texts (CLIP score, diversity, FID/KID, perplexity…)"),
                       description=with_launch_note(about))
    p.add_argument("inputs", nargs="*", metavar="IMAGES_OR_TEXTS", help=_("image or .txt files, or folders of them"))
    p.add_argument("--model", default="", help=_("generate the images to evaluate with this image model "
                                               "(at its recommended settings), from --prompts"))
    p.add_argument("--prompts", default="", metavar="FILE.txt", help=_("with --model: the prompts, one per line"))
    p.add_argument("--per-prompt", type=int, default=4, metavar="N", help=_("with --model: images per prompt (default 4)"))
    p.add_argument("--seed", type=int, default=0, help=_("with --model: the first seed of each prompt's images"))
    p.add_argument("--prompt", default="", help=_("score every image against this prompt"))
    p.add_argument("--reference", default="", metavar="FOLDER_OR_MODEL",
                   help=_("reference images for FID/KID: a folder, a bundled dataset (fashion-colour…) or a model "
                        "the studio trained (its training data)"))
    p.add_argument("--clip", default="", help=_("the CLIP that embeds images (default: the first installed)"))
    p.add_argument("--lm", default="", metavar="MODEL",
                   help=_("reference language model for perplexity (default: the built-in SmolLM2; 'none' skips it)"))
    p.add_argument("--json", action="store_true", help=_("print every figure by name as JSON"))
    p.set_defaults(func=run_evaluate)


def print_report(report: EvaluationReport) -> None:
    for name, value in report.figures().items():
        if value is not None:
            print(f"{name:16} {format_figure(value)}")
    for note in report.notes:
        print(_("note: {note}").format(note=note))
    for item in report.skipped:
        print(_("skipped: {path}: {reason}").format(path=item.get("path", ""), reason=item.get("reason", "")))


def read_prompts(path: str) -> tuple[str, ...]:
    """The non-empty lines of a prompts file; SpecError (one line) when it cannot be read."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(_("Cannot read the prompts file {path}: {why}").format(
            path=path, why=getattr(exc, "strerror", None) or exc))
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def run_evaluate(args: argparse.Namespace) -> int:
    from studio.cli.common import is_launch_worker
    from studio.cli.submit import run_job

    if bool(args.model) != bool(args.prompts):
        raise SpecError(_("--model and --prompts go together: the model generates the images from the prompts."))
    spec = EvaluateSpec(inputs=tuple(str(Path(p).expanduser().resolve()) for p in args.inputs), prompt=args.prompt,
                        reference=args.reference, clip=args.clip, language_model=args.lm, model=args.model,
                        prompts=read_prompts(args.prompts) if args.prompts else (), per_prompt=args.per_prompt,
                        seed=args.seed)
    spec.validate()
    # Generated images are kept in the history like any others; scoring files already there records nothing.
    result = run_job(spec, record=spec.generates())
    if is_launch_worker():  # under a launch the main process speaks for all
        return 130 if result.cancelled else 0
    if result.cancelled:
        return 130
    report = EvaluationReport.from_dict(result.report if isinstance(result, EvaluateResult) else {})
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_report(report)
    if spec.generates() and len(result.outputs) > 1:
        print(_("{n} images generated with {model}, in {folder}").format(
            n=len(result.outputs) - 1, model=spec.model, folder=Path(result.outputs[1]).parent), file=sys.stderr)
    return 0
