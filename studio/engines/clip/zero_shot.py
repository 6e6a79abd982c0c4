"""Zero-shot accuracy of a CLIP on held-out colourised Fashion images (the Fashion-MNIST test split).

Each test image is coloured with a seeded random colour (the training set's colourisation); the CLIP
picks the best of the 80 captions "a {colour} {item}" and is right on the item and/or the colour.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from studio.engines.common.clip_model import Clip


@dataclass(frozen=True)
class ZeroShot:
    item_accuracy: float
    colour_accuracy: float
    images: int
    seconds: float


def class_prompts() -> list[tuple[int, int, str]]:
    """(item index, colour index, prompt) for every item × colour."""
    from studio.engines.datasets import fashion_captions as fc

    return [(i, c, fc.phrase(item, colour)) for i, item in enumerate(fc.ITEM_NAMES)
            for c, colour in enumerate(fc.COLOUR_NAMES[:fc.FIRST_COLOURS])]  # the colours Studio CLIP learnt


def test_images(n: int, seed: int = 1234) -> tuple[torch.Tensor, list[int], list[int]]:
    """``n`` colourised Fashion test images in [-1, 1], their item and colour labels."""
    from studio.engines.datasets import fashion_captions as fc
    from studio.engines.datasets.bundled import fashion_colour

    ds = fashion_colour(size=32, split="test", colours=fc.FIRST_COLOURS)
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(ds), generator=g)[:n]
    x, caps = ds.batch(idx, g)
    colours = [next(i for i, c in enumerate(fc.COLOUR_NAMES) if f" {c} " in f" {cap} ") for cap in caps]
    return x, ds.labels[idx].tolist(), colours


@torch.no_grad()
def zero_shot(clip: Clip, n: int = 2000, batch: int = 500, seed: int = 1234) -> ZeroShot:
    """Item and colour accuracy over ``n`` held-out images."""
    import time

    t0 = time.perf_counter()
    x, items, colours = test_images(n, seed)
    prompts = class_prompts()
    text = clip.encode_texts([p for _, _, p in prompts])
    right_item = right_colour = 0
    for i in range(0, len(x), batch):
        best = (clip.image_features(x[i:i + batch]) @ text.T).argmax(1).tolist()
        for j, b in enumerate(best):
            right_item += prompts[b][0] == items[i + j]
            right_colour += prompts[b][1] == colours[i + j]
    n = len(x)
    return ZeroShot(item_accuracy=right_item / n, colour_accuracy=right_colour / n, images=n,
                    seconds=time.perf_counter() - t0)
