"""`generate text --template NAME --field k=v`: the content templates of the Text workspace, from the CLI, in the
language the CLI speaks (a Chinese template asks the model in Chinese)."""
from __future__ import annotations

from studio.cli import main


def test_a_chinese_template_asks_in_chinese(tiny_llama_dir, capsys):
    code = main(["--lang", "zh_CN", "generate", "text", "--template", "poem", "--field", "form=现代诗",
                 "--field", "topic=秋雨", "--field", "mood=惆怅", "--model", str(tiny_llama_dir),
                 "--max-new-tokens", "3", "--temperature", "0"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "poem：写一首关于秋雨的现代诗。情绪：惆怅。" in err.replace("模板 ", "")


def test_english_template_and_one_line_errors(tiny_llama_dir, capsys):
    code = main(["generate", "text", "--template", "poem", "--field", "form=haiku", "--field", "topic=rain",
                 "--field", "mood=calm", "--model", str(tiny_llama_dir), "--max-new-tokens", "2", "--temperature", "0"])
    assert code == 0 and "Write a haiku about rain. Mood: calm." in capsys.readouterr().err
    assert main(["--lang", "zh_CN", "generate", "text", "--template", "poem", "--field", "form=诗",
                 "--model", str(tiny_llama_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "请先填写“主题”" in err
    assert main(["generate", "text", "--template", "limerick", "--model", str(tiny_llama_dir)]) == 1
    err = capsys.readouterr().err.strip()
    assert "No text template named 'limerick'" in err and "poem" in err
    assert main(["generate", "text", "--template", "poem", "--field", "colour=red", "--model",
                 str(tiny_llama_dir)]) == 1
    assert "NAME one of form, topic, mood" in capsys.readouterr().err
    assert main(["generate", "text", "--model", str(tiny_llama_dir)]) == 1
    assert "--prompt" in capsys.readouterr().err
