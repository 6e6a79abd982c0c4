"""Content in Chinese when the studio speaks zh_CN: the built-in text templates and the headless demo."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.language import use_language
from studio.core.text_templates import BUILTIN_TEMPLATES, ContentTemplate, TemplateStore, render

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_template_list_in_chinese_is_chinese_and_asks_the_model_in_chinese(tmp_path):
    use_language("zh_CN")
    store = TemplateStore(tmp_path / "templates")
    templates = store.all()
    assert [t.name for t in templates] == [t.name for t in BUILTIN_TEMPLATES]  # the same templates, same names
    for t, en in zip(templates, BUILTIN_TEMPLATES):
        assert HAN.search(t.title) and HAN.search(t.description) and HAN.search(t.system), t.name
        assert HAN.search(t.prompt), t.name
        assert [f.name for f in t.fields] == [f.name for f in en.fields], t.name  # same fields for the form
        assert set(t.field_names()) == set(en.field_names()), t.name
        assert all(HAN.search(f.label) and (not f.hint or HAN.search(f.hint)) for f in t.fields), t.name
    poem = store.get("poem")
    assert poem.title == "诗歌"
    assert render(poem, {"form": "现代诗", "topic": "秋雨", "mood": "惆怅"}) == "写一首关于秋雨的现代诗。情绪：惆怅。"
    # A template of your own with a built-in's name still replaces it, in either language.
    store.save(ContentTemplate(name="poem", title="我的诗", prompt="写一首关于{topic}的诗"))
    assert store.get("poem").title == "我的诗"
    use_language("en")
    assert store.get("story").title == "Short story" and store.get("poem").title == "我的诗"


def test_a_missing_field_is_named_in_chinese(tmp_path):
    from studio.core.errors import SpecError

    use_language("zh_CN")
    poem = TemplateStore(tmp_path).get("poem")
    with pytest.raises(SpecError, match="请先填写“主题”"):
        render(poem, {"form": "现代诗", "mood": "惆怅"})


@pytest.mark.slow
def test_the_headless_demo_speaks_chinese(paths, tmp_path):
    """`main.py --lang zh_CN demo` (what `dev.py run` shows without a display): every line it prints is Chinese,
    and the image comes from the Chinese prompt (a tiny text model stands in for SmolLM2 to keep it fast)."""
    from studio.core.settings import Settings, save_settings
    from tests.text.tiny_lm import build_tiny_llama, save_smol_tokenizer

    build_tiny_llama(paths.models / "tiny-llama", save_smol_tokenizer(tmp_path / "tok"))
    save_settings(paths.settings_file, Settings(default_text_model="tiny-llama", scan_hf_cache=False))
    env = {**os.environ, "AIGC_STUDIO_HOME": str(paths.root), "OMP_NUM_THREADS": "1"}
    env.pop("AIGC_STUDIO_LANG", None)
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--lang", "zh_CN", "demo", "--steps", "2",
                          "--max-new-tokens", "3"], capture_output=True, text=True, env=env, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    said = [line for line in out.stderr.replace("\r", "\n").splitlines() if line.strip()]
    bars = [line for line in said if line.startswith("[")]  # progress: "[###---] 1/2 0.3/s ETA 3 s phase"
    lines = [line for line in said if not line.startswith("[")]
    written = [line for line in out.stdout.splitlines() if str(paths.root) in line]  # "image written: PATH"
    assert len(written) == 2 and written[0].endswith(".png") and written[1].endswith("demo-text.txt"), out.stdout
    lines += written
    assert any("一只红色的运动鞋" in line for line in lines), lines
    assert all(HAN.search(line) for line in lines), lines
    phases = [re.sub(r"^\[[#-]+\] \d+/\d+ +(\S+/s )?ETA \S+( s)? ?", "", b) for b in bars]
    assert all(not p or HAN.search(p) for p in phases), phases
    assert "提示：studio-fashion 将提示词理解为“a red sneaker”。" in lines
