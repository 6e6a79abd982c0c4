"""Training datasets: image folders with captions, bundled sets (Fashion-MNIST, MNIST 5k, digits).

Every dataset is an :class:`~studio.engines.datasets.base.ImageDataset`: images as one uint8
tensor (N, C, H, W) plus optional captions/labels, so trainers draw batches by index with a seeded
generator (which is what makes resume reproduce an uninterrupted run exactly).
"""
from studio.engines.datasets.base import ImageDataset, load_dataset

__all__ = ["ImageDataset", "load_dataset"]
