"""`generate vae` (encode/reconstruct one image, interpolate two) and `generate dataset` (data augmentation)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.cli.common import with_launch_note
from studio.core.i18n import _
from studio.core.specs.training import DatasetSpec, VaeSpec
from studio.core.specs.base import random_seed


def register(kinds) -> None:
    p = kinds.add_parser("vae", help=_("reconstruct an image with a VAE, or interpolate between two images"),
                         description=_("With one IMAGE: encode it with a VAE you trained and save the original beside "
                                     "its reconstruction (PNG) and its latent code (JSON). With two: decode the "
                                     "path between their latent codes (strip PNG + GIF). Prints the paths written."))
    p.add_argument("images", nargs="+", metavar="IMAGE", help=_("one image to reconstruct, or two to interpolate"))
    p.add_argument("--model", required=True, help=_("a VAE model (see `models list`)"))
    p.add_argument("--frames", type=int, default=12, help=_("frames of the interpolation (default 12)"))
    p.add_argument("--scale", type=int, default=4, help=_("enlarge the saved images 1-8 times (default 4)"))
    p.set_defaults(func=run_vae)

    about = _("Data augmentation: COUNT images per prompt (or, for a GAN, VAE or DDPM, COUNT images) from a "
              "model, saved with same-name .txt captions in <studio home>/datasets/NAME, which every image "
              "trainer reads (`train gan --data <that folder>`). Prints the folder.")
    d = kinds.add_parser("dataset", help=_("export generated images with captions as a training dataset"),
                         description=with_launch_note(about))
    d.add_argument("--model", required=True, help=_("the model that makes the images (see `models list`)"))
    d.add_argument("--out", required=True, metavar="NAME", help=_("the dataset's name (a new folder)"))
    d.add_argument("--prompt", action="append", default=[], metavar="TEXT",
                   help=_("one label/prompt (repeatable); none for an unconditional model"))
    d.add_argument("--prompts-file", default="", metavar="FILE", help=_("prompts, one per line"))
    d.add_argument("--count", type=int, default=8, help=_("images per prompt (default 8)"))
    d.add_argument("--seed", type=int, default=None, help=_("first seed (default: random)"))
    d.add_argument("--steps", type=int, default=0, help=_("sampling steps (default: the model's recommendation)"))
    d.set_defaults(func=run_dataset)


def _finish(result) -> int:
    from studio.cli.common import is_launch_worker

    if is_launch_worker():  # under a launch the main process speaks for all
        return 130 if result.cancelled else 0
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    for path in result.outputs:
        print(path)
    return 0


def run_vae(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    for image in args.images:
        if not Path(image).expanduser().is_file():
            raise ValueError(_("{path} is not an image file.").format(path=image))
    spec = VaeSpec(model=args.model, images=tuple(str(Path(p).expanduser().resolve()) for p in args.images),
                   frames=args.frames, scale=args.scale)
    spec.validate()
    return _finish(run_job(spec))


def run_dataset(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    prompts = list(args.prompt)
    if args.prompts_file:
        text = Path(args.prompts_file).expanduser().read_text(encoding="utf-8")
        prompts += [line.strip() for line in text.splitlines() if line.strip()]
    spec = DatasetSpec(model=args.model, out=args.out, prompts=tuple(prompts), count=args.count,
                       seed=random_seed() if args.seed is None else args.seed, steps=args.steps)
    spec.validate()
    return _finish(run_job(spec))
