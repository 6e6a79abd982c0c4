"""`generate guided`: CLIP-guided generation headless — optimise a GAN's or VAE's latent for a prompt."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.core.i18n import _
from studio.core.results import GuidedResult
from studio.core.specs.image import GuidedSpec
from studio.core.specs.base import random_seed


def register(kinds) -> None:
    d = GuidedSpec()
    p = kinds.add_parser("guided", help=_("CLIP-guided generation: steer a GAN or VAE towards a prompt"),
                         description=_("Optimise the latent of a GAN or VAE (a studio GAN/VAE or a diffusers VAE) so "
                                     "that a CLIP finds the image matches the prompt; prints the PNG written and "
                                     "the CLIP score before and after."))
    p.add_argument("--prompt", required=True, help=_('what the image should show, e.g. "a red sneaker"'))
    p.add_argument("--model", required=True, help=_("GAN or VAE model name (see `models list`)"))
    p.add_argument("--clip", default="", help=_("CLIP model (default: the model's paired CLIP, else the first one)"))
    p.add_argument("--seed", type=int, default=None, help=_("seed of the starting latent (default: random)"))
    p.add_argument("--steps", type=int, default=d.steps, help=_("optimisation steps (default {steps})").format(steps=d.steps))
    p.add_argument("--lr", type=float, default=d.lr, help=_("Adam learning rate on the latent (default {lr})").format(lr=f"{d.lr:g}"))
    p.add_argument("--prior-weight", type=float, default=d.prior_weight,
                   help=_("how strongly the latent stays typical (default {weight})").format(weight=f"{d.prior_weight:g}"))
    p.add_argument("--candidates", type=int, default=d.candidates,
                   help=_("images drawn from the seed before optimising; the one CLIP ranks best is the start "
                          "(default {n}; 1: the seed's own)").format(n=d.candidates))
    p.add_argument("--size", type=int, default=d.size, help=_("image side for a diffusers VAE (default 64)"))
    p.add_argument("--scale", type=int, default=d.scale, help=_("enlarge the saved image 1-8 times (default {scale})").format(scale=d.scale))
    p.add_argument("--out", default="", help=_("also write the PNG here (a file, or an existing folder)"))
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job
    from studio.cli.gen_faces import _check_out, _copy_to

    spec = GuidedSpec(prompt=args.prompt, model=args.model, clip=args.clip,
                      seed=random_seed() if args.seed is None else args.seed, steps=args.steps, lr=args.lr,
                      prior_weight=args.prior_weight, candidates=args.candidates, size=args.size, scale=args.scale)
    spec.validate()  # bad values fail here, before torch is imported
    if args.out:
        _check_out(args.out, False)
    result = run_job(spec, allow_flagged=args.allow_flagged)
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    if isinstance(result, GuidedResult):
        print(_("CLIP score {start:.1f} -> {end:.1f} ({clip}, seed {seed})").format(
            start=result.start_score, end=result.clip_score or 0.0, clip=result.clip, seed=spec.seed),
              file=sys.stderr)
    for path in result.outputs:
        print(_copy_to(args.out, Path(path)) if args.out else path)
    return 0
