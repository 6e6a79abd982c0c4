"""A CLI error reaches a Chinese user in Chinese (``--lang zh_CN`` or a zh_CN locale) and stays English otherwise.

Each case runs ``main.py`` as a user would, in a fresh studio home; the errors come from studio/core and
studio/cli (a spec's field check, the model registry, the command's own option check).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    (["models", "info", "no-such-model"],
     "error: No model named 'no-such-model'. `python main.py models list` shows what is installed.",
     "错误：没有名为 'no-such-model' 的模型。`python main.py models list` 会列出已安装的模型。"),
    (["generate", "text", "--model", "Studio Fashion", "--prompt", "hello"],
     "error: Model 'studio-fashion' is a studio_pipeline model, not a text model.",
     "错误：模型 'studio-fashion' 是 studio_pipeline 模型，不是文本模型。"),
    (["generate", "image", "--prompt", "a red dress", "--width", "100"],
     "error: Width must be a multiple of 8 (got 100); try 96.",
     "错误：宽度必须是 8 的倍数（收到 100）；可改为 96。"),
    (["generate", "image", "--prompt", "a red dress", "--steps", "0"],
     "error: Steps must be between 1 and 500 (got 0).",
     "错误：步数必须介于 1 和 500 之间（收到 0）。"),
    (["generate", "image", "--prompt", "a red dress", "--outpaint", "0,0,12,0"],
     "error: --mask and --outpaint need --init IMAGE.",
     "错误：--mask 和 --outpaint 需要 --init IMAGE。"),
]


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AIGC_STUDIO_HOME": str(home)}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,english,chinese", CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_a_cli_error_is_one_chinese_line_when_asked(tmp_path, args, english, chinese):
    en = _run(args, tmp_path)
    zh_flag = _run(["--lang", "zh_CN", *args], tmp_path)
    zh_locale = _run(args, tmp_path, LANG="zh_CN.UTF-8")
    assert (en.returncode, zh_flag.returncode, zh_locale.returncode) == (1, 1, 1)
    assert en.stderr.strip() == english
    assert zh_flag.stderr.strip() == chinese
    assert zh_locale.stderr.strip() == chinese


def test_models_info_labels_follow_the_language(tmp_path):
    en = _run(["models", "info", "Studio Fashion"], tmp_path)
    zh = _run(["--lang", "zh_CN", "models", "info", "Studio Fashion"], tmp_path)
    assert en.returncode == zh.returncode == 0
    assert en.stdout.splitlines()[1].split() == ["type:", "Studio", "pipeline", "(studio_pipeline)"]
    first, second = zh.stdout.splitlines()[:2]
    assert first.startswith("名称：") and first.endswith("studio-fashion")
    assert second.startswith("类型：") and "(studio_pipeline)" in second
    assert first.index("studio-fashion") == second.index("工作室管线")  # values start in one column
