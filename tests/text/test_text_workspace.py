"""The Text workspace with a real JobPool and the real text engine on a tiny model."""
from __future__ import annotations

from PySide6.QtCore import Qt

from studio.core.conversations import ConversationStore
from studio.core.models.registry import ModelEntry
from studio.ui.text_workspace import TextWorkspace


def _lm(folder) -> ModelEntry:
    """A scan's entry for a causal-LM folder, named by its path."""
    return ModelEntry(str(folder), str(folder), "causal_lm")

WAIT_MS = 120_000


def _workspace(qtbot, pool, paths, model_dir) -> TextWorkspace:
    ws = TextWorkspace(pool, paths, models=[_lm(model_dir)])
    qtbot.addWidget(ws)
    ws.model_combo.setCurrentIndex(ws.model_combo.findData(str(model_dir)))
    ws.controls.random_seed.setChecked(False)
    ws.controls.temperature.setValue(0.0)
    ws.resize(1100, 700)
    ws.show()
    return ws


def test_chat_streams_stops_and_is_saved(qtbot, text_pool, paths, tiny_llama_long_dir):
    ws = _workspace(qtbot, text_pool, paths, tiny_llama_long_dir)
    ws.controls.max_new_tokens.setValue(4000)  # long enough that Stop ends it, not the limit
    # Sampled: the random model's greedy answer loops, and the repetition guard would end it before Stop.
    ws.controls.temperature.setValue(1.0)
    ws.controls.seed.set_seed(7)
    chunks: list[str] = []

    qtbot.keyClicks(ws.chat_input, "Hello there")
    qtbot.keyClick(ws.chat_input, Qt.Key.Key_Return)
    assert ws.job is not None and ws.stop_button.isEnabled() and not ws.send_button.isEnabled()
    ws.job.text.connect(chunks.append)  # the answer's own handle streams its text
    assert ws.chat_view.messages()[0] == ("user", "Hello there")

    # Tokens stream into the assistant bubble while the job is still running.
    qtbot.waitUntil(lambda: len(ws.chat_view.last().text()) > 20, timeout=WAIT_MS)
    assert ws.job is not None
    assert ws.chat_view.last().text() == "".join(chunks)  # the bubble shows exactly the streamed chunks

    with qtbot.waitSignal(ws.job.cancelled, timeout=WAIT_MS):
        qtbot.mouseClick(ws.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.job is None, timeout=5000)
    partial = ws.chat_view.last().text()
    assert partial and ws.chat_view.last().status.text() == "(stopped)"
    assert ws.send_button.isEnabled()

    saved = ConversationStore.for_paths(paths).list()
    assert len(saved) == 1
    assert saved[0].messages == (("user", "Hello there"), ("assistant", partial))
    assert saved[0].model == str(tiny_llama_long_dir)
    assert ws.conversation_list.count() == 1


def test_answer_finishes_with_figures_and_the_chat_restores_exactly(qtbot, text_pool, paths, tiny_llama_dir):
    ws = _workspace(qtbot, text_pool, paths, tiny_llama_dir)
    ws.controls.max_new_tokens.setValue(12)
    ws.controls.seed.set_seed(1234)
    ws.system_edit.setPlainText("You are terse.")
    qtbot.keyClicks(ws.chat_input, "First question")
    with qtbot.waitSignal(ws.answer_finished, timeout=WAIT_MS) as sig:
        ws.send()
    result = sig.args[1]
    assert ws.chat_view.last().text() == result.text and result.text
    from PySide6.QtGui import QGuiApplication

    qtbot.mouseClick(ws.chat_view.last().copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == result.text
    assert "tokens/s" in ws.speed_label.text() and ws.speed_label.text()[0].isdigit()
    assert ws.context_bar.maximum() == 256 and ws.context_bar.value() == result.tokens_used

    # Regenerate answers again and keeps the first answer behind ‹ (same fixed seed, temperature 0: same text).
    with qtbot.waitSignal(ws.answer_finished, timeout=WAIT_MS):
        ws.regenerate()
    assert [r for r, _ in ws.chat_view.messages()] == ["user", "assistant"]
    assert ws.chat_view.last().alternatives() == [result.text, result.text]
    assert ws.chat_view.last().alt_label.text() == "2/2" and ws.chat_view.last().prev_button.isEnabled()
    saved = ConversationStore.for_paths(paths).load(ws.conversation.id)
    assert saved.last_answers == (result.text, result.text) and saved.last_answer_index == 1
    reopened = TextWorkspace(text_pool, paths, models=[_lm(tiny_llama_dir)])
    qtbot.addWidget(reopened)
    reopened.open_conversation(ws.conversation.id)
    assert reopened.chat_view.last().alt_label.text() == "2/2"  # the answers come back with the chat

    # Edit & continue: edit the answer; the model continues from the edited text.
    bubble = ws.chat_view.last()
    bubble.start_edit()
    bubble.editor.setPlainText("Well,")
    with qtbot.waitSignal(ws.answer_finished, timeout=WAIT_MS):
        qtbot.mouseClick(bubble.save_edit_button, Qt.MouseButton.LeftButton)
    assert ws.chat_view.last().text().startswith("Well,") and len(ws.chat_view.last().text()) > 5
    conv_id = ws.conversation.id
    before = ws.chat_view.messages()

    other = TextWorkspace(text_pool, paths, models=[_lm(tiny_llama_dir)])
    qtbot.addWidget(other)
    assert other.conversation_list.count() == 1
    other.open_conversation(conv_id)
    assert other.chat_view.messages() == before
    assert other.system_edit.toPlainText() == "You are terse."
    assert other.model_name() == str(tiny_llama_dir)
    assert other.controls.values()["max_new_tokens"] == 12 and other.controls.seed.seed() == 1234


def test_completion_streams_at_the_cursor(qtbot, text_pool, paths, tiny_llama_dir):
    ws = _workspace(qtbot, text_pool, paths, tiny_llama_dir)
    ws.modes.setCurrentIndex(1)
    ws.controls.max_new_tokens.setValue(8)
    ws.completion.setPlainText("Dear team,\n\nTAIL")
    cur = ws.completion.textCursor()
    cur.setPosition(len("Dear team,\n\n"))
    ws.completion.setTextCursor(cur)
    with qtbot.waitSignal(ws.answer_finished, timeout=WAIT_MS) as sig:
        qtbot.mouseClick(ws.continue_button, Qt.MouseButton.LeftButton)
    text = sig.args[1].text
    assert ws.completion.toPlainText() == "Dear team,\n\n" + text + "TAIL"


def test_bad_input_is_explained_not_queued(qtbot, text_pool, paths, tiny_llama_dir):
    ws = _workspace(qtbot, text_pool, paths, tiny_llama_dir)
    ws.send()
    assert "Type a message" in ws.status_label.text() and ws.job is None
    ws.modes.setCurrentIndex(1)
    ws.continue_completion()
    assert "beginning of the text" in ws.status_label.text() and ws.job is None


def test_engine_error_is_shown_and_the_empty_answer_removed(qtbot, text_pool, paths, tiny_llama_no_template_dir):
    ws = _workspace(qtbot, text_pool, paths, tiny_llama_no_template_dir)
    qtbot.keyClicks(ws.chat_input, "Hi")
    with qtbot.waitSignal(text_pool.job_ended, timeout=WAIT_MS,
                          check_params_cb=lambda job_id, state: state == "failed"):
        ws.send()
    qtbot.waitUntil(lambda: ws.job is None, timeout=5000)
    assert "no chat template" in ws.status_label.text()
    assert ws.chat_view.messages() == [("user", "Hi")]


def test_templates_dialog_renders_and_user_templates_save(qtbot, paths):
    from studio.core.text_templates import ContentTemplate, TemplateStore
    from studio.ui.text_templates_dialog import TemplatesDialog

    store = TemplateStore.for_paths(paths)
    store.save(ContentTemplate(name="tagline", title="Tagline", prompt="A tagline for {brand}."))
    dlg = TemplatesDialog(store)
    qtbot.addWidget(dlg)
    titles = [dlg.combo.itemText(i) for i in range(dlg.combo.count())]
    assert "Poem" in titles and "Tagline (mine)" in titles
    dlg.combo.setCurrentIndex(titles.index("Poem"))
    dlg.set_field("form", "haiku")
    dlg.set_field("topic", "rain")
    dlg.chat_button.click()
    assert "Fill in “Mood”" in dlg.error.text()  # a required field left empty
    dlg.set_field("mood", "calm")
    dlg.completion_button.click()
    assert dlg.result_prompt == "Write a haiku about rain. Mood: calm." and dlg.target == "completion"


def test_main_window_mounts_the_text_workspace(qtbot, paths):
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    window = MainWindow(paths, Settings(device="cpu", scan_hf_cache=False))
    qtbot.addWidget(window)
    ws = window.workspace("text")
    assert isinstance(ws, TextWorkspace) and ws.paths == paths


def test_the_builtin_model_says_it_reads_english_only(qtbot, paths, tiny_llama_dir):
    """SmolLM2-135M was trained on English: the workspace says so while it is chosen, not for other models."""
    ws = TextWorkspace(None, paths, models=[_lm(tiny_llama_dir)])
    qtbot.addWidget(ws)
    ws.set_models([_lm(tiny_llama_dir)])
    ws.show()
    ws.model_combo.setCurrentIndex(0)  # the default: built-in SmolLM2
    assert ws.language_note.isVisible() and "English" in ws.language_note.text()
    ws.model_combo.setCurrentIndex(ws.model_combo.findData(str(tiny_llama_dir)))
    assert not ws.language_note.isVisible()
