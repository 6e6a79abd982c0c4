"""``--help`` speaks the CLI's language: Chinese with ``--lang zh_CN`` or a zh_CN locale, English otherwise.

Each case runs ``main.py`` as a user would; the language is chosen before argparse builds its help, so
the studio's help texts and argparse's own words ("usage:", "options:") are both translated.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Names a user types (options, metavars, choices, commands in backticks, file names): not prose.
_NOT_PROSE = re.compile(r"`[^`]*`|\[[^\]]*\]|\{[^}]*\}|'[^']*'|\"[^\"]*\"|--?[\w-]+|\S*[./]\S*|\$\w+")
_WORD = re.compile(r"\b[a-z]{3,}\b")


def _help(args: list[str], home: Path, **env: str) -> str:
    base = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AIGC_STUDIO_HOME": str(home), "COLUMNS": "100"}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *args, "--help"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def english_lines(text: str) -> list[str]:
    """Help lines whose prose (after the option column, names removed) is English: two words or more, no Chinese.

    The usage block (up to the first blank line) is names only and is skipped."""
    found = []
    for line in text.partition("\n\n")[2].splitlines():
        prose = re.split(r"\s{2,}", line.strip(), maxsplit=1)[-1] if line.startswith("  ") else line
        prose = _NOT_PROSE.sub(" ", prose)
        if not CJK.search(prose) and len(_WORD.findall(prose)) >= 2:
            found.append(line)
    return found


@pytest.mark.parametrize("command", [["generate", "image"], ["generate", "text"], ["train"], ["models"],
                                     ["queue"], ["evaluate"], ["upscale"], ["history"], ["generate", "grid"]])
def test_help_of_a_command_is_chinese_with_lang_zh_cn(command, tmp_path):
    text = _help(["--lang", "zh_CN", *command], tmp_path)
    assert text.startswith("用法：main.py " + " ".join(command))
    assert "显示此帮助信息并退出" in text and "选项" in text
    assert english_lines(text) == []


def test_generate_image_help_uses_the_established_terms(tmp_path):
    text = _help(["--lang=zh_CN", "generate", "image"], tmp_path)
    for term in ("提示词", "采样器", "种子", "重绘幅度", "局部重绘", "扩图", "放大"):
        assert term in text, term
    assert "editing an image" not in text and "编辑图像" in text


def test_top_level_help_follows_a_chinese_locale(tmp_path):
    text = _help([], tmp_path, LANG="zh_CN.UTF-8")
    assert text.startswith("用法：main.py")
    assert "位置参数" in text and "模型管理" in text and "队列" in text
    assert english_lines(text) == []


def test_help_stays_english_otherwise(tmp_path):
    text = _help([], tmp_path)
    assert text.startswith("usage: main.py")
    assert "show this help message and exit" in text and "generate an image or text headless" in text
    assert not CJK.search(text)
    image = _help(["generate", "image"], tmp_path, LANG="en_US.UTF-8")
    assert "what to draw; (word:1.2) weights work as in A1111" in image and not CJK.search(image)


def test_argparse_errors_are_chinese_too(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--lang", "zh_CN", "generate", "imag"], cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AIGC_STUDIO_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "main.py generate: 错误：参数 WHAT：无效的选择：'imag'" in done.stderr


def test_the_english_line_check_finds_english_prose():
    assert english_lines("usage: x\n\n  --prompt PROMPT       what to draw\n  --seed N  种子（默认：随机）\n") == [
        "  --prompt PROMPT       what to draw"]
    assert english_lines("用法：main.py generate image [-h]\n    [--prompt PROMPT]\n\n  --fill {edge,noise}\n") == []
