"""Canvas edits with the studio's own pixel-space models: img2img (SDEdit), inpaint and outpaint (RePaint-style).

The same guarantee as for Stable Diffusion: every pixel outside the mask keeps its exact value, the
masked area changes.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.progress import CancelToken, NullReporter
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.fixtures.tiny_models import build_tiny_ddpm, build_tiny_pixel


class Steps(NullReporter):
    def __init__(self) -> None:
        self.steps: list[tuple[int, int]] = []

    def progress(self, done, total, message=""):
        self.steps.append((done, total))


@pytest.fixture(scope="module", params=["pixel", "ddpm"])
def pixel_model(request, tmp_path_factory):
    build = build_tiny_pixel if request.param == "pixel" else build_tiny_ddpm
    return build(tmp_path_factory.mktemp("models") / f"tiny-{request.param}")


@pytest.fixture()
def source(tmp_path):
    arr = (np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(arr).save(tmp_path / "in.png")
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 8, 40, 48))
    mask.save(tmp_path / "mask.png")
    return tmp_path / "in.png", arr.astype(int), tmp_path / "mask.png", np.asarray(mask) >= 128


def _edit(ctx, model, **kw):
    base = dict(prompt="a red shirt", model=str(model), steps=4, width=64, height=64, seed=3, scheduler="ddim",
                guidance=2.0)
    spec = ImageSpec(**{**base, **kw})
    rec = Steps()
    result = run(spec, rec, CancelToken(), ctx)
    assert not result.cancelled
    return np.asarray(Image.open(result.outputs[0]).convert("RGB")).astype(int), rec


def test_inpaint_keeps_every_pixel_outside_the_mask_and_changes_inside(engine_ctx, pixel_model, source):
    path, arr, mask_path, inside = source
    out, _ = _edit(engine_ctx, pixel_model, init_image=str(path), mask=str(mask_path), strength=1.0, mask_blur=0)
    assert out.shape == arr.shape
    assert np.array_equal(out[~inside], arr[~inside])
    assert np.abs(out[inside] - arr[inside]).mean() > 10


def test_img2img_strength_runs_that_part_of_the_steps_and_changes_the_image(engine_ctx, pixel_model, source):
    path, arr, _, _ = source
    out, rec = _edit(engine_ctx, pixel_model, init_image=str(path), strength=0.5)
    assert rec.steps[0] == (0, 0)  # loading the model is its own phase (the window says "loading model…")
    assert rec.steps[-1] == (2, 2)  # 4 steps × 0.5: SDEdit starts half-way
    assert out.shape == arr.shape and np.abs(out - arr).mean() > 5
    same, _ = _edit(engine_ctx, pixel_model, init_image=str(path), strength=0.0)
    assert np.array_equal(same, arr)


def test_lower_strength_stays_closer_to_the_source(engine_ctx, pixel_model, tmp_path):
    # A smooth image the 16 px model can represent: low strength must keep it recognisably.
    grad = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (64, 1, 3))
    Image.fromarray(grad).save(tmp_path / "grad.png")
    low, _ = _edit(engine_ctx, pixel_model, init_image=str(tmp_path / "grad.png"), strength=0.25, steps=8)
    high, _ = _edit(engine_ctx, pixel_model, init_image=str(tmp_path / "grad.png"), strength=1.0, steps=8)
    assert np.abs(low - grad).mean() < np.abs(high - grad).mean()


def test_outpaint_keeps_the_original_and_paints_the_new_area(engine_ctx, pixel_model, source):
    path, arr, _, _ = source
    out, _ = _edit(engine_ctx, pixel_model, init_image=str(path), outpaint=(16, 0, 0, 8), strength=1.0,
                   mask_blur=0)
    assert out.shape == (72, 80, 3)
    assert np.array_equal(out[0:64, 16:80], arr)
    edge = np.pad(arr, ((0, 8), (16, 0), (0, 0)), mode="edge")
    assert np.abs(out[:, :16] - edge[:, :16]).mean() > 5  # the new strip is painted, not the stretched edge
