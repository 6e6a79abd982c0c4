"""Open user images safely for editing: any mode converted to RGB, masks checked, sizes limited.

Pure (no numpy/torch): Pillow is imported inside the functions, so importing this module stays cheap.
A user image may be a palette GIF, a 16-bit PNG, an RGBA PNG with transparency, a CMYK JPEG or a
corrupt file; every case ends as an RGB image or one clear StudioError sentence.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.core.errors import SpecError, StudioError
from studio.core.i18n import _
from studio.core.specs.base import MAX_SIDE

MAX_EDIT_SIDE = MAX_SIDE
"""Longest side the canvas edits: the image engine's own limit (cost and memory grow with the area)."""
MAX_EDIT_PIXELS = MAX_EDIT_SIDE * MAX_EDIT_SIDE
READABLE = "PNG, JPEG, WebP, BMP, TIFF or GIF"


def open_checked(path: Path) -> Any:
    """The image at ``path``, decoded, in its own mode; StudioError with one line when it is missing, too
    large or unreadable."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise StudioError(_("Image not found: {path}").format(path=path))
    try:
        im = Image.open(path)
        try:
            w, h = im.size
            if max(w, h) > MAX_EDIT_SIDE or w * h > MAX_EDIT_PIXELS:
                raise StudioError(_("{name} is {w}×{h} pixels; the canvas edits images up to {limit}×{limit}. Scale "
                                    "it down first.").format(name=path.name, w=w, h=h, limit=MAX_EDIT_SIDE))
            im.load()  # decode now: a truncated file fails here, not in the middle of a job
        except BaseException:
            im.close()  # the error (kept by a caller or a log) must not hold the file open
            raise
        return im
    except StudioError:
        raise
    except Image.DecompressionBombError as exc:
        raise StudioError(_("{name} is too large to open safely; the canvas edits images up to {limit}×{limit}."
                            ).format(name=path.name, limit=MAX_EDIT_SIDE)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise StudioError(_("{name} is not a readable image (the studio reads {readable}); the file may be "
                            "damaged.").format(name=path.name, readable=READABLE)) from exc


def to_rgb(im: Any, background: tuple[int, int, int] = (255, 255, 255)) -> Any:
    """A PIL image of any mode as RGB: 16-bit scaled (not clipped), alpha flattened on ``background``."""
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(im) if hasattr(im, "getexif") else im
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: 0..65535 → 0..255 by a point map (Pillow's convert("L") would clip at 255).
        im = im.point(lambda v: v / 257.0, "F") if im.mode == "I" else im.convert("I").point(lambda v: v / 257.0, "F")
        im = im.convert("L")
    elif im.mode == "F":
        im = im.convert("L")
    if im.mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV, RGB


def open_rgb(path: str | Path) -> Any:
    """The image at ``path`` as an RGB PIL image (StudioError with one sentence when impossible)."""
    path = Path(path).expanduser()
    im = open_checked(path)
    try:
        return to_rgb(im)
    finally:
        im.close()


def open_mask(path: str | Path, size: tuple[int, int]) -> Any:
    """The mask at ``path`` as an "L" image (white = repaint); it must be ``size`` (width, height).

    A mask with transparency uses its alpha (painted = opaque), otherwise its brightness.
    """
    path = Path(path).expanduser()
    im = open_checked(path)
    try:
        if im.size != tuple(size):
            raise SpecError(_("The mask is {width}×{height} but the image is {image_width}×{image_height}; they "
                              "must be the same size.").format(
                width=im.width, height=im.height, image_width=size[0], image_height=size[1]))
        has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
        if has_alpha:
            alpha = im.convert("RGBA").getchannel("A")
            if alpha.getextrema()[0] < 255:  # a real alpha channel: it is the mask
                return alpha
        if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
            return to_rgb(im).convert("L")
        return im.convert("L")
    finally:
        im.close()


def binary(mask: Any, threshold: int = 128) -> Any:
    """The mask as strictly 0/255 ("L"): pixels at or above ``threshold`` are repainted."""
    return mask.point(lambda v: 255 if v >= threshold else 0, "L")


def require_painted(mask: Any) -> tuple[int, int, int, int]:
    """The bounding box of the painted (≥128) part; SpecError when nothing is painted."""
    box = binary(mask).getbbox()
    if box is None:
        raise SpecError(_("The mask is empty: paint the area to repaint (white) before inpainting."))
    return box
