"""img2img, inpaint and outpaint through the real diffusers pipelines on the tiny SD model."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import SpecError
from studio.core.pngmeta import read_png_parameters
from studio.core.progress import CancelToken, NullReporter
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.edit import feather
from studio.engines.diffusion.generate import run


class Recorder(NullReporter):
    def __init__(self) -> None:
        self.previews: list = []
        self.steps: list = []

    def wants_preview(self) -> bool:
        return True

    def preview(self, image) -> None:
        self.previews.append(image.size)

    def progress(self, done, total, message=""):
        self.steps.append((done, total))


@pytest.fixture()
def source(tmp_path):
    rng = np.random.default_rng(1)
    arr = (rng.random((64, 64, 3)) * 255).astype(np.uint8)
    path = tmp_path / "in.png"
    Image.fromarray(arr).save(path)
    return path, arr.astype(int)


@pytest.fixture()
def mask_file(tmp_path):
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 8, 40, 48))
    path = tmp_path / "mask.png"
    mask.save(path)
    return path, np.asarray(mask) >= 128


def _run(ctx, model, **kw):
    spec = ImageSpec(prompt="a red shirt", model=str(model), steps=2, width=64, height=64, seed=3, **kw)
    rec = Recorder()
    result = run(spec, rec, CancelToken(), ctx)
    out = Image.open(result.outputs[0])
    return np.asarray(out.convert("RGB")).astype(int), result, rec


def test_img2img_changes_the_image_and_strength_zero_returns_it(engine_ctx, tiny_sd_dir, source):
    path, arr = source
    out, result, rec = _run(engine_ctx, tiny_sd_dir, init_image=str(path), strength=0.9)
    assert out.shape == arr.shape
    assert np.abs(out - arr).mean() > 5  # really regenerated
    assert result.operation == "img2img"
    assert rec.previews and rec.previews[0] == (64, 64)  # live previews as for txt2img
    same, _, _ = _run(engine_ctx, tiny_sd_dir, init_image=str(path), strength=0.0)
    assert np.array_equal(same, arr)
    saved = read_png_parameters(result.outputs[0])
    assert saved.init_image == str(path) and saved.strength == 0.9


@pytest.mark.parametrize("masked_only", [False, True])
def test_inpaint_keeps_every_pixel_outside_the_mask(engine_ctx, tiny_sd_dir, source, mask_file, masked_only):
    path, arr = source
    mpath, inside = mask_file
    out, result, _ = _run(engine_ctx, tiny_sd_dir, init_image=str(path), mask=str(mpath), strength=1.0,
                          mask_blur=4, masked_only=masked_only, masked_padding=4)
    assert result.operation == "inpaint"
    assert np.array_equal(out[~inside], arr[~inside])
    assert np.abs(out[inside] - arr[inside]).mean() > 5


def test_outpaint_extends_and_keeps_the_original(engine_ctx, tiny_sd_dir, source):
    path, arr = source
    out, result, _ = _run(engine_ctx, tiny_sd_dir, init_image=str(path), outpaint=(8, 16, 0, 8), strength=1.0)
    assert out.shape == (64 + 16 + 8, 64 + 8, 3)
    assert np.array_equal(out[16:80, 8:72], arr)
    assert result.operation == "outpaint"


def test_bad_edit_inputs_are_refused(engine_ctx, tiny_sd_dir, source, tmp_path):
    path, _ = source
    Image.new("L", (32, 32), 255).save(tmp_path / "small.png")
    with pytest.raises(SpecError, match="must be the same size"):
        run(ImageSpec(model=str(tiny_sd_dir), init_image=str(path), mask=str(tmp_path / "small.png"), width=64,
                      height=64, steps=2), NullReporter(), CancelToken(), engine_ctx)
    Image.new("L", (64, 64), 0).save(tmp_path / "empty.png")
    with pytest.raises(SpecError, match="mask is empty"):
        run(ImageSpec(model=str(tiny_sd_dir), init_image=str(path), mask=str(tmp_path / "empty.png"), width=64,
                      height=64, steps=2), NullReporter(), CancelToken(), engine_ctx)


def test_feather_stays_inside_the_mask():
    mask = Image.new("L", (32, 32), 0)
    mask.paste(255, (8, 8, 24, 24))
    soft = np.asarray(feather(mask, 6))
    hard = np.asarray(mask)
    assert soft[hard == 0].max() == 0 and soft[16, 16] == 255
    assert 0 < soft[8, 16] < 255  # a ramp at the border, inside
