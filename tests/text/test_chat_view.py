"""The chat shows answers as Markdown, keeps regenerated answers (‹ 1/2 ›), and a template never
changes the system prompt or Max new tokens without asking."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.text_templates import ContentTemplate
from studio.ui.text_chat import ChatView
from studio.ui.text_workspace import TextWorkspace


def test_answers_render_markdown_and_what_you_typed_stays_as_typed(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message("user", "make it **bold**")
    answer = view.add_message("assistant", "")
    for chunk in ("Here is **bold**, `code` and a list:\n\n", "- one\n- two\n\n", "<b>raw html</b>"):
        answer.append(chunk)  # rendered as it streams
    view.show()
    html = answer.label.text()
    assert "**" not in html and "font-weight" in html and "<li" in html  # bold and a list, not asterisks
    assert "&lt;b&gt;raw html&lt;/b&gt;" in html  # a model's HTML is shown as text, never interpreted
    assert answer.text().startswith("Here is **bold**")  # Copy and Edit give the Markdown source
    assert view.widgets()[0].label.text() == "make it **bold**"


def test_regenerated_answers_stay_one_click_away(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message("user", "a name for a cat")
    answer = view.add_message("assistant", "Tom")
    assert not answer.alt_label.isVisibleTo(answer)
    answer.begin_alternative()
    answer.append("Felix")
    assert answer.alternatives() == ["Tom", "Felix"] and answer.alt_label.text() == "2/2"
    changed = []
    view.alternative_changed.connect(changed.append)
    answer.prev_button.click()
    assert answer.text() == "Tom" and answer.alt_label.text() == "1/2" and changed == [1]
    assert view.messages()[-1] == ("assistant", "Tom")  # the conversation goes on from the one shown
    answer.begin_alternative()
    assert answer.drop_alternative() and answer.alternatives() == ["Tom", "Felix"]  # a failed retry leaves no gap
    answer.show_alternative(0)
    view.add_message("user", "another")
    assert answer.alternatives() == ["Tom"] and not answer.prev_button.isVisibleTo(answer)


def _answer_question(button_text: str) -> None:
    """Click ``button_text`` on the template question once it is open (it is modal)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        next(b for b in box.buttons() if b.text() == button_text).click()
    QTimer.singleShot(0, click)


def test_a_template_asks_before_changing_your_settings(qtbot, paths):
    ws = TextWorkspace(None, paths, models=[])
    qtbot.addWidget(ws)
    ws.show()
    ws.system_edit.setPlainText("You answer in French.")
    ws.controls.max_new_tokens.setValue(256)
    ws.controls.temperature.setValue(0.7)
    poem = ContentTemplate(name="poem", title="Poem", prompt="Write a poem.", system="You are a poet.",
                           temperature=0.9, max_new_tokens=400)
    changes = {name for name, _mine, _theirs in ws.template_changes(poem, "chat")}
    assert changes == {"Temperature", "Max new tokens", "System prompt"}

    _answer_question("Keep mine")
    assert ws.apply_template(poem, "Write a poem.", "chat")
    assert ws.system_edit.toPlainText() == "You answer in French."
    assert ws.controls.values()["max_new_tokens"] == 256 and ws.controls.values()["temperature"] == 0.7
    assert ws.chat_view.messages()[0] == ("user", "Write a poem.")

    _answer_question("Cancel")
    assert not ws.apply_template(poem, "Write a poem.", "chat")
    assert len(ws.chat_view.messages()) == 1  # nothing sent

    _answer_question("Use the template's")
    assert ws.apply_template(poem, "Write a poem.", "chat")
    assert ws.system_edit.toPlainText() == "You are a poet."
    assert ws.controls.values()["max_new_tokens"] == 400 and ws.controls.values()["temperature"] == 0.9

    # Nothing to change: no question at all.
    assert ws.template_changes(poem, "chat") == []
    assert ws.apply_template(poem, "Write a poem.", "chat")
