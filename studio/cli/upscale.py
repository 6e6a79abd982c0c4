"""`upscale IMAGE...`: Real-ESRGAN super-resolution headless; prints the path of each result."""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from studio.core.atomic import atomic_write_bytes, check_output_file, check_output_folder, refuse_non_regular
from studio.core.models.builtin_models import CPU_UPSCALER, DEFAULT_UPSCALER, UPSCALERS
from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.specs.image import UpscaleSpec


def register(sub) -> None:
    names = ", ".join(i.name.removeprefix("RealESRGAN ").replace(" ", "-") for i in UPSCALERS)
    p = sub.add_parser("upscale", help=_("upscale images with Real-ESRGAN (×2/×3/×4)"),
                       description=_("Upscale images tile by tile (memory stays bounded) and print the output paths."))
    p.add_argument("images", nargs="+", metavar="IMAGE", help=_("image file(s): PNG, JPEG, WebP, BMP, TIFF, GIF"))
    p.add_argument("--model", default="", help=_("upscaler name or file (built-in: {names}); default: {gpu} on a GPU, {cpu} on the CPU").format(
                       names=names, gpu=DEFAULT_UPSCALER, cpu=CPU_UPSCALER))
    p.add_argument("--out", default="", help=_("write the result here (a file, or a folder for several images); "
                                             "the suffix picks the format (.png, .jpg, .webp)"))
    p.add_argument("--tile", type=int, default=256, help=_("tile side in input pixels (smaller: less memory)"))
    p.set_defaults(func=main)


def _target(out: str, produced: Path, several: bool) -> Path:
    target = Path(out).expanduser()
    if several or target.is_dir() or out.endswith(("/", "\\")):
        target.mkdir(parents=True, exist_ok=True)
        return target / produced.name
    return target


def _check_out(out: str, several: bool) -> None:
    """Refuse an --out the results cannot go to (a device, a missing folder, /proc...) before any work."""
    target = Path(out).expanduser()
    if not target.is_dir():  # a folder is fine; a device or FIFO is refused, not written beside
        refuse_non_regular(target)  # --out /dev/null: refused, not turned into /dev/null.png beside it
    if several or target.is_dir() or out.endswith(("/", "\\")):
        check_output_folder(target, create=True)
        return
    check_output_file(target if target.suffix else target.with_suffix(".png"))


def _write(src: Path, dst: Path) -> None:
    """Copy a PNG, or re-encode it when ``dst`` asks for another format (atomic either way)."""
    if dst.suffix.lower() in ("", ".png"):
        atomic_write_bytes(dst if dst.suffix else dst.with_suffix(".png"), src.read_bytes())
        return
    from PIL import Image

    with Image.open(src) as im:
        buf = io.BytesIO()
        fmt = Image.registered_extensions().get(dst.suffix.lower())
        if fmt is None:
            raise SpecError(_("Unknown image format {suffix}; use .png, .jpg or .webp.").format(suffix=dst.suffix))
        (im.convert("RGB") if fmt == "JPEG" else im).save(buf, format=fmt, quality=95)
    atomic_write_bytes(dst, buf.getvalue())


def main(args: argparse.Namespace) -> int:
    from studio.cli.submit import job_context, run_job

    specs = [UpscaleSpec(image=str(Path(i).expanduser()), model=args.model, tile=args.tile) for i in args.images]
    for spec in specs:
        spec.validate()
    if args.out:
        _check_out(args.out, len(specs) > 1)
    with job_context() as ctx:  # one engine: the model loads once for all images
        for spec in specs:
            result = run_job(spec, ctx)
            if result.cancelled:
                print(_("cancelled"), file=sys.stderr)
                return 130
            produced = Path(result.outputs[0])
            if args.out:
                target = _target(args.out, produced, len(specs) > 1)
                _write(produced, target)
                print(target)
            else:
                print(produced)
            sys.stdout.flush()
    return 0
