"""Family "clip": a tiny CLIP trained on a few captioned images ranks the matching caption first."""
from __future__ import annotations

from studio.core.progress import CancelToken
from studio.core.specs import TrainSpec
from tests.clip.conftest import SHAPE_CAPTIONS, draw_shape, make_captioned_shapes
from tests.families.conftest import Recorder

TINY = {"patch": 8, "vision_dim": 32, "vision_layers": 1, "vision_heads": 2, "mlp_ratio": 2, "text_dim": 32,
        "text_layers": 1, "text_heads": 2, "embed_dim": 32, "warmup": 5, "log_every": 10}


def test_clip_family_learns_to_match_captions(ctx, tmp_path):
    from studio.engines.clip.model import load_clip
    from studio.engines.training.run import run

    data = make_captioned_shapes(tmp_path / "shapes", per_caption=6)
    rec = Recorder()
    spec = TrainSpec(family="clip", data=str(data), out="shape-clip", steps=120, batch=24, lr=3e-3, size=32,
                     sample_every=0, checkpoint_every=0, params=TINY)
    result = run(spec, rec, CancelToken(), ctx)
    entry = next(e for e in ctx.registry.scan() if e.name == "shape-clip")
    assert (entry.type, entry.status) == ("clip", "ok")
    assert result.outputs == (entry.path,)
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
