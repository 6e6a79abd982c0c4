"""`generate grid`: a scored comparison grid (A1111's X/Y plot with each cell's CLIP score under it)."""
from __future__ import annotations

import argparse
import sys

from studio.cli.common import with_launch_note
from studio.core.specs.grid import AXES
from studio.core.i18n import _
from studio.core.specs.samplers import SCHEDULERS, TIMESTEP_SPACINGS
from studio.core.specs.image import GridSpec
from studio.core.specs.base import random_seed
from studio.core.specs.serial import spec_to_dict


def register(kinds) -> None:
    about = _("Generates one image per cell (each saved and recorded like any image) and a labelled grid PNG with "
              "each cell's CLIP score under it. Axes: {axes}; e.g. --x steps=4,8,16 --y cfg=2,4 or "
              "--y 'prompt=a red shoe|a blue shoe'. Prints the grid's path, then the cells'."
              ).format(axes=", ".join(AXES))
    p = kinds.add_parser("grid", help=_("a comparison grid over one or two axes, each cell CLIP-scored"),
                         description=with_launch_note(about))
    p.add_argument("--x", required=True, metavar="AXIS=V1,V2", help=_("the columns"))
    p.add_argument("--y", default="", metavar="AXIS=V1,V2", help=_("the rows (optional)"))
    p.add_argument("--prompt", default="", help=_("the base prompt"))
    p.add_argument("--negative", default="", help=_("what to avoid"))
    p.add_argument("--model", default="", help=_("the base model (default: the first installed)"))
    p.add_argument("--seed", type=int, default=None, help=_("the base seed (default: random, the same in every cell)"))
    p.add_argument("--steps", type=int, default=None, help=_("default: the model's recommendation"))
    p.add_argument("--guidance", type=float, default=None, help=_("CFG scale (default: the model's)"))
    p.add_argument("--width", type=int, default=None)
    p.add_argument("--height", type=int, default=None)
    p.add_argument("--scheduler", default=None, choices=SCHEDULERS)
    p.add_argument("--timestep-spacing", default=None, choices=[s for s in TIMESTEP_SPACINGS if s],
                   help=_("where the steps fall: trailing for Turbo/Lightning-style models (default: the model's "
                          "recommendation, else its own scheduler config; flow-matching models such as SD3, FLUX.1 "
                          "and Z-Image have none)"))
    p.add_argument("--clip", default="", metavar="NAME", help=_("the CLIP that scores the cells"))
    p.set_defaults(func=run_grid, upscale="", init="", lora=[])  # LoRAs come from <lora:…> tags in the prompt


def run_grid(args: argparse.Namespace) -> int:
    from studio.cli.common import is_launch_worker
    from studio.cli.submit import run_job
    from studio.cli.gen_image import _base_spec

    base = _base_spec(args, random_seed() if args.seed is None else args.seed).replace(clip=args.clip.strip())
    spec = GridSpec(base={k: v for k, v in spec_to_dict(base).items() if k != "kind"}, x=args.x, y=args.y)
    spec.validate()
    result = run_job(spec, allow_flagged=args.allow_flagged)
    if is_launch_worker():  # under a launch the main process speaks for all
        return 130 if result.cancelled else 0
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    for path in result.outputs:
        print(path)
    return 0
