"""Fixtures for the built-in DCGAN and Real-ESRGAN tests: an engine context and sample photos."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture()
def ctx(paths):
    """An EngineContext on the CPU (fresh studio home) with default settings."""
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(), device="cpu")


def astronaut(side: int) -> np.ndarray:
    """scikit-image's astronaut photo, the face region, resized (antialiased) to side×side."""
    from PIL import Image
    from skimage import data

    crop = data.astronaut()[20:276, 130:386]  # 256×256 around the face and helmet
    return np.asarray(Image.fromarray(crop).resize((side, side), Image.LANCZOS))


@pytest.fixture()
def photo_png(tmp_path) -> Path:
    """A 32×32 PNG of the astronaut photo."""
    from PIL import Image

    p = tmp_path / "astronaut.png"
    Image.fromarray(astronaut(32)).save(p)
    return p
