"""The upscale engine: sizes, sharper than bicubic, tiling equals untiled, bad input, cancel, metadata, CLI."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.core.errors import StudioError
from studio.core.progress import CancelToken, NullReporter
from studio.core.specs.image import UpscaleSpec
from studio.core.specs.serial import spec_from_json
from studio.host.dispatch import run_spec
from studio.engines.upscale.run import canonical_name
from studio.engines.upscale.tiling import upscale_array
from studio.engines.upscale.weights import load_upscaler

from tests.builtin.conftest import astronaut

ROOT = Path(__file__).resolve().parents[2]


class Recorder(NullReporter):
    def __init__(self, cancel_after: int = 0, cancel: CancelToken | None = None) -> None:
        super().__init__()
        self.calls: list[tuple[int, int]] = []
        self._cancel_after, self._cancel = cancel_after, cancel

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total))
        if self._cancel and done >= self._cancel_after:
            self._cancel.cancel()


@pytest.mark.parametrize("model,scale", [("animevideov3-x2", 2), ("animevideov3-x3", 3), ("animevideov3-x4", 4),
                                         ("x4plus-anime", 4), ("RealESRGAN x4plus", 4)])
def test_output_size(ctx, tmp_path, model, scale):
    src = tmp_path / "small.png"
    Image.fromarray(astronaut(32)[:10, :14]).save(src)  # not square, not a multiple of anything
    res = run_spec(UpscaleSpec(image=str(src), model=model), NullReporter(), CancelToken(), ctx)
    with Image.open(res.outputs[0]) as im:
        assert im.size == (14 * scale, 10 * scale) and im.mode == "RGB"
    assert res.model == canonical_name(model) and Path(res.outputs[0]).parent.parent == ctx.paths.outputs


def _grad_energy(a: np.ndarray) -> float:
    g = a.astype(np.float64).mean(axis=2)
    return float((np.diff(g, axis=0) ** 2).mean() + (np.diff(g, axis=1) ** 2).mean())


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0 ** 2 / ((a.astype(np.float64) - b) ** 2).mean()))


@pytest.mark.parametrize("name", ["RealESRGAN animevideov3 x4", "RealESRGAN x4plus-anime"])
def test_sharper_than_bicubic(ctx, name):
    original = astronaut(96)
    small = Image.fromarray(original).resize((24, 24), Image.BICUBIC)
    bicubic = np.asarray(small.resize((96, 96), Image.BICUBIC))
    model = load_upscaler(ctx.registry.resolve(name, task="upscale"), ctx.paths)
    ours = upscale_array(model, np.asarray(small))
    g_ref, g_bic, g_ours = _grad_energy(original), _grad_energy(bicubic), _grad_energy(ours)
    assert g_ours > 1.5 * g_bic  # crisper edges than bicubic
    assert abs(np.log(g_ours / g_ref)) < abs(np.log(g_bic / g_ref))  # and nearer the original's detail level
    # GAN-trained upscalers trade some PSNR for sharpness, but the picture must stay the same picture.
    assert _psnr(ours, original) > _psnr(bicubic, original) - 6


def test_tiled_equals_untiled(ctx):
    img = astronaut(64)
    fast = load_upscaler(ctx.registry.resolve("RealESRGAN animevideov3 x4", task="upscale"), ctx.paths)
    whole = upscale_array(fast, img, tile=256)
    tiled = upscale_array(fast, img, tile=24, pad=16)
    assert np.abs(whole.astype(int) - tiled).max() <= 2  # receptive field (18 px) ≈ pad: no seams
    rrdb = load_upscaler(ctx.registry.resolve("RealESRGAN x4plus-anime", task="upscale"), ctx.paths)
    img = img[:40, :40]
    diff = np.abs(upscale_array(rrdb, img, tile=256).astype(int) - upscale_array(rrdb, img, tile=20, pad=16))
    assert diff.mean() < 1.0 and np.percentile(diff, 99) < 12  # RRDBNet sees further than the pad


def test_progress_per_tile_and_cancel(ctx, tmp_path):
    src = tmp_path / "p.png"
    Image.fromarray(astronaut(64)).save(src)
    rec = Recorder()
    spec = UpscaleSpec(image=str(src), model="animevideov3-x2", tile=32)
    res = run_spec(spec, rec, CancelToken(), ctx)
    assert res.tiles == 4 and rec.calls[-1] == (4, 4) and [d for d, _ in rec.calls] == [0, 1, 2, 3, 4]
    cancel = CancelToken()
    res = run_spec(spec, Recorder(cancel_after=1, cancel=cancel), cancel, ctx)
    assert res.cancelled and not res.outputs
    assert len(list(ctx.paths.outputs.rglob("*.png"))) == 1  # only the first, finished run's file


@pytest.mark.parametrize("content", [b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_non_image_file_gives_clear_error(ctx, tmp_path, content):
    bad = tmp_path / "dropped.png"
    bad.write_bytes(content)
    with pytest.raises(StudioError, match="dropped.png is not an image the studio can read"):
        run_spec(UpscaleSpec(image=str(bad)), NullReporter(), CancelToken(), ctx)
    with pytest.raises(StudioError, match="Image not found"):
        run_spec(UpscaleSpec(image=str(tmp_path / "nope.png")), NullReporter(), CancelToken(), ctx)


def test_alpha_and_source_metadata_are_kept(ctx, tmp_path):
    rgba = np.dstack([astronaut(16), np.full((16, 16), 128, np.uint8)])
    info = PngImagePlugin.PngInfo()
    info.add_itxt("parameters", "a photo of an astronaut\nSteps: 20, Seed: 5")
    info.add_itxt("aigc_studio", '{"kind": "image", "prompt": "a photo of an astronaut", "seed": 5}')
    src = tmp_path / "gen.png"
    Image.fromarray(rgba, "RGBA").save(src, pnginfo=info)
    res = run_spec(UpscaleSpec(image=str(src), model="animevideov3-x2"), NullReporter(), CancelToken(), ctx)
    with Image.open(res.outputs[0]) as im:
        assert im.mode == "RGBA" and im.size == (32, 32)
        assert abs(int(np.asarray(im)[..., 3].mean()) - 128) <= 1
        assert spec_from_json(im.text["aigc_studio"]).prompt == "a photo of an astronaut"
        assert spec_from_json(im.text["aigc_studio_upscale"]).kind == "upscale"
        assert "Upscaled: RealESRGAN animevideov3 x2" in im.text["parameters"]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"AIGC_STUDIO_HOME": str(home), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


def test_cli_upscale_and_faces(studio_home, tmp_path, photo_png):
    r = _cli("upscale", str(photo_png), "--model", "animevideov3-x3", "--out", str(tmp_path / "big.jpg"),
             home=studio_home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "big.jpg")
    with Image.open(tmp_path / "big.jpg") as im:
        assert im.format == "JPEG" and im.size == (96, 96)
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    r = _cli("upscale", str(bad), home=studio_home)
    assert r.returncode == 1 and r.stderr.strip().splitlines()[-1] == \
        "error: notes.txt is not an image the studio can read (PNG, JPEG, WebP, BMP, TIFF, GIF)."
    r = _cli("generate", "faces", "--seed", "4", "--walk-to", "8", "--frames", "5", "--out", str(tmp_path / "walk"),
             home=studio_home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(tmp_path / "walk.png"), str(tmp_path / "walk.gif")]
    with Image.open(tmp_path / "walk.gif") as im:
        assert im.n_frames == 5


def test_upscale_image_in_process(ctx):
    from studio.engines.upscale.run import upscale_image

    img = Image.fromarray(astronaut(16)).convert("RGBA")
    out = upscale_image(img, ctx, model="animevideov3-x3", tile=8)
    assert out.size == (48, 48) and out.mode == "RGBA"
    cancel = CancelToken()
    cancel.cancel()
    assert upscale_image(img, ctx, model="animevideov3-x3", cancel=cancel) is None


def test_result_too_large_is_refused_before_any_work(ctx, photo_png, monkeypatch):
    import studio.engines.upscale.run as up_run

    monkeypatch.setattr(up_run, "MAX_OUTPUT_PIXELS", 100 * 100)
    with pytest.raises(StudioError, match="The result would be 128×128 pixels"):
        run_spec(UpscaleSpec(image=str(photo_png), model="animevideov3-x4"), NullReporter(), CancelToken(), ctx)
    assert not any(ctx.paths.outputs.rglob("*.png"))


def test_an_out_of_memory_retries_once_with_smaller_tiles(ctx, tmp_path, monkeypatch):
    from studio.engines.oom import INJECT_OOM_ENV

    src = tmp_path / "p.png"
    Image.fromarray(astronaut(64)).save(src)
    spec = UpscaleSpec(image=str(src), model="animevideov3-x2", tile=64)
    ref = run_spec(spec, NullReporter(), CancelToken(), ctx)
    monkeypatch.setenv(INJECT_OOM_ENV, "1")
    logs: list[str] = []
    rep = NullReporter()
    rep.log = logs.append
    again = run_spec(spec, rep, CancelToken(), ctx)
    assert any("64 px tiles" in line and "retried with 32 px tiles" in line for line in logs)
    a = np.asarray(Image.open(ref.outputs[0]), dtype=np.int16)
    b = np.asarray(Image.open(again.outputs[0]), dtype=np.int16)
    assert a.shape == b.shape and np.abs(a - b).max() <= 2  # tiles are padded: the same image
    monkeypatch.setenv(INJECT_OOM_ENV, "2")
    with pytest.raises(StudioError, match="Out of memory while upscaling with 32 px tiles.*even after retrying"):
        run_spec(spec, NullReporter(), CancelToken(), ctx)
