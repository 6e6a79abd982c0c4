"""Prompt tools in the prompt editor: prompt history (Alt+Up/Alt+Down, or Up on the first line and Down on
the last while walking; Generate ▸ Prompt history… searches it) and autocomplete of known words (the
model's vocabulary, LoRAs as ``<lora:name:1>``, wildcards as ``__name__``).

The logic lives in ``studio.core.prompt_history`` and ``studio.core.prompt_complete``; this module maps keys
and shows the popup. The main window makes one :class:`PromptTools` with its other workspaces and puts its
:attr:`~PromptTools.history_action` in the Generate menu.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (QCompleter, QDialog, QDialogButtonBox, QLineEdit, QListWidget, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from studio.core.prompt_complete import candidates, completions, word_at
from studio.core.prompt_history import HistoryWalker, PromptHistory
from studio.core.specs.wildcards import wildcard_names
from studio.ui.lora_picker import tag_name

if TYPE_CHECKING:
    from studio.ui.prompt_editor import PromptEditor
    from studio.ui.session import StudioSession

_POPUP_KEYS = (Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def replace_text(edit: QPlainTextEdit, text: str) -> None:
    """The whole box becomes ``text`` in one undo step, the cursor at its end."""
    cursor = QTextCursor(edit.document())
    cursor.beginEditBlock()
    cursor.select(QTextCursor.SelectionType.Document)
    cursor.insertText(text)
    cursor.endEditBlock()
    edit.moveCursor(QTextCursor.MoveOperation.End)


class PromptTools(QObject):
    """History walking and the autocomplete popup of the prompt editor's prompt box."""

    def __init__(self, session: StudioSession, editor: PromptEditor) -> None:
        super().__init__(session)
        self.session, self.editor = session, editor
        self.edit: QPlainTextEdit = self.editor.prompt_edit
        self.history = PromptHistory.open(session.paths)
        self.walker = HistoryWalker()
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(self.edit)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.activated.connect(self.insert_completion)
        self.edit.installEventFilter(self)
        self.editor.generate_requested.connect(lambda _specs: self.history.add(self.edit.toPlainText()))
        self.history_action = QAction(self.tr("Prompt history…"), self)
        self.history_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.history_action.triggered.connect(lambda: self.open_history())
        self.edit.setToolTip(self.tr("Alt+Up / Alt+Down: earlier prompts; Ctrl+Shift+H searches them"))

    # -- history -------------------------------------------------------------------------------
    def older(self) -> bool:
        if not self.walker.walking:
            self.walker.start(self.history.prompts, self.edit.toPlainText())
        text = self.walker.older(self.edit.toPlainText())
        if text is None:
            return False
        replace_text(self.edit, text)
        return True

    def newer(self) -> bool:
        text = self.walker.newer()
        if text is None:
            return False
        replace_text(self.edit, text)
        return True

    def open_history(self) -> "PromptHistoryDialog":
        dialog = PromptHistoryDialog(self.history, self.editor.window())
        dialog.chosen.connect(lambda text: (replace_text(self.edit, text), self.edit.setFocus()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- autocomplete ----------------------------------------------------------------------------
    def known_words(self) -> list[str]:
        vocab = self.editor.assist.vocabulary()
        loras = [tag_name(e) for e in getattr(self.editor.lora_picker, "_entries", [])]
        return candidates(vocab.words() if vocab else (), loras, wildcard_names(self.session.paths.wildcards))

    def update_popup(self) -> list[str]:
        """Show the completions of the word at the cursor (hide the popup when there are none)."""
        cursor = self.edit.textCursor()
        _start, word = word_at(self.edit.toPlainText(), cursor.position())
        items = completions(word, self.known_words()) if not cursor.hasSelection() else []
        popup = self.completer.popup()
        if not items:
            popup.hide()
            return []
        self.model.setStringList(items)
        rect = self.edit.cursorRect()
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width() + 8)
        self.completer.complete(rect)
        popup.setCurrentIndex(self.model.index(0, 0))
        return items

    def insert_completion(self, text: str) -> None:
        cursor = self.edit.textCursor()
        start, _word = word_at(self.edit.toPlainText(), cursor.position())
        cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text)
        self.edit.setTextCursor(cursor)

    # -- keys ------------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if obj is not self.edit or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        key, mods = event.key(), event.modifiers()
        if self.completer.popup().isVisible() and key in _POPUP_KEYS:
            return True  # the popup takes them (Enter/Tab insert, Esc closes)
        alt = mods == Qt.KeyboardModifier.AltModifier
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        cursor = self.edit.textCursor()
        if key == Qt.Key.Key_Up and (alt or (plain and self._on_first_line(cursor))):
            return self.older() or alt
        if key == Qt.Key.Key_Down and (alt or (plain and self.walker.walking and self._on_last_line(cursor))):
            return self.newer() or alt
        if key not in (Qt.Key.Key_Up, Qt.Key.Key_Down) and event.text():
            self.walker.index = -1  # typing ends the walk; the text typed into becomes the draft
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                QTimer.singleShot(0, self.update_popup)
        return False

    def _on_first_line(self, cursor: QTextCursor) -> bool:
        probe = QTextCursor(cursor)
        return not probe.movePosition(QTextCursor.MoveOperation.Up)

    def _on_last_line(self, cursor: QTextCursor) -> bool:
        probe = QTextCursor(cursor)
        return not probe.movePosition(QTextCursor.MoveOperation.Down)


class PromptHistoryDialog(QDialog):
    """Search every prompt used; Enter or a double click puts one into the prompt box."""

    chosen = Signal(str)

    def __init__(self, history: PromptHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Prompt history"))
        self.history = history
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search prompts…"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Use prompt"))
        layout = QVBoxLayout(self)
        for w in (self.search, self.list, buttons):
            layout.addWidget(w)
        self.search.textChanged.connect(self.refresh)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.resize(560, 420)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        found = self.history.search(self.search.text())
        self.list.addItems(found)
        if found:
            self.list.setCurrentRow(0)
        else:
            self.list.addItem(self.tr("No prompt matches.") if self.history.prompts else
                              self.tr("No prompts yet: every prompt you generate with is kept here."))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.chosen.emit(item.text())
        super().accept()
