"""Completion mode: a document the model continues at the cursor, the new text streaming in place."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextCharFormat, QColor, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class CompletionEditor(QPlainTextEdit):
    """A plain-text document. ``begin_insert()`` anchors where streamed text goes; the user may keep typing."""

    continue_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CompletionEditor")
        self.setPlaceholderText(self.tr(
            "Write the beginning of a text, put the cursor where it should go on, and press Continue "
            "(Ctrl+Enter). The model writes from the cursor."))
        self._insert: QTextCursor | None = None
        self._start = 0
        self._generated = QTextCharFormat()
        self._generated.setForeground(QColor("#1f6fb2"))  # streamed text stands out until the next edit

    def prompt_before_cursor(self) -> str:
        """The text the model continues: everything before the cursor (or the selection's end)."""
        cur = self.textCursor()
        pos = max(cur.position(), cur.anchor())
        return self.toPlainText()[:pos]

    def begin_insert(self) -> None:
        cur = self.textCursor()
        cur.setPosition(max(cur.position(), cur.anchor()))
        self._insert = cur
        self._start = cur.position()

    def insert_streamed(self, chunk: str) -> None:
        if self._insert is None:
            self.begin_insert()
        assert self._insert is not None
        self._insert.insertText(chunk, self._generated)
        self.setTextCursor(self._insert)
        self.ensureCursorVisible()

    def replace_streamed(self, text: str) -> None:
        """Make what this answer streamed ``text`` (the engine's final answer, e.g. a loop cut short)."""
        if self._insert is None:
            return
        cur = QTextCursor(self.document())
        cur.setPosition(self._start)
        cur.setPosition(self._insert.position(), QTextCursor.MoveMode.KeepAnchor)
        if cur.selectedText().replace("\u2029", "\n") != text:
            cur.insertText(text, self._generated)
            self._insert = cur
            self.setTextCursor(cur)

    def end_insert(self) -> None:
        self._insert = None

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        from PySide6.QtCore import Qt

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.continue_requested.emit()
            return
        # Typed text uses the normal colour, not the colour of the generated text before it.
        self.setCurrentCharFormat(QTextCharFormat())
        super().keyPressEvent(event)
