"""Writing result images: dated names under the outputs folder, atomic PNG/GIF writes with the job spec.

Used by the GAN and upscale engines. PNGs carry the job spec JSON in an ``aigc_studio`` text chunk
(the same chunk the diffusion engine writes), so "reuse parameters" works on them too.
"""
from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Mapping, Sequence

from PIL import Image, PngImagePlugin

from studio.core.atomic import atomic_write_bytes
from studio.core.specs.base import Spec
from studio.core.specs.serial import spec_to_json

SPEC_CHUNK = "aigc_studio"


def safe_stem(text: str, limit: int = 40) -> str:
    """A file-name-safe slug of ``text``."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return (slug[:limit] or "image").rstrip("-._") or "image"


def output_path(outputs: Path, stem: str, suffix: str) -> Path:
    """A new, unused path ``<outputs>/<YYYY-MM-DD>/<HHMMSS>-<stem><suffix>`` (``outputs``: ``ctx.outputs``)."""
    folder = outputs / time.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{time.strftime('%H%M%S')}-{safe_stem(stem)}"
    path, n = folder / f"{base}{suffix}", 1
    while path.exists():
        path, n = folder / f"{base}-{n}{suffix}", n + 1
    return path


def save_png(image: Image.Image, path: Path, spec: Spec | None = None, parameters: str = "",
             extra: Mapping[str, str] | None = None) -> Path:
    """Write ``image`` as PNG atomically, with the spec JSON, a one-line description and ``extra`` text chunks."""
    info = PngImagePlugin.PngInfo()
    if parameters:
        info.add_itxt("parameters", parameters)
    if spec is not None:
        info.add_itxt(SPEC_CHUNK, spec_to_json(spec))
    for key, value in (extra or {}).items():
        info.add_itxt(key, value)
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=info, compress_level=4)
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


def save_gif(frames: Sequence[Image.Image], path: Path, frame_ms: int = 80, bounce: bool = False) -> Path:
    """An endlessly looping GIF; ``bounce`` plays the frames forward then back so the loop is seamless."""
    seq = list(frames)
    if bounce and len(seq) > 2:
        seq = seq + seq[-2:0:-1]
    buf = io.BytesIO()
    seq[0].save(buf, format="GIF", save_all=True, append_images=seq[1:], duration=frame_ms, loop=0,
                optimize=False, disposal=2)
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


def safe_model_stem(name: str) -> str:
    """A short file-name stem for a model's outputs ("DCGAN (faces)" -> "dcgan-faces")."""
    return safe_stem(name.replace("(", "").replace(")", "").lower().replace(" ", "-"), 24)
