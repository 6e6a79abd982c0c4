"""The common in-memory dataset type and the name → loader table."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.progress import NullReporter, Reporter


@dataclass
class ImageDataset:
    """Images (N, C, H, W) uint8 with optional captions and integer labels.

    ``caption_fn`` lets synthetic datasets (the colourised Fashion-MNIST) make a fresh caption and
    image per draw; plain datasets leave it None and use ``captions``.
    """

    images: torch.Tensor
    captions: list[str] | None = None
    labels: torch.Tensor | None = None
    name: str = ""
    skipped: list[str] = field(default_factory=list)
    draw_fn: Callable[[torch.Tensor, torch.Generator], tuple[torch.Tensor, list[str]]] | None = None
    draw_channels: int = 0
    """Channels of what ``draw_fn`` returns when it differs from the stored images (grey → coloured)."""

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def channels(self) -> int:
        """Channels of the images a batch holds."""
        return self.draw_channels or int(self.images.shape[1])

    @property
    def size(self) -> int:
        return int(self.images.shape[-1])

    def batch(self, index: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, list[str]]:
        """Images in [-1, 1] float32 and their captions ('' when uncaptioned) for ``index``."""
        if self.draw_fn is not None:
            return self.draw_fn(index, generator)
        x = self.images[index].float() / 127.5 - 1.0
        caps = [self.captions[i] for i in index.tolist()] if self.captions else [""] * len(index)
        return x, caps

    def preview_grid(self, n: int = 16, seed: int = 0):
        """A PIL grid of the first draws (what the UI shows before training starts)."""
        from studio.engines.common.sampling import to_grid

        g = torch.Generator().manual_seed(seed)
        idx = torch.randint(0, len(self), (min(n, len(self)),), generator=g)
        x, _ = self.batch(idx, g)
        return to_grid(x)


BUNDLED = ("fashion-mnist", "fashion-colour", "mnist5k", "digits")


def load_dataset(name_or_path: str, size: int = 32, channels: int | None = None,
                 reporter: Reporter | None = None, limit: int | None = None, flip: bool = False) -> ImageDataset:
    """A bundled dataset by name, or an image folder by path (see ``BUNDLED``).

    Folders are centre-cropped to squares and resized to ``size``; ``flip`` adds mirrored copies.
    """
    from studio.engines.datasets import bundled, folder

    reporter = reporter or NullReporter()
    key = name_or_path.strip().lower()
    loaders: dict[str, Callable[..., ImageDataset]] = {
        "fashion-mnist": bundled.fashion_mnist, "fashion": bundled.fashion_mnist,
        "fashion-colour": bundled.fashion_colour, "fashion-color": bundled.fashion_colour,
        "mnist5k": bundled.mnist5k, "mnist": bundled.mnist5k, "digits": bundled.digits,
    }
    if key in loaders:
        ds = loaders[key](size=size, limit=limit)
    else:
        p = Path(name_or_path).expanduser()
        if not p.is_dir():
            raise StudioError(_("Dataset not found: {name} is neither a folder nor one of {bundled}.").format(
                name=name_or_path, bundled=', '.join(BUNDLED)))
        ds = folder.image_folder(p, size=size, channels=channels or 3, reporter=reporter, limit=limit, flip=flip)
    if channels and ds.channels != channels and ds.draw_fn is None:
        ds.images = (ds.images.expand(-1, channels, -1, -1).contiguous() if ds.channels == 1
                     else ds.images.float().mean(1, keepdim=True).round().to(torch.uint8))
    return ds

