"""Small models shown upscaled: ImageSpec.upscale runs the built-in upscaler after generating.

The shipped Studio Fashion model (64 px) draws the image; the real animevideov3 weights upscale it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import ModelError, SpecError
from studio.core.pngmeta import infotext, read_png_parameters, read_png_text, spec_from_infotext
from studio.core.progress import CancelToken, NullReporter
from studio.core.models.recommended import recommended_image_spec
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.host.dispatch import run_spec

ROOT = Path(__file__).resolve().parents[2]
X4 = "RealESRGAN animevideov3 x4"


@pytest.fixture()
def ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(), device="cpu")


def _spec(**kw) -> ImageSpec:
    base = dict(prompt="a red sneaker", model="studio-fashion", seed=3, steps=2, width=64, height=64,
                guidance=4.0, upscale="animevideov3-x4")
    base.update(kw)
    return ImageSpec(**base)


def test_engine_writes_the_upscaled_image_and_keeps_the_native_one(ctx, paths):
    result = run_spec(_spec(), NullReporter(), CancelToken(), ctx)
    out = Path(result.outputs[0])
    native = Path(result.native)
    assert result.outputs == (str(out),) and native.is_file() and native.parent == out.parent
    assert native.name == out.stem + "-native.png"
    with Image.open(out) as big, Image.open(native) as small:
        assert small.size == (64, 64) and big.size == (256, 256)
        big_rgb, small_rgb = np.asarray(big.convert("RGB"), float), np.asarray(small.convert("RGB"), float)
    # The same picture: the upscale shrunk back matches the native image closely.
    back = np.asarray(Image.fromarray(big_rgb.astype(np.uint8)).resize((64, 64), Image.BOX), float)
    assert np.abs(back - small_rgb).mean() < 12
    assert (result.width, result.native_width, result.upscaler) == (256, 64, X4)
    # Both files carry the job's parameters with the upscaler's full name (short names are canonicalised).
    for path in (out, native):
        spec = read_png_parameters(path)
        assert (spec.prompt, spec.seed, spec.upscale, spec.width) == ("a red sneaker", 3, X4, 64)
        assert f"Upscaler: {X4}" in read_png_text(path)["parameters"]


def test_without_upscale_nothing_changes(ctx):
    result = run_spec(_spec(upscale=""), NullReporter(), CancelToken(), ctx)
    with Image.open(result.outputs[0]) as im:
        assert im.size == (64, 64)
    assert result.native == ""
    assert "Upscaler" not in read_png_text(result.outputs[0])["parameters"]
    assert not list(Path(result.outputs[0]).parent.glob("*-native.png"))


def test_unknown_upscaler_fails_before_generating(ctx, paths):
    with pytest.raises(ModelError, match="no-such-upscaler"):
        run_spec(_spec(upscale="no-such-upscaler"), NullReporter(), CancelToken(), ctx)
    with pytest.raises(ModelError, match="studio-fashion.* not a"):
        run_spec(_spec(upscale="studio-fashion"), NullReporter(), CancelToken(), ctx)
    assert not list(paths.outputs.rglob("*.png"))


def test_cancel_during_upscale_writes_nothing(ctx, paths):
    cancel = CancelToken()

    class CancelAtUpscale(NullReporter):
        def progress(self, done: int, total: int, message: str = "") -> None:
            if message.startswith("upscaling"):
                cancel.cancel()

    result = run_spec(_spec(), CancelAtUpscale(), cancel, ctx)
    assert result.cancelled and not result.outputs
    assert not list(paths.outputs.rglob("*.png"))


def test_spec_field_validates_and_round_trips():
    spec = _spec(upscale=X4)
    assert spec_from_json(spec_to_json(spec)) == spec
    assert spec_from_json(spec_to_json(_spec(upscale=""))).upscale == ""
    assert spec_from_json('{"kind": "image", "prompt": "old file"}').upscale == ""  # older JSON still loads
    for bad in ("x4\nplus", "   ", 4, "y" * 300):
        with pytest.raises(SpecError):
            _spec(upscale=bad).validate()
    # A1111 infotext alone (no JSON chunk) keeps it too.
    text = infotext(spec, "studio-fashion")
    assert f"Upscaler: {X4}" in text
    back = spec_from_infotext(text)
    assert (back.upscale, back.width, back.prompt) == (X4, 64, "a red sneaker")
    assert spec_from_infotext(infotext(_spec(upscale=""))).upscale == ""


def test_studio_fashion_recommends_an_upscale(ctx):
    entry = ctx.registry.resolve("studio-fashion")
    spec = recommended_image_spec(entry, "a blue dress", seed=1, steps=2)
    assert spec.upscale == "animevideov3-x4" and spec.width == 64
    result = run_spec(spec, NullReporter(), CancelToken(), ctx)  # what demo and self-test run
    with Image.open(result.outputs[0]) as im:
        assert im.size == (256, 256)


def test_cli_generate_image_upscale(tmp_path, paths):
    env = {"AIGC_STUDIO_HOME": str(paths.root), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = tmp_path / "sneaker.png"
    run = subprocess.run([sys.executable, "main.py", "generate", "image", "--prompt", "a red sneaker",
                          "--width", "64", "--height", "64", "--steps", "2", "--seed", "1",
                          "--upscale", "animevideov3-x4", "--out", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with Image.open(out) as im:
        assert im.size == (256, 256)
    assert read_png_parameters(out).upscale == X4
    bad = subprocess.run([sys.executable, "main.py", "generate", "image", "--prompt", "x", "--init", str(out),
                          "--upscale", "x4plus"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "--upscale" in bad.stderr and "Traceback" not in bad.stderr
