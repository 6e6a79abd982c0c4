"""A Chinese prompt to a model that reads English only: the text workspace says so and links the recommended
Chinese-capable models (the Download dialog, filtered to them); the CLI says it in one line; a template
asked in Chinese goes to an installed model that reads Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from studio.core.language import mostly_chinese, reads_only_english
from studio.core.models.recommended import (RECOMMENDED_TEXT_MODELS, chinese_text_model, reads_chinese,
                                     recommended_text_models)
from studio.core.models.registry import ModelEntry
from studio.ui.text_workspace import TextWorkspace

CHINESE = "用一句话为网店描述一双红色的运动鞋。"


def test_chinese_prompts_are_told_apart():
    assert mostly_chinese(CHINESE) and mostly_chinese("写一首关于秋雨的诗, rain")
    assert not mostly_chinese("Describe 茶叶 for a tea shop in two sentences") and not mostly_chinese("茶")
    assert reads_only_english("en") and reads_only_english(("en",)) and not reads_only_english("en, zh")
    assert not reads_only_english(None)  # unknown: no claim


def test_the_recommended_list_has_small_chinese_instruct_ggufs():
    zh = recommended_text_models("zh")
    assert len(zh) >= 3 and zh == list(RECOMMENDED_TEXT_MODELS)
    for m in zh:
        assert m.repo.startswith("Qwen/") and m.repo.endswith("-GGUF") and m.file.endswith(".gguf")
        assert m.licence == "Apache-2.0" and 300 * 2**20 < m.size_bytes < 2 * 2**30
        assert m.run_bytes > m.size_bytes and m.fits(4 * 2**30) and not m.fits(m.run_bytes - 1)


def _entry(name: str, path: str, size: int = 1, languages: str = "") -> ModelEntry:
    return ModelEntry(name=name, path=path, type="gguf", size=size,
                      details={"languages": languages} if languages else {})


def test_installed_chinese_models_are_recognised():
    smol = _entry("SmolLM2-135M-Instruct", "/x/SmolLM2-135M-Instruct.Q4_1.gguf", 90, "en")
    qwen = _entry("qwen2.5-0.5b-instruct-q4_k_m", "/m/qwen2.5-0.5b-instruct-q4_k_m.gguf", 400)
    big = _entry("my-model", "/m/my-model.gguf", 900, "zh, en")
    assert not reads_chinese(smol) and reads_chinese(qwen) and reads_chinese(big)
    assert chinese_text_model([smol]) is None and chinese_text_model([smol, qwen, big]) is big


def test_the_workspace_notes_a_chinese_prompt_and_links_the_list(qtbot, paths):
    ws = TextWorkspace(None, paths, models=[])
    qtbot.addWidget(ws)
    ws.show()
    panel = ws.language_panel
    assert not panel.warns and ws.language_note.isVisible()  # English prompt: only the languages row
    ws.chat_input.insertPlainText(CHINESE)  # what an input method commits (keyClicks types ASCII only)
    assert panel.warns and panel.chinese_button.isVisible()
    assert "Chinese" in panel.chinese_note.text() and "SmolLM2-135M-Instruct" in panel.chinese_note.text()
    qtbot.mouseClick(panel.chinese_button, Qt.MouseButton.LeftButton)
    dialog = ws.download_dialog
    qtbot.addWidget(dialog)
    table = dialog.suggestions
    assert dialog.isVisible() and table.isVisible() and table.rowCount() == len(recommended_text_models("zh"))
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [m.name for m in RECOMMENDED_TEXT_MODELS]
    assert all(table.item(r, 2).text() == "Apache-2.0" for r in range(table.rowCount()))
    assert "fits" in table.item(0, 3).text() or "too big" in table.item(0, 3).text()
    table.selectRow(1)  # choosing one fills the fields; nothing is fetched before Check and Download
    assert dialog.source_edit.text() == RECOMMENDED_TEXT_MODELS[1].repo
    assert dialog.include_edit.text() == RECOMMENDED_TEXT_MODELS[1].file and dialog.plan is None
    ws.chat_input.clear()
    assert not panel.warns


def test_a_chinese_template_goes_to_a_chinese_model(qtbot, paths, monkeypatch):
    qwen = _entry("qwen2.5-0.5b-instruct-q4_k_m", "/m/qwen2.5-0.5b-instruct-q4_k_m.gguf", 400)
    ws = TextWorkspace(None, paths, models=[qwen])
    qtbot.addWidget(ws)
    sent: list[str] = []
    monkeypatch.setattr(ws, "send", lambda: sent.append(ws.model_name()))
    template = type("T", (), {"temperature": ws.controls.values()["temperature"], "title": "t", "system": "",
                              "max_new_tokens": ws.controls.values()["max_new_tokens"]})()
    assert ws.apply_template(template, "Describe a red sneaker.", "chat") and sent == [""]
    assert ws.apply_template(template, CHINESE, "chat") and sent[-1] == qwen.name


def test_the_cli_says_it_in_one_line(tiny_llama_dir, capsys, monkeypatch):
    """The built-in model is replaced by a tiny one that says it reads English (as SmolLM2 does)."""
    from studio.cli import main
    from studio.core.models.registry import ModelRegistry

    real = ModelRegistry.resolve

    def resolve(self, name, task=None):
        entry = real(self, name, task)
        return ModelEntry(**{**entry.__dict__, "details": {**entry.details, "languages": "en"}})

    monkeypatch.setattr(ModelRegistry, "resolve", resolve)
    assert main(["generate", "text", "--prompt", CHINESE, "--model", str(tiny_llama_dir), "--max-new-tokens", "2",
                 "--seed", "1"]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "reads English only" in line]
    assert len(notes) == 1 and "models recommended --language zh" in notes[0]
    assert main(["models", "recommended", "--language", "zh"]) == 0
    out = capsys.readouterr().out
    assert all(f"models download {m.repo} --include {m.file}" in out for m in RECOMMENDED_TEXT_MODELS)
    assert "Apache-2.0" in out and ("fits" in out or "too big here" in out)
