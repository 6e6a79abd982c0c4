"""CLIP scores of generated images: in the PNG, in the history (search "score > x", sort by score), bad CLIPs."""
from __future__ import annotations

import pytest

from studio.core.errors import ModelError
from studio.core.store.gallery import GalleryStore
from studio.core.pngmeta import read_png_score
from studio.core.progress import CancelToken, NullReporter
from studio.core.results import ImageResult
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.clip.conftest import save_tiny_clip


def _spec(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a red square", model=str(model_dir), seed=7, steps=1, width=64, height=64, guidance=5.0)
    return ImageSpec(**{**base, **kw})


def test_generated_image_carries_its_clip_score_into_png_and_history(tiny_sd_dir, engine_ctx, paths):
    save_tiny_clip(paths.models / "tiny-clip")
    result = run(_spec(tiny_sd_dir, clip="tiny-clip"), NullReporter(), CancelToken(), engine_ctx)
    score = result.clip_score
    assert 0.0 <= score <= 100.0 and result.clip == "tiny-clip"
    png = read_png_score(result.outputs[0])
    assert png is not None and png.clip == "tiny-clip" and abs(png.score - score) < 0.01

    unscored = run(_spec(tiny_sd_dir, seed=8), NullReporter(), CancelToken(), engine_ctx)
    assert unscored.clip_score is None and read_png_score(unscored.outputs[0]) is None
    assert run(_spec(tiny_sd_dir, clip="none"), NullReporter(), CancelToken(), engine_ctx).clip_score is None

    gallery = GalleryStore.open(paths)
    gallery.add(_spec(tiny_sd_dir, clip="tiny-clip"), result)
    gallery.add(_spec(tiny_sd_dir, seed=8), unscored)
    entry = gallery.search("red square", media="image", seed=7)[0]
    assert entry.score == pytest.approx(score) and entry.score_clip == "tiny-clip"
    assert [e.path for e in gallery.search(f"score > {score - 1}")] == [result.outputs[0]]
    assert gallery.search(f"red score>{score + 1}") == []
    assert gallery.count(f"square score >= {score}") == 1


def test_history_sorts_by_score_best_first_unscored_last(paths):
    gallery = GalleryStore.open(paths)
    for i, s in enumerate((12.5, None, 40.0, 25.0)):
        gallery.add(ImageSpec(prompt=f"p{i}", seed=i),
                    ImageResult(outputs=(f"/x/{i}.png",), seed=i, clip_score=s, clip="" if s is None else "c"))
    assert [e.score for e in gallery.search(order="score")] == [40.0, 25.0, 12.5, None]
    assert [e.seed for e in gallery.search()] == [3, 2, 1, 0]
    with pytest.raises(ValueError):
        gallery.search(order="bogus")


def test_a_named_clip_that_cannot_be_used_fails_before_generating(tiny_sd_dir, engine_ctx, paths):
    folder = save_tiny_clip(paths.models / "half-clip")
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no weights file"):
        run(_spec(tiny_sd_dir, clip="half-clip"), NullReporter(), CancelToken(), engine_ctx)
    with pytest.raises(ModelError, match="No model named 'nope'"):
        run(_spec(tiny_sd_dir, clip="nope"), NullReporter(), CancelToken(), engine_ctx)


def test_the_settings_clip_scores_every_image(tiny_sd_dir, engine_ctx, paths):
    save_tiny_clip(paths.models / "tiny-clip")
    engine_ctx.settings = engine_ctx.settings.replace(score_clip="tiny-clip")
    result = run(_spec(tiny_sd_dir), NullReporter(), CancelToken(), engine_ctx)
    assert result.clip == "tiny-clip" and read_png_score(result.outputs[0]) is not None
    engine_ctx.settings = engine_ctx.settings.replace(score_clip="gone-clip")  # missing: no score, no failure
    assert run(_spec(tiny_sd_dir), NullReporter(), CancelToken(), engine_ctx).clip_score is None
