"""The optional OpenVINO backend on a tiny SD-1.x pipeline: the same image as PyTorch in float32, int8 weights run,
the export is kept once and never half-written, and every case it cannot serve falls back with one line."""
from __future__ import annotations

import errno

import numpy as np
import pytest
from PIL import Image

from studio.core.pngmeta import read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion import openvino_unet
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter

pytest.importorskip("openvino")
pytest.importorskip("nncf")

FP32_TOLERANCE = 2
"""Max pixel difference (0-255) between the OpenVINO float32 image and PyTorch's (measured: 0 or 1)."""


class LogReporter(RecordingReporter):
    def __init__(self, cancel_on_load: CancelToken | None = None) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.loads: list[tuple[int, int, str]] = []
        self._cancel_on_load = cancel_on_load

    def log(self, message: str) -> None:
        self.lines.append(message)

    def load(self, done: int, total: int, what: str) -> None:
        self.loads.append((done, total, what))
        if self._cancel_on_load is not None and done > 0:
            self._cancel_on_load.cancel()  # cancelled mid-export, after the conversion


def spec_for(model_dir, **kw) -> ImageSpec:
    base = dict(prompt="a photo of a cat", model=str(model_dir), seed=7, steps=3, width=64, height=64, guidance=5.0)
    base.update(kw)
    return ImageSpec(**base)


def pixels(result) -> np.ndarray:
    return np.asarray(Image.open(result.outputs[0]).convert("RGB"), dtype=np.int16)


def exports(ctx) -> list:
    root = ctx.paths.cache / openvino_unet.FOLDER
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


@pytest.mark.slow
def test_openvino_fp32_gives_pytorchs_image_and_int8_runs(tiny_sd_dir, fresh_ctx):
    ctx = fresh_ctx
    reference = run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), ctx)
    rep = LogReporter()
    fp32 = run(spec_for(tiny_sd_dir, backend="openvino_fp32"), rep, CancelToken(), ctx)
    diff = np.abs(pixels(fp32) - pixels(reference)).max()
    assert diff <= FP32_TOLERANCE, diff
    assert fp32.backend == "openvino_fp32" and reference.backend == "pytorch"
    assert any("runs on OpenVINO (fp32 weights)" in line for line in rep.lines)
    assert "Backend: openvino_fp32" in read_png_text(fp32.outputs[0])["parameters"]
    assert "Backend" not in read_png_text(reference.outputs[0])["parameters"]
    # The export reported its progress as a load, to 100 %, and is kept for the next job.
    assert rep.loads[0][0] == 0 and rep.loads[-1][0] == rep.loads[-1][1] > 0 and "OpenVINO" in rep.loads[-1][2]
    assert len(rep.previews) == 3  # diffusers' own step callbacks still run
    [folder] = exports(ctx)
    again = LogReporter()
    second = run(spec_for(tiny_sd_dir, backend="openvino_fp32"), again, CancelToken(), ctx)
    assert not again.loads and np.array_equal(pixels(second), pixels(fp32))

    int8 = run(spec_for(tiny_sd_dir, backend="openvino"), LogReporter(), CancelToken(), ctx)
    assert int8.backend == "openvino" and len(exports(ctx)) == 2
    assert np.abs(pixels(int8) - pixels(reference)).mean() < 8  # int8 weights: close, not equal
    # The pipeline runs its own torch UNet again afterwards.
    assert np.array_equal(pixels(run(spec_for(tiny_sd_dir), RecordingReporter(), CancelToken(), ctx)),
                          pixels(reference))


def test_settings_choose_the_backend_and_a_lora_or_gpu_falls_back_with_one_line(tiny_sd_dir, tiny_lora, fresh_ctx,
                                                                               monkeypatch):
    ctx = fresh_ctx
    ctx.settings = ctx.settings.replace(backend="openvino")
    rep = LogReporter()
    result = run(spec_for(tiny_sd_dir, loras=((tiny_lora.stem, 1.0),)), rep, CancelToken(), ctx)
    assert result.backend == "pytorch" and exports(ctx) == []
    falls = [w for w in result.warnings if "OpenVINO is not used" in w]
    assert falls == ["OpenVINO is not used: LoRAs are active; this image is made with PyTorch."]
    real_find = openvino_unet.importlib.util.find_spec
    monkeypatch.setattr(openvino_unet.importlib.util, "find_spec", lambda name: None if name == "nncf" else real_find(name))
    result = run(spec_for(tiny_sd_dir), LogReporter(), CancelToken(), ctx)
    assert [w for w in result.warnings if "OpenVINO" in w] == [
        "OpenVINO is not used: nncf is not installed (pip install -r requirements/openvino.txt); this image is made "
        "with PyTorch."]
    assert "a GPU" not in str(openvino_unet.fallback_reason("openvino_fp32", {"family": "sd"}, None, "cuda:0"))
    assert "cuda:0" in openvino_unet.fallback_reason("openvino_fp32", {"family": "sd"}, None, "cuda:0")
    assert "flux" in openvino_unet.fallback_reason("openvino_fp32", {"family": "flux"}, None, "cpu")
    monkeypatch.undo()
    # A latent side the UNet's up-sampling cannot halve evenly (72 px → 9 latents): the traced graph assumes it can.
    result = run(spec_for(tiny_sd_dir, width=72), LogReporter(), CancelToken(), ctx)
    assert result.backend == "pytorch" and [w for w in result.warnings if "OpenVINO" in w] == [
        "OpenVINO is not used: the image's width and height must be multiples of 16 px for this UNet; this image is "
        "made with PyTorch."]


def test_full_disk_during_export_keeps_nothing_and_the_image_is_made_with_pytorch(tiny_sd_dir, fresh_ctx,
                                                                                  monkeypatch):
    ctx = fresh_ctx
    real_save = openvino_unet._save_model

    def full_disk(model, xml):
        real_save(model, xml)  # the files are there, then the disk fills up on the last write
        xml.with_suffix(".bin").write_bytes(b"\0" * 16)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(openvino_unet, "_save_model", full_disk)
    result = run(spec_for(tiny_sd_dir, backend="openvino_fp32"), LogReporter(), CancelToken(), ctx)
    assert result.backend == "pytorch" and result.outputs
    assert [w for w in result.warnings if "OpenVINO" in w] == [
        "OpenVINO is not used: the disk is full: the OpenVINO export of the UNet was not saved (nothing half-written "
        "is kept); this image is made with PyTorch."]
    assert exports(ctx) == []  # no temporary folder left, nothing a later job could read


def test_cancel_mid_export_keeps_nothing(tiny_sd_dir, fresh_ctx):
    ctx = fresh_ctx
    cancel = CancelToken()
    rep = LogReporter(cancel_on_load=cancel)
    result = run(spec_for(tiny_sd_dir, backend="openvino_fp32"), rep, cancel, ctx)
    assert result.cancelled and not result.outputs
    assert rep.lines == ["The OpenVINO export was cancelled; nothing of it was kept."]
    assert exports(ctx) == []


def test_a_half_written_folder_is_never_used(tiny_sd_dir, fresh_ctx, tmp_path):
    """A folder without its completion mark (a crash before the rename, a copy) is not an export."""
    root = tmp_path / "ov"
    (root / "unet-fp32-x").mkdir(parents=True)
    (root / "unet-fp32-x" / openvino_unet.IR_NAME).write_text("<net/>")
    assert openvino_unet.cached_export(root, "unet-fp32-x") is None


@pytest.mark.slow
def test_sdxl_unet_with_its_text_time_embedding_gives_pytorchs_image(tiny_sdxl_dir, fresh_ctx):
    ctx = fresh_ctx
    reference = run(spec_for(tiny_sdxl_dir), RecordingReporter(), CancelToken(), ctx)
    fp32 = run(spec_for(tiny_sdxl_dir, backend="openvino_fp32"), LogReporter(), CancelToken(), ctx)
    assert fp32.backend == "openvino_fp32"
    diff = np.abs(pixels(fp32) - pixels(reference)).max()
    assert diff <= FP32_TOLERANCE, diff
