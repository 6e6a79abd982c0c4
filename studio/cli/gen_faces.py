"""`generate faces`: DCGAN faces headless — a grid by seed, or a latent walk between two seeds (GIF)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.core.models.builtin_models import FACES_NAME
from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.specs.base import MAX_SEED, random_seed
from studio.core.specs.image import GanSpec


def register(kinds) -> None:
    p = kinds.add_parser("faces", help=_("generate faces with the built-in DCGAN (or another GAN model)"),
                         description=_("Generate a grid of GAN images by seed, or a latent walk between two seeds "
                                     "saved as an animated GIF; prints the paths written."))
    p.add_argument("--seed", type=int, default=None, help=_("first seed (default: random); the grid uses seed, seed+1, ..."))
    p.add_argument("--count", type=int, default=16, help=_("how many images in the grid (default 16)"))
    p.add_argument("--columns", type=int, default=0, help=_("grid columns (default: square-ish)"))
    p.add_argument("--walk-to", type=int, default=None, metavar="SEED",
                   help=_("make a latent walk from --seed to this seed instead of a grid"))
    p.add_argument("--frames", type=int, default=24, help=_("frames of the walk (default 24)"))
    p.add_argument("--scale", type=int, default=1, help=_("enlarge the saved images 1-8 times for viewing"))
    p.add_argument("--model", default="", help=_("GAN model name or folder (default: {name})").format(name=FACES_NAME))
    p.add_argument("--out", default="", help=_("also write the result here (a file, or an existing folder)"))
    p.set_defaults(func=main)


def _copy_to(out: str, produced: Path) -> Path:
    from studio.core.atomic import atomic_write_bytes

    target = Path(out).expanduser()
    if target.is_dir() or out.endswith(("/", "\\")):
        target = target / produced.name
    elif target.suffix.lower() != produced.suffix.lower():  # a walk writes a .png strip and a .gif
        target = target.with_name(target.name + produced.suffix) if not target.suffix else \
            target.with_suffix(produced.suffix)
    atomic_write_bytes(target, produced.read_bytes())
    return target


def _check_out(out: str, walk: bool) -> None:
    """Refuse an --out the images cannot go to (a device, a missing folder, /proc...) before any work."""
    from studio.core.atomic import check_output_file, check_output_folder, refuse_non_regular

    target = Path(out).expanduser()
    if not target.is_dir():  # a folder is fine; a device or FIFO is refused, not written beside
        refuse_non_regular(target)  # --out /dev/null: refused, not turned into /dev/null.png beside it
    if target.is_dir() or out.endswith(("/", "\\")):
        check_output_folder(target)
        return
    for suffix in (".png", ".gif") if walk else (".png",):
        check_output_file(target.with_suffix(suffix) if target.suffix else target.with_name(target.name + suffix))


def main(args: argparse.Namespace) -> int:
    from studio.cli.submit import run_job

    seed = random_seed() if args.seed is None else args.seed
    if not 1 <= args.count <= 1024:
        raise SpecError(_("--count must be between 1 and 1024 (got {count}).").format(count=args.count))
    seeds = (seed,) if args.walk_to is not None else tuple((seed + i) % (MAX_SEED + 1) for i in range(args.count))
    spec = GanSpec(model=args.model, seeds=seeds, columns=args.columns, walk_to_seed=args.walk_to,
                   frames=args.frames, scale=args.scale)
    spec.validate()  # bad values fail here, before torch is imported
    if args.out:
        _check_out(args.out, args.walk_to is not None)
    result = run_job(spec)
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    for path in result.outputs:
        print(_copy_to(args.out, Path(path)) if args.out else path)
    return 0
