"""Content templates dialog: pick a template, fill in its fields, use it in chat or completion; save your own."""
from __future__ import annotations

import html

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QInputDialog, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.text_templates import ContentTemplate, TemplateStore, render


class TemplatesDialog(QDialog):
    """After ``exec()``: ``result_prompt``, ``result_template`` and ``target`` ("chat" or "completion")."""

    def __init__(self, store: TemplateStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Content templates"))
        self.store = store
        self.result_prompt = ""
        self.result_template: ContentTemplate | None = None
        self.target = "chat"
        self._inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        lay = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.currentIndexChanged.connect(self._show_template)
        lay.addWidget(self.combo)
        self.description = QLabel()
        self.description.setWordWrap(True)
        lay.addWidget(self.description)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        lay.addWidget(self.form_host)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        lay.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.chat_button = buttons.addButton(self.tr("Ask in chat"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.completion_button = buttons.addButton(self.tr("Write in completion"),
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.new_button = QPushButton(self.tr("New template…"))
        self.new_button.setToolTip(self.tr("Save your own template: a prompt with {field} placeholders"))
        buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.chat_button.clicked.connect(lambda: self._accept("chat"))
        self.completion_button.clicked.connect(lambda: self._accept("completion"))
        self.new_button.clicked.connect(self._new_template)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._templates: list[ContentTemplate] = []
        self.reload()

    def reload(self, select: str = "") -> None:
        self._templates = self.store.all()
        self.combo.blockSignals(True)
        self.combo.clear()
        for t in self._templates:
            self.combo.addItem(t.title if t.builtin else self.tr("{0} (mine)").format(t.title), t.name)
        self.combo.blockSignals(False)
        idx = max(0, self.combo.findData(select)) if select else 0
        self.combo.setCurrentIndex(idx)
        self._show_template(idx)

    def current(self) -> ContentTemplate | None:
        i = self.combo.currentIndex()
        return self._templates[i] if 0 <= i < len(self._templates) else None

    def _show_template(self, index: int) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._inputs = {}
        t = self.current()
        if t is None:
            return
        self.description.setText(t.description)
        for f in t.fields:
            w: QLineEdit | QPlainTextEdit
            if f.multiline:
                w = QPlainTextEdit()
                w.setPlaceholderText(f.hint)
                w.setFixedHeight(70)
            else:
                w = QLineEdit()
                w.setPlaceholderText(f.hint)
            w.setObjectName(f"field_{f.name}")
            self._inputs[f.name] = w
            self.form.addRow(f.label or f.name, w)
        self.error.clear()

    def set_field(self, name: str, value: str) -> None:
        w = self._inputs[name]
        if isinstance(w, QPlainTextEdit):
            w.setPlainText(value)
        else:
            w.setText(value)

    def values(self) -> dict[str, str]:
        return {n: (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()) for n, w in self._inputs.items()}

    def _accept(self, target: str) -> None:
        t = self.current()
        if t is None:
            return
        try:
            self.result_prompt = render(t, self.values())
        except StudioError as exc:
            self.error.setText(str(exc))
            return
        self.result_template, self.target = t, target
        self.accept()

    def _new_template(self) -> None:
        prompt, ok = QInputDialog.getMultiLineText(
            self, self.tr("New template"),
            self.tr("Prompt, with {field} placeholders for what changes each time:"),
            self.tr("Write a {kind} about {topic}."))
        if not ok or not prompt.strip():
            return
        title, ok = QInputDialog.getText(self, self.tr("New template"), self.tr("Title:"))
        if not ok or not title.strip():
            return
        name = "".join(c if c.isalnum() else "_" for c in title.strip().lower())[:60].strip("_") or "template"
        try:
            saved = self.store.save(ContentTemplate(name=name, title=title.strip(), prompt=prompt))
        except StudioError as exc:
            QMessageBox.warning(self, self.tr("New template"), str(exc))
            return
        self.reload(select=saved.name)


class TemplateSettingsQuestion(QMessageBox):
    """Asked before a template changes the user's settings: :meth:`ask` → "template", "mine" or "cancel"."""

    def __init__(self, parent: QWidget, title: str, changes: list[tuple[str, str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("template_settings_question")
        self.setWindowTitle(self.tr("Template settings"))
        self.setText(self.tr("The template “{0}” comes with its own settings. Use them?").format(title))
        rows = "".join(f"<tr><td><b>{html.escape(name)}</b></td><td>{html.escape(mine[:120])}</td>"
                       f"<td>→ {html.escape(theirs[:120])}</td></tr>" for name, mine, theirs in changes)
        self.setInformativeText(f"<table cellspacing='4'><tr><td></td><td>{html.escape(self.tr('yours'))}</td>"
                                f"<td>{html.escape(self.tr('template'))}</td></tr>{rows}</table>")
        self.use = self.addButton(self.tr("Use the template's"), QMessageBox.ButtonRole.AcceptRole)
        self.keep = self.addButton(self.tr("Keep mine"), QMessageBox.ButtonRole.RejectRole)
        self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.use)

    def ask(self) -> str:
        self.exec()
        clicked = self.clickedButton()
        return "template" if clicked is self.use else "mine" if clicked is self.keep else "cancel"
