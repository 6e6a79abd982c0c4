"""The control map a ControlNet unit will use, computed for the window before generating (no torch).

The window shows it beside the unit; the job computes the same map at the image's size. Model-free
preprocessors only (depth needs a model: the job computes it).
"""
from __future__ import annotations

import io

from PySide6.QtGui import QImage

from studio.core.specs.control import CANVAS_PREPROCESSORS
from studio.core.image_io import open_checked

PREVIEW_SIDE = 384
"""Maps are computed on a copy at most this large (a 2048² canvas stays quick)."""


def control_map(path: str, preprocess: str) -> QImage:
    """The preprocessed control image of ``path`` as a QImage (StudioError with one line when unreadable);
    a null QImage for preprocessors that need a model."""
    if preprocess not in CANVAS_PREPROCESSORS:
        return QImage()
    from pathlib import Path

    from PIL import Image

    from studio.core.image_io import to_rgb
    from studio.engines.diffusion.preprocess import apply

    im = open_checked(Path(path).expanduser())
    try:
        keep_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
        image = im.convert("RGBA") if keep_alpha else to_rgb(im)
    finally:
        im.close()
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.LANCZOS)
    buf = io.BytesIO()
    apply(preprocess, image).save(buf, format="PNG")
    return QImage.fromData(buf.getvalue(), "PNG")
