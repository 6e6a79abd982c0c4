"""Control-image preprocessors (numpy, scikit-image, PIL; no torch): an image → a ControlNet control map.

Every map is white lines (or values) on black, as the ControlNets of lllyasviel/diffusers were trained on.
``depth`` needs a model and lives in :mod:`studio.engines.diffusion.control` (run by the job).
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

CANNY_SIGMA = 1.4
CANNY_LOW, CANNY_HIGH = 0.1, 0.2
"""Thresholds on the gradient of the [0, 1] grey image (close to A1111's cv2 100/200 on 8-bit images)."""


def _grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def canny(image: Image.Image) -> Image.Image:
    """Canny edges (scikit-image) as white 1-px lines on black, RGB."""
    from skimage.feature import canny as sk_canny

    edges = sk_canny(_grey(image), sigma=CANNY_SIGMA, low_threshold=CANNY_LOW, high_threshold=CANNY_HIGH)
    return Image.fromarray((edges * 255).astype(np.uint8), "L").convert("RGB")


def lineart(image: Image.Image) -> Image.Image:
    """Soft edges: the Sobel gradient of the lightly smoothed image, normalised, white on black (RGB)."""
    from skimage.filters import gaussian, sobel

    grad = sobel(gaussian(_grey(image), sigma=1.0))
    top = float(np.percentile(grad, 99.5)) or 1.0
    soft = np.clip(grad / top, 0.0, 1.0) ** 0.8
    return Image.fromarray((soft * 255).astype(np.uint8), "L").convert("RGB")


def scribble(image: Image.Image) -> Image.Image:
    """Strokes → white lines on black (RGB). A transparent layer's painted pixels are the strokes;
    otherwise dark strokes on a light page (or light strokes on a dark one)."""
    if image.mode in ("RGBA", "LA") and np.asarray(image.getchannel("A")).min() < 255:
        strokes = np.asarray(image.getchannel("A")) > 32
    else:
        grey = _grey(image)
        strokes = grey < 0.5 if grey.mean() >= 0.5 else grey >= 0.5
    out = Image.fromarray((strokes * 255).astype(np.uint8), "L").filter(ImageFilter.MaxFilter(3))
    return out.convert("RGB")


def none(image: Image.Image) -> Image.Image:
    """The image as given (already a control map)."""
    if image.mode in ("RGBA", "LA"):  # transparent areas are black, as a control map's background
        back = Image.new("RGB", image.size, (0, 0, 0))
        back.paste(image.convert("RGB"), mask=image.getchannel("A"))
        return back
    return image.convert("RGB")


FILTERS = {"none": none, "canny": canny, "lineart": lineart, "scribble": scribble}
"""The preprocessors that need no model (``control.CANVAS_PREPROCESSORS``)."""


def apply(name: str, image: Image.Image) -> Image.Image:
    """The control map of ``image`` by the model-free preprocessor ``name``."""
    return FILTERS[name](image)
