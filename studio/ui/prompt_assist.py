"""Help where the prompt is written: the model's vocabulary as chips, a warning for prompts outside it,
and "Expand prompt" (an LLM writes a detailed prompt, streamed into the box, undoable in one step).

The expansion job itself is queued by :mod:`studio.ui.prompt_expand` (it needs the pool); this
widget only asks for it and edits the prompt box as the text arrives.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from studio.core.i18n import _, current_language
from studio.core.models.registry import ModelEntry
from studio.core.models.vocabulary import WORD_KINDS, Vocabulary, prompt_warning, vocabulary_of
from studio.ui import theme
from studio.ui.flow_layout import FlowLayout
from studio.ui.staged import Turns

EXPAND_SHORTCUT = "Ctrl+E"
CHIPS_PER_TURN = 6
"""Chips made per event-loop turn: a model's row (18 for Studio Fashion) comes in a few short turns rather than
one long one (the first model list reaches the editor while the window starts)."""


def _cjk(ch: str) -> bool:
    """Chinese characters and punctuation: words beside them need no space."""
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


class PromptAssist(QWidget):
    """Under the prompt box: vocabulary chips, a warning line, the Expand button."""

    expand_requested = Signal(str)  # the short prompt to expand
    stop_requested = Signal()

    def __init__(self, prompt: QPlainTextEdit, parent: QWidget | None = None, turns: Turns | None = None) -> None:
        """``turns``: the window's start-up turns (the chips come a few a turn among them); else its own."""
        super().__init__(parent)
        self.setObjectName("prompt_assist")
        self.prompt = prompt
        self.turns = turns or Turns()
        self._vocab: Vocabulary | None = None
        self._title = ""
        self._expanding = False
        self._chip_rows = 0  # counts the chip rows begun: a row still being made for a former model stops
        self._chips_left: list[tuple[str, str]] = []  # (word, group) of the chips still to make
        self.knows_label = QLabel()
        self.knows_label.setObjectName("knows_label")
        self.knows_label.setStyleSheet(theme.css("muted", self))
        self.knows_label.setWordWrap(True)  # a long model title or vocabulary must not widen the window
        self.expand_button = QToolButton()
        self.expand_button.setObjectName("expand_button")
        self.expand_button.setText(self.tr("Expand prompt"))
        self.expand_button.setToolTip(self.tr("A language model writes a detailed prompt from yours, into the box "
                                              "(Ctrl+Z undoes it) ({0})").format(EXPAND_SHORTCUT))
        self.expand_button.clicked.connect(self._clicked)
        self.shortcut = QShortcut(QKeySequence(EXPAND_SHORTCUT), prompt)
        self.shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.shortcut.activated.connect(self._clicked)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.knows_label, 1)
        top.addWidget(self.expand_button)
        self.chips = QWidget()
        self.chips.setObjectName("vocabulary_chips")
        self.chips.setStyleSheet("QToolButton { padding: 0px 4px; }")  # one sheet for every chip
        self.chip_layout = FlowLayout(self.chips, spacing=2)
        self.chip_layout.setContentsMargins(0, 0, 0, 0)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("vocabulary_warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(theme.css("warning", self))
        self.warning_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.chips)
        layout.addWidget(self.warning_label)
        prompt.textChanged.connect(self._check)
        self.set_model(None)

    # -- vocabulary ---------------------------------------------------------------------------------
    def set_model(self, entry: ModelEntry | None) -> None:
        """Show what ``entry`` knows (chips for a model with a vocabulary; nothing for open-ended models)."""
        vocab = vocabulary_of(entry)
        title = str((entry.details or {}).get("title") or entry.name) if entry is not None else ""
        if self.chip_layout.count() and (vocab, title) == (self._vocab, self._title):  # the same chips (a rescan)
            self._check()
            return
        self._vocab, self._title = vocab, title
        self._chip_rows += 1
        while self.chip_layout.count():
            item = self.chip_layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.chips.hide()  # shown once all its chips are made: one layout and one paint
        vocab = self._vocab
        if vocab is None:
            self.knows_label.setText("")
            self._chips_left = []
        else:
            if "zh_CN" in vocab.languages():  # the card maps Chinese words onto the vocabulary
                self.knows_label.setText(self.tr("{0} knows {1}, in English or Chinese:").format(
                    self._title, vocab.summary()))
            else:
                self.knows_label.setText(self.tr("{0} knows {1} (English prompts only):").format(
                    self._title, vocab.summary()))
            self._chips_left = [(word, label) for label, words in vocab.groups for word in words]
            self._make_chips(self._chip_rows)
        self._check()

    def chips_ready(self) -> bool:
        """True once every chip of the model's vocabulary is made (they come :data:`CHIPS_PER_TURN` a turn)."""
        return not self._chips_left

    def finish_chips(self) -> None:
        """Make the chips still to come now (e.g. before the row is read)."""
        while self._chips_left:
            self._make_chips(self._chip_rows)

    def _make_chips(self, row: int) -> None:
        """Make the next :data:`CHIPS_PER_TURN` chips of row ``row`` (polished and measured, so showing the row
        is short); the rest follow a turn later, and the row is shown once the last is made."""
        if row != self._chip_rows or not self._chips_left:  # another model's row began meanwhile
            return
        batch, self._chips_left = self._chips_left[:CHIPS_PER_TURN], self._chips_left[CHIPS_PER_TURN:]
        for word, group in batch:
            chip = self._chip(word, group)
            self.chip_layout.addWidget(chip)
            chip.ensurePolished()
            chip.sizeHint()  # kept by the button: the row's layout asks for it again at once
        if self._chips_left:
            self.turns.later(self, lambda: self.turns.traced("vocabulary chips", lambda: self._make_chips(row)))
        else:
            self.chips.show()

    def vocabulary(self) -> Vocabulary | None:
        return self._vocab

    def placeholder(self) -> str:
        """The prompt box's placeholder for this model (its own example when it has a vocabulary)."""
        if self._vocab is not None:
            example = self._vocab.example_in(current_language()) or self._vocab.words()[0]
            return self.tr("Describe the garment… e.g. {0}").format(example)
        return self.tr("Describe the image… e.g. a lighthouse at dusk, (oil painting:1.2)")

    def _chip(self, word: str, group: str) -> QToolButton:
        """A chip for vocabulary ``word``, shown and inserted in the studio's language when the card maps it
        (运动鞋 for "sneaker": the model reads it through the mapping); its object name stays the English word."""
        assert self._vocab is not None
        shown = self._vocab.word_in(word, current_language())
        chip = QToolButton()
        chip.setText(shown)
        chip.setObjectName(f"chip_{word}")
        chip.setAutoRaise(False)
        group_name = _(WORD_KINDS.get(group, group))
        if shown == word:
            chip.setToolTip(self.tr("Insert “{0}” ({1})").format(word, group_name))
        else:
            chip.setToolTip(self.tr("Insert “{0}” ({1}; the model learnt it as “{2}”)").format(shown, group_name, word))
        chip.clicked.connect(lambda: self.insert_word(shown))
        return chip

    def insert_word(self, word: str) -> None:
        """Put ``word`` at the cursor, with a space on either side where needed (none beside Chinese)."""
        cursor = self.prompt.textCursor()
        text = self.prompt.toPlainText()
        pos = cursor.position()
        before = " " if pos > 0 and not text[pos - 1].isspace() and not (_cjk(text[pos - 1]) or _cjk(word[0])) else ""
        after = (" " if pos < len(text) and not text[pos].isspace() and not (_cjk(text[pos]) or _cjk(word[-1]))
                 else "")
        cursor.insertText(f"{before}{word}{after}")
        self.prompt.setTextCursor(cursor)
        self.prompt.setFocus()

    def warning(self) -> str:
        return self.warning_label.text() if self.warning_label.isVisible() else ""

    def _check(self) -> None:
        if self._expanding:
            return
        text = prompt_warning(self._vocab, self.prompt.toPlainText(), self._title)
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

    # -- expand prompt ------------------------------------------------------------------------------
    def _clicked(self) -> None:
        if self._expanding:
            self.stop_requested.emit()
        else:
            self.expand_requested.emit(self.prompt.toPlainText())

    def expanding(self) -> bool:
        return self._expanding

    def begin_stream(self) -> None:
        """The job started: the box is emptied (one undo step with what follows) and read-only until done."""
        self._expanding = True
        self.expand_button.setText(self.tr("Stop expanding"))
        self.prompt.setReadOnly(True)
        cursor = QTextCursor(self.prompt.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.removeSelectedText()
        cursor.endEditBlock()

    def add_chunk(self, chunk: str) -> None:
        """Streamed text, appended inside the same undo step."""
        if not self._expanding:
            return
        cursor = QTextCursor(self.prompt.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.joinPreviousEditBlock()
        cursor.insertText(chunk)
        cursor.endEditBlock()

    def finish(self, text: str) -> None:
        """The job ended with ``text`` (the tidied prompt): it replaces the stream, still one undo step."""
        if not self._expanding:
            return
        cursor = QTextCursor(self.prompt.document())
        cursor.joinPreviousEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        self._end()

    def abort(self) -> None:
        """Cancelled or failed: the prompt as it was before."""
        if not self._expanding:
            return
        self._end()
        self.prompt.undo()

    def _end(self) -> None:
        self._expanding = False
        self.prompt.setReadOnly(False)
        self.expand_button.setText(self.tr("Expand prompt"))
        self._check()
