"""Family "clip": a tiny CLIP trained on a few captioned images ranks the matching caption first."""
from __future__ import annotations

import shutil

import pytest

from tests.clip.conftest import SHAPE_CAPTIONS, draw_shape


@pytest.mark.slow  # trains the shared tiny CLIP first (~25 s of CPU)
def test_clip_family_learns_to_match_captions(ctx, paths, shape_clip):
    from studio.engines.common.clip_model import load_clip

    folder, rec = shape_clip
    shutil.copytree(folder, paths.models / "shape-clip")
    entry = next(e for e in ctx.registry.scan() if e.name == "shape-clip")
    assert (entry.type, entry.status) == ("clip", "ok")
    losses = rec.series("loss")
    assert losses[-1] < losses[0]

    clip = load_clip(ctx, "shape-clip")
    # Unseen placements of each shape: the matching caption must rank first well above chance (1 in 4).
    images = [draw_shape(c, seed=1000 + i) for i in range(5) for c in SHAPE_CAPTIONS]
    truth = [SHAPE_CAPTIONS.index(c) for _ in range(5) for c in SHAPE_CAPTIONS]
    best = clip.similarity(images, list(SHAPE_CAPTIONS)).argmax(1).tolist()
    top1 = sum(b == t for b, t in zip(best, truth)) / len(truth)
    assert top1 >= 0.45, top1
    assert clip.score(images[:1], [SHAPE_CAPTIONS[0]])[0] > clip.score(images[:1], [SHAPE_CAPTIONS[3]])[0]
