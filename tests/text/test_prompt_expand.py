""""Expand prompt": the prompt editor's button streams an LLM's prompt into the box (one Ctrl+Z undoes it),
and `generate image --expand` uses it; the model's vocabulary is shown and prompts outside it are warned about."""
from __future__ import annotations

import functools
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.prompt_expansion import clean_expansion
from studio.core.models.registry import ModelEntry


@pytest.fixture()
def studio(qtbot, paths, monkeypatch, tiny_llama_dir):
    """The window and a started pool whose default text model is a tiny Llama (as a user's settings say)."""
    import studio.jobs.pool as pool_module
    from studio.core.settings import Settings
    from studio.jobs.reporter import QtReporter
    from studio.ui.main_window import MainWindow
    from tests.fixtures.host_zygote import use_warm_hosts

    shutil.copytree(tiny_llama_dir, paths.models / "tiny-llama")
    settings = Settings(default_text_model="tiny-llama", scan_hf_cache=False)
    monkeypatch.setattr(pool_module, "QtReporter", functools.partial(QtReporter, min_preview_interval=0.0))
    use_warm_hosts(monkeypatch)  # the pool's hosts are forked from the session's warm parent
    w = MainWindow(paths, settings)
    qtbot.addWidget(w)
    w.resize(1360, 860)
    w.show()
    pool = pool_module.WorkerPool(paths, settings, parent=w)
    w.attach_pool(pool)
    pool.start()
    yield w
    pool.shutdown(wait=True, timeout=30)
    w.scanner.wait()


def test_expand_streams_into_the_prompt_and_one_undo_restores_it(studio, qtbot):
    editor = studio.prompt_editor
    box, assist = editor.prompt_edit, editor.assist
    chunks: list[str] = []
    results = []
    box.setFocus()
    QTest.keyClicks(box, "a red sneaker")
    QTest.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # the shortcut
    job = studio.prompt_expander.job  # the expansion's own handle brings its text and its result
    job.text.connect(chunks.append)
    job.finished.connect(results.append)
    assert assist.expanding() and box.isReadOnly()
    assert assist.expand_button.text() == "Stop expanding"
    qtbot.waitUntil(lambda: bool(results), timeout=120_000)
    qtbot.waitUntil(lambda: not assist.expanding(), timeout=5_000)
    assert chunks, "the answer streamed in"
    expected = clean_expansion(results[0].text) or "a red sneaker"
    assert box.toPlainText() == expected and not box.isReadOnly()
    box.setFocus()
    QTest.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.toPlainText() == "a red sneaker"  # one undo step brings the short prompt back


def test_expanding_an_empty_prompt_says_why(studio):
    editor = studio.prompt_editor
    editor.prompt_edit.setPlainText("  ")
    editor.assist.expand_button.click()
    assert not editor.assist.expanding()
    assert "Type a short prompt first" in editor.message_label.text()


FASHION = ModelEntry("studio-fashion", "/m/sf", "studio_pipeline", family="studio",
                     details={"title": "Studio Fashion", "vocabulary": {
                         "garments": ["t-shirt", "ankle boot", "shirt"], "colours": ["red", "pink"],
                         "also": ["boot"], "example": "a red shirt"}})
SD = ModelEntry("sd", "/m/sd", "diffusers", family="sd1")


def test_vocabulary_chips_placeholder_and_warning(qtbot):
    from studio.ui.prompt_editor import PromptEditor

    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_models([FASHION, SD])
    assist = editor.assist
    assert assist.knows_label.text() == "Studio Fashion knows 3 garments × 2 colours (English prompts only):"
    assert "a red shirt" in editor.prompt_edit.placeholderText()
    editor.prompt_edit.setPlainText("a black boot")
    assert "has not learnt black" in assist.warning() and "red, pink" in assist.warning()
    editor.prompt_edit.setPlainText("a lighthouse at dusk")
    assert "no word of this prompt" in assist.warning()
    editor.prompt_edit.setPlainText("a ")
    editor.prompt_edit.moveCursor(editor.prompt_edit.textCursor().MoveOperation.End)
    assist.findChild(type(assist.expand_button), "chip_pink").click()
    assist.findChild(type(assist.expand_button), "chip_ankle boot").click()
    assert editor.prompt_edit.toPlainText() == "a pink ankle boot"
    assert assist.warning() == ""
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("sd"))
    assert assist.chips.isHidden() and assist.warning() == ""  # open-ended models get no chips, no warning
    assert "lighthouse" in editor.prompt_edit.placeholderText()


def test_cli_expand_uses_the_expanded_prompt(tiny_llama_dir, tiny_sd_dir, studio_home, tmp_path):
    """`main.py generate image --expand` in its own process, forked from the session's warm parent (torch
    imported once: tests.fixtures.host_zygote), as the other `generate image` CLI tests."""
    import os

    from studio.core.pngmeta import read_png_parameters
    from tests.fixtures.host_zygote import warm_cli

    shutil.copytree(tiny_llama_dir, studio_home / "models" / "tiny-llama")
    (studio_home / "settings.json").write_text('{"default_text_model": "tiny-llama", "scan_hf_cache": false}')
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1")
    proc = warm_cli(["generate", "image", "--prompt", "a red sneaker", "--expand", "--model", str(tiny_sd_dir),
                     "--steps", "1", "--width", "64", "--height", "64", "--seed", "1"], env, 300)
    assert proc.returncode == 0, proc.stderr
    [png] = proc.stdout.split()  # stdout: the PNG path only
    used = read_png_parameters(png).prompt
    assert f"prompt: {used}" in proc.stderr
