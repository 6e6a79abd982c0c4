"""A folder of images, with optional same-stem ``.txt`` captions (the kohya convention)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.progress import Reporter

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def _load(path: Path, size: int, channels: int) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.load()
        im = im.convert("RGB" if channels == 3 else "L")
        # Centre crop to a square, then resize: keeps the aspect of the subject.
        im = ImageOps.fit(im, (size, size), method=Image.Resampling.LANCZOS)
        arr = np.asarray(im, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def image_folder(folder: Path, size: int, channels: int, reporter: Reporter, limit: int | None = None,
                 flip: bool = False):
    """Read every image under ``folder`` (recursively); unreadable files are skipped and reported."""
    from studio.engines.datasets.base import ImageDataset

    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if limit:
        files = files[:limit]
    arrays, captions, skipped = [], [], []
    for f in files:
        try:
            arrays.append(_load(f, size, channels))
        except Exception as exc:  # PIL raises many types for broken files; never crash the job
            skipped.append(str(f))
            reporter.log(_("Skipped unreadable image {file}: {error}").format(file=f, error=type(exc).__name__))
            continue
        txt = f.with_suffix(".txt")
        captions.append(txt.read_text(encoding="utf-8", errors="replace").strip() if txt.is_file() else "")
    if not arrays:
        if skipped:
            raise StudioError(_("No readable images in {folder} ({count} unreadable).").format(
                folder=folder, count=len(skipped)))
        raise StudioError(_("No readable images in {folder}.").format(folder=folder))
    if skipped:
        reporter.log(_("{n_skipped} of {n_files} files could not be read and were skipped.").format(
            n_skipped=len(skipped), n_files=len(files)))
    if flip:
        arrays += [a[:, :, ::-1].copy() for a in arrays]
        captions += captions
    images = torch.from_numpy(np.stack(arrays))
    return ImageDataset(images=images, captions=captions if any(captions) else None, name=folder.name,
                        skipped=skipped)
