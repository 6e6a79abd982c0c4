"""The chat transcript: one bubble per message, streamed text appended in place, edit & copy per message.

Answers are shown as Markdown (bold, lists, code blocks, tables; raw HTML in a model's answer is shown as
text, never interpreted). Regenerate keeps the earlier answers of the last turn: ‹ 1/2 › switches between
them, and the one shown is the one the conversation continues from.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea,
                               QSizePolicy, QToolButton, QVBoxLayout, QWidget)


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as HTML for a QLabel, with any raw HTML in it kept as text."""
    doc = QTextDocument()
    doc.setMarkdown(text, QTextDocument.MarkdownFeature(
        QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value | QTextDocument.MarkdownFeature.MarkdownNoHTML.value))
    return doc.toHtml()


class MessageWidget(QFrame):
    """One message: a role header with copy/edit buttons and the text (editable on request)."""

    copy_requested = Signal(object)
    edit_finished = Signal(object, str)  # self, new text
    alternative_changed = Signal(object)  # self, after ‹ or › showed another answer

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.setObjectName(f"message_{role}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("role", role)
        self._alternatives = [text]  # answers to the same turn (Regenerate); the shown one is _index
        self._index = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 6)
        head = QHBoxLayout()
        labels = {"user": self.tr("You"), "assistant": self.tr("Assistant"), "system": self.tr("System")}
        self.header = QLabel(f"<b>{labels.get(role, role)}</b>")
        head.addWidget(self.header)
        self.status = QLabel()
        self.status.setStyleSheet("color: gray;")
        head.addWidget(self.status)
        head.addStretch(1)
        self.prev_button = QToolButton()
        self.prev_button.setObjectName("previous_answer")
        self.prev_button.setText("‹")
        self.prev_button.setToolTip(self.tr("The previous answer"))
        self.prev_button.clicked.connect(lambda: self.show_alternative(self._index - 1))
        self.alt_label = QLabel()
        self.alt_label.setObjectName("answer_number")
        self.next_button = QToolButton()
        self.next_button.setObjectName("next_answer")
        self.next_button.setText("›")
        self.next_button.setToolTip(self.tr("The next answer"))
        self.next_button.clicked.connect(lambda: self.show_alternative(self._index + 1))
        for w in (self.prev_button, self.alt_label, self.next_button):
            head.addWidget(w)
        self._frozen = False
        self.copy_button = QToolButton()
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy this message to the clipboard"))
        self.copy_button.clicked.connect(self.copy)
        self.edit_button = QToolButton()
        self.edit_button.setText(self.tr("Edit"))
        self.edit_button.setToolTip(self.tr(
            "Edit this message; the conversation continues from it (later messages are replaced)"))
        self.edit_button.clicked.connect(self.start_edit)
        head.addWidget(self.copy_button)
        head.addWidget(self.edit_button)
        lay.addLayout(head)
        self.label = QLabel()
        self.label.setObjectName("message_text")
        # Answers are Markdown; what a person typed is shown exactly as typed.
        self.label.setTextFormat(Qt.TextFormat.RichText if role == "assistant" else Qt.TextFormat.PlainText)
        self.label.setOpenExternalLinks(False)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        lay.addWidget(self.label)
        self.editor = QPlainTextEdit()
        self.editor.hide()
        lay.addWidget(self.editor)
        self.edit_bar = QWidget()
        bar = QHBoxLayout(self.edit_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addStretch(1)
        self.cancel_edit_button = QPushButton(self.tr("Cancel"))
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.save_edit_button = QPushButton(self.tr("Save && continue"))
        self.save_edit_button.setToolTip(self.tr(
            "Keep the edit: after your message the model answers again; after an answer it continues it"))
        self.save_edit_button.clicked.connect(self._finish_edit)
        bar.addWidget(self.cancel_edit_button)
        bar.addWidget(self.save_edit_button)
        self.edit_bar.hide()
        lay.addWidget(self.edit_bar)
        self._refresh()

    def text(self) -> str:
        """The answer shown (the one the conversation continues from)."""
        return self._alternatives[self._index]

    def set_text(self, text: str) -> None:
        self._alternatives[self._index] = text
        self._refresh()

    def append(self, chunk: str) -> None:
        self._alternatives[self._index] += chunk
        self._refresh()

    # -- alternatives (Regenerate) ------------------------------------------------------------
    def alternatives(self) -> list[str]:
        return list(self._alternatives)

    def current_index(self) -> int:
        return self._index

    def set_alternatives(self, answers: list[str], index: int) -> None:
        """Restore the answers of a saved turn (``index``: the one shown); ignored when inconsistent."""
        if answers and 0 <= index < len(answers) and answers[index] == self.text():
            self._alternatives, self._index = list(answers), index
            self._refresh()

    def begin_alternative(self) -> None:
        """Start a new, empty answer to the same turn (the earlier ones stay, behind ‹)."""
        self._alternatives.append("")
        self._index = len(self._alternatives) - 1
        self._refresh()

    def drop_alternative(self) -> bool:
        """Remove the shown answer (an empty one after a failure or Stop); False when it is the only one."""
        if len(self._alternatives) < 2:
            return False
        del self._alternatives[self._index]
        self._index = len(self._alternatives) - 1
        self._refresh()
        return True

    def show_alternative(self, index: int) -> None:
        if 0 <= index < len(self._alternatives) and index != self._index:
            self._index = index
            self._refresh()
            self.alternative_changed.emit(self)

    def freeze(self) -> None:
        """A later turn builds on the answer shown: keep it and drop the switcher."""
        self._alternatives = [self.text()]
        self._index = 0
        self._frozen = True
        self._refresh()

    def _refresh(self) -> None:
        text = self.text()
        if not text:
            self.label.setText("…")
        elif self.label.textFormat() == Qt.TextFormat.RichText:
            self.label.setText(markdown_html(text))
        else:
            self.label.setText(text)
        many = len(self._alternatives) > 1
        for w in (self.prev_button, self.alt_label, self.next_button):
            w.setVisible(many)
        self.alt_label.setText(f"{self._index + 1}/{len(self._alternatives)}")
        self.prev_button.setEnabled(self._index > 0 and self.edit_button.isEnabled())
        self.next_button.setEnabled(self._index < len(self._alternatives) - 1 and self.edit_button.isEnabled())

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_requested.emit(self)

    def start_edit(self) -> None:
        self.editor.setPlainText(self.text())
        self.label.hide()
        self.editor.show()
        self.edit_bar.show()
        self.editor.setFocus()

    def cancel_edit(self) -> None:
        self.editor.hide()
        self.edit_bar.hide()
        self.label.show()

    def _finish_edit(self) -> None:
        new = self.editor.toPlainText()
        self.cancel_edit()
        self.set_text(new)
        self.edit_finished.emit(self, new)

    def set_editable(self, on: bool) -> None:
        self.edit_button.setEnabled(on)
        self._refresh()  # ‹ › wait while an answer is being written


class ChatView(QScrollArea):
    """A scrolling column of MessageWidgets; follows the bottom while text streams in."""

    edit_finished = Signal(int, str)  # message index, new text
    alternative_changed = Signal(int)  # message index whose shown answer changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setWidgetResizable(True)
        self._inner = QWidget()
        self._col = QVBoxLayout(self._inner)
        self._col.setContentsMargins(6, 6, 6, 6)
        self._col.addStretch(1)
        self.setWidget(self._inner)
        self._messages: list[MessageWidget] = []
        self._follow = True
        self.verticalScrollBar().rangeChanged.connect(self._on_range)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def messages(self) -> list[tuple[str, str]]:
        return [(m.role, m.text()) for m in self._messages]

    def widgets(self) -> list[MessageWidget]:
        return list(self._messages)

    def clear(self) -> None:
        for m in self._messages:
            m.setParent(None)
            m.deleteLater()
        self._messages = []

    def set_messages(self, messages: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> None:
        self.clear()
        for role, text in messages:
            self.add_message(role, text)

    def add_message(self, role: str, text: str = "") -> MessageWidget:
        if self._messages:
            self._messages[-1].freeze()  # the conversation goes on from the answer shown
        m = MessageWidget(role, text, self._inner)
        m.edit_finished.connect(lambda w, t: self.edit_finished.emit(self._messages.index(w), t))
        m.alternative_changed.connect(lambda w: self.alternative_changed.emit(self._messages.index(w)))
        self._col.insertWidget(self._col.count() - 1, m)
        self._messages.append(m)
        self._follow = True
        return m

    def last(self) -> MessageWidget | None:
        return self._messages[-1] if self._messages else None

    def truncate(self, count: int) -> None:
        """Keep only the first ``count`` messages."""
        for m in self._messages[count:]:
            m.setParent(None)
            m.deleteLater()
        self._messages = self._messages[:count]

    def set_busy(self, busy: bool) -> None:
        for m in self._messages:
            m.set_editable(not busy)

    def _on_scrolled(self, value: int) -> None:
        # Follow new text only while the user is at the bottom (reading older messages stays put).
        self._follow = value >= self.verticalScrollBar().maximum() - 4

    def _on_range(self, lo: int, hi: int) -> None:
        if self._follow:
            QTimer.singleShot(0, lambda: self.verticalScrollBar().setValue(self.verticalScrollBar().maximum()))


class ChatInput(QPlainTextEdit):
    """The message box: Enter sends, Shift+Enter starts a new line."""

    send_requested = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.send_requested.emit()
            return
        super().keyPressEvent(event)
