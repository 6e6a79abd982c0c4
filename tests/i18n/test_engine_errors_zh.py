"""An engine's error reaches a Chinese user in Chinese: through the CLI (locale or --lang) and in-process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.core.errors import ModelError, SpecError
from studio.core.i18n import current_language
from studio.core.language import use_language
from studio.core.progress import NullReporter

ROOT = Path(__file__).resolve().parents[2]


def _mismatched_upscaler(path: Path) -> Path:
    """A .safetensors the model manager takes for an SRVGGNetCompact upscaler whose layers do not fit together
    (a damaged or hand-edited file): only the upscale engine, building the network, finds out."""
    import torch
    from safetensors.torch import save_file

    save_file({"body.0.weight": torch.zeros(8, 3, 3, 3), "body.1.weight": torch.zeros(8),
               "body.2.weight": torch.zeros(7, 5, 3, 3), "body.3.weight": torch.zeros(12, 8, 3, 3)}, str(path))
    return path


def _cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"AIGC_STUDIO_HOME": str(home), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, cwd=ROOT)


def test_upscaling_with_a_damaged_upscaler_prints_the_engine_error_in_chinese(studio_home, tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (16, 16), (200, 30, 30)).save(photo)
    model = _mismatched_upscaler(tmp_path / "odd-upscaler.safetensors")
    # A Chinese system (the locale alone) gets the engine's message in Chinese...
    r = _cli("upscale", str(photo), "--model", str(model), home=studio_home, LANG="zh_CN.UTF-8")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == "错误：odd-upscaler.safetensors 中的放大模型权重与 srvgg 网络不匹配。"
    # ...and --lang en on that system the same error in English; nothing was written either way.
    r = _cli("--lang", "en", "upscale", str(photo), "--model", str(model), home=studio_home, LANG="zh_CN.UTF-8")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == \
        "error: The upscaler weights in odd-upscaler.safetensors do not fit a srvgg network."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd-upscaler.safetensors", "photo.png", "studio-home"]


@pytest.fixture()
def chinese():
    use_language("zh_CN")
    yield
    use_language("en")
    assert current_language() == "en"


def test_engine_checks_and_loaders_speak_chinese_in_process(chinese, tmp_path):
    from studio.core.specs.image import ImageSpec
    from studio.engines.diffusion.edit import check
    from studio.engines.diffusion.loader import _load_folder
    from studio.engines.upscale.ncnn import parse_param

    with pytest.raises(SpecError) as err:  # an image-edit field out of range (the canvas's masked-area padding)
        check(ImageSpec(prompt="a coat", init_image="in.png", mask="m.png", masked_padding=5000))
    assert str(err.value) == "蒙版区域外扩须在 0 到 1024 像素之间（收到 5000）。"
    folder = tmp_path / "not-a-pipeline"
    folder.mkdir()
    with pytest.raises(ModelError) as err:  # a folder that is no diffusers pipeline
        _load_folder(folder, None, None)  # type: ignore[arg-type]
    assert str(err.value) == "not-a-pipeline 不是 diffusers 管线文件夹（没有 model_index.json）。"
    param = tmp_path / "cut.param"
    param.write_text("7767517\n3 3\nInput data 0 1 data\n")
    with pytest.raises(ModelError) as err:  # an ncnn upscaler cut short
        parse_param(param)
    assert str(err.value) == "cut.param 不完整：只有 3 层中的 1 层。"


class _Lines(NullReporter):
    """Keeps what a user reads while a job runs: its log lines and progress texts."""

    def __init__(self) -> None:
        super().__init__()
        self.progress_texts: list[str] = []

    def progress(self, done: int, total: int, message: str = "") -> None:
        if message:
            self.progress_texts.append(message)


def test_a_training_job_logs_and_reports_progress_in_chinese(chinese, paths):
    from studio.core.progress import CancelToken
    from studio.core.settings import Settings
    from studio.core.specs.training import TrainSpec
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec

    ctx = EngineContext.create(paths, Settings(), device="cpu")
    rep = _Lines()
    spec = TrainSpec(family="gan", data="digits", out="tiny-gan", steps=4, batch=8, lr=2e-4, size=16, seed=1,
                     checkpoint_every=2, params={"features": 8, "latent_dim": 8, "log_every": 1, "limit": 32})
    run_spec(spec, rep, CancelToken(), ctx)
    assert any(m.startswith("数据集 digits：") and "张图片" in m for m in rep.messages), rep.messages
    assert any(m.startswith("已在第 2 步保存检查点：") for m in rep.messages), rep.messages
    assert rep.progress_texts and all(t.endswith(" 步/秒") for t in rep.progress_texts), rep.progress_texts
