"""`train FAMILY`: train a model from scratch (or continue one) with a console progress bar.

Writes the same artifacts as a training job from the GUI: the model folder under the studio's
models folder (``--out`` names it) and checkpoints under the studio's training folder.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.models.swap import check_target, train_target
from studio.core.paths import StudioPaths
from studio.core.results import TrainResult
from studio.core.specs.training import TrainSpec
from studio.core.models.training_families import FAMILY_KEYS, family, size_problem

FAMILY_HELP = N_("text2img (text-to-image diffusion), gan (DCGAN, or the fully-connected GAN with --param arch=mlp), "
               "vae, ddpm (unconditional diffusion), clip (image-text), lora (diffusion LoRA, needs --base), "
               "text_lora (language-model LoRA, needs --base), mlm (BERT pretraining on a text corpus), classifier "
               "(labelled CSV/JSONL, needs --base: an mlm model, a BERT-like encoder or a language model). Steps, batch, learning rate and size default "
               "to the family's own values (as in the window's Training form)")


def _param(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(_("expected KEY=VALUE, got {text!r}").format(text=text))
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


def register(sub) -> None:
    p = sub.add_parser("train", help=_("train a model (text2img, ...) and save it to the models folder"),
                       description=_("Train FAMILY on a dataset: a bundled name (fashion-colour, fashion-mnist, "
                                   "mnist5k, digits) or a folder of images with same-stem .txt captions."))
    p.add_argument("family", nargs="?", choices=FAMILY_KEYS, metavar="FAMILY", help=_(FAMILY_HELP))
    p.add_argument("--data", default="", metavar="PATH_OR_NAME", help=_("dataset folder or bundled name (required)"))
    p.add_argument("--out", default="", metavar="NAME", help=_("name of the trained model (models folder; required)"))
    p.add_argument("--spec-out", default="", metavar="JSON",
                   help=_("write the training spec to this file and exit without training (to run it elsewhere, "
                        "e.g. `python -m studio.cli train --spec JSON`)"))
    p.add_argument("--spec", default="", metavar="JSON",
                   help=_("train the spec in this file (written by --spec-out); FAMILY and the other flags are not used"))
    p.add_argument("--overwrite", action="store_true",
                   help=_("replace an existing model of this name (only one the studio trained)"))
    p.add_argument("--steps", type=int, default=None, metavar="N", help=_("optimisation steps (family default)"))
    p.add_argument("--batch", type=int, default=None, metavar="N", help=_("images per step (family default)"))
    p.add_argument("--lr", type=float, default=None, metavar="F", help=_("peak learning rate (family default)"))
    p.add_argument("--size", type=int, default=None, metavar="N", help=_("image side in pixels (family default)"))
    p.add_argument("--base", default="", metavar="MODEL", help=_("model to fine-tune (LoRA and classifier families)"))
    p.add_argument("--resume", default="", metavar="CKPT", help=_("checkpoint file/folder, or 'last'"))
    p.add_argument("--device", default="", choices=("", "cpu", "cuda", "mps"), help=_("default: the studio setting"))
    p.add_argument("--seed", type=int, default=0, metavar="N", help=_("random seed (0)"))
    p.add_argument("--sample-every", type=int, default=0, metavar="N", help=_("save a sample grid every N steps"))
    p.add_argument("--checkpoint-every", type=int, default=500, metavar="N", help=_("checkpoint every N steps (500)"))
    p.add_argument("--param", action="append", type=_param, default=[], metavar="KEY=VALUE",
                   help=_("family option, e.g. arch=mlp channels=[32,64] caption_dropout=0.1 (repeatable); "
                        "an option the family does not have is an error that lists the valid ones"))
    p.set_defaults(func=run_command)


def _spec_from_file(path: str) -> TrainSpec:
    """The TrainSpec in the JSON file ``path`` (SpecError, one line, for anything else)."""
    from studio.core.specs.serial import spec_from_json

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(_("Cannot read the training spec {path}: {reason}").format(
            path=path, reason=getattr(exc, 'strerror', None) or exc)) from exc
    spec = spec_from_json(text)
    if not isinstance(spec, TrainSpec):
        raise SpecError(_("{path} holds a {kind} job, not a training spec.").format(path=path, kind=spec.kind))
    spec.validate()
    return spec


def build_spec(args: argparse.Namespace) -> TrainSpec:
    """The TrainSpec of the command line: flags given, else the family's defaults (validated)."""
    if args.spec:
        return _spec_from_file(args.spec)
    missing = [flag for flag, value in (("FAMILY", args.family), ("--data", args.data), ("--out", args.out))
               if not value]
    if missing:
        raise SpecError(_("train needs {choices} (or --spec JSON).").format(choices=', '.join(missing)))
    fam = family(args.family)
    params = dict(args.param)
    if args.sample_every:
        # Sample grids land beside the checkpoints: the console cannot show pictures.
        params["save_samples"] = True
    size = args.size if args.size is not None else (fam.size or TrainSpec.size)
    spec = TrainSpec(family=fam.key, data=args.data, out=args.out,
                     steps=args.steps if args.steps is not None else fam.steps,
                     batch=args.batch if args.batch is not None else fam.batch,
                     lr=args.lr if args.lr is not None else fam.lr, size=size, base=args.base,
                     resume=args.resume, seed=args.seed, sample_every=args.sample_every,
                     checkpoint_every=args.checkpoint_every, params=params, overwrite=args.overwrite)
    problem = size_problem(fam, params, size)  # multiples of 8 for convolutions; the MLP GAN draws 28 px too
    if problem:
        raise SpecError(problem)
    spec.validate()  # a bad --out, a taken name or an unknown --param fails here, before torch is imported
    return spec


def run_command(args: argparse.Namespace) -> int:
    from studio.cli.submit import JobContext, run_job

    spec = build_spec(args)
    if args.spec_out:
        from studio.core.atomic import atomic_write_text
        from studio.core.specs.serial import spec_to_json

        atomic_write_text(Path(args.spec_out), spec_to_json(spec) + "\n")
        print(args.spec_out)
        return 0
    check_target(train_target(StudioPaths.from_env().models, spec.family, spec.out.strip()), spec.overwrite)
    ctx = JobContext()
    if args.device:  # the engine picks this device (the saved settings stay as they are)
        ctx = JobContext(ctx.paths, dataclasses.replace(ctx.settings, device=args.device))
    with ctx:
        result = run_job(spec, ctx)
    checkpoint = result.checkpoint if isinstance(result, TrainResult) else ""
    if result.cancelled:
        print(_("cancelled; checkpoint kept: {checkpoint} (resume with --resume last)").format(checkpoint=checkpoint),
              file=sys.stderr)
        return 130
    if isinstance(result, TrainResult) and result.folder:  # under a launch only the main process has one
        print(result.folder)
    return 0
