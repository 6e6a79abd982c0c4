"""The Settings dialog: a list of pages on the left, OK saves (atomically), Cancel changes nothing.

OK is enabled only while every field on every page is valid. On OK the settings file is re-read
(another part of the studio may have saved, e.g. the model manager's offline switch), the edited
fields are laid over it, the result is written atomically and :attr:`SettingsDialog.saved` tells
the window, which applies it (theme at once, engine settings from the next job).
"""
from __future__ import annotations

import importlib
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QHBoxLayout, QLabel, QListWidget, QMessageBox,
                               QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from studio.core.settings import Settings, load_settings, save_settings
from studio.ui import theme
from studio.ui.settings import PAGES
from studio.ui.settings.page import SettingsContext, SettingsPage

P = TypeVar("P", bound=SettingsPage)


class SettingsDialog(QDialog):
    """Edit the settings file; ``saved(Settings)`` after a successful OK."""

    saved = Signal(object)

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("Settings"))
        self.context = context
        self.original = load_settings(context.paths.settings_file)
        self.nav = QListWidget()
        self.nav.setObjectName("settings_nav")
        self.nav.setFixedWidth(150)
        self.stack = QStackedWidget()
        self.pages: list[SettingsPage] = []
        for module_name, class_name in PAGES:
            page: SettingsPage = getattr(importlib.import_module(module_name), class_name)(context)
            page.load(self.original)
            page.changed.connect(self._update_ok)
            self.pages.append(page)
            scroll = QScrollArea()  # a long page (Engine) scrolls instead of squeezing its hints
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setMinimumWidth(page.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
            self.stack.addWidget(scroll)
            self.nav.addItem(page.page_title())
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.summary = QLabel()
        self.summary.setObjectName("settings_summary")
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setToolTip(self.tr("Show the default of every field (saved only when you press OK)"))
        defaults.clicked.connect(self.restore_defaults)
        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.buttons)
        self.resize(720, 480)
        self._update_ok()

    def restore_defaults(self) -> None:
        """Fill every page with the defaults; nothing is saved until OK."""
        for page in self.pages:
            page.load(Settings())
        self._update_ok()

    def page(self, cls: type[P]) -> P:
        """The page of class ``cls`` (tests and callers that open the dialog on one page)."""
        return next(p for p in self.pages if isinstance(p, cls))

    def show_page(self, cls: type) -> None:
        self.nav.setCurrentRow(self.pages.index(self.page(cls)))

    def changes(self) -> dict[str, object]:
        """{setting: new value} for the fields that differ from the file's values."""
        out: dict[str, object] = {}
        for page in self.pages:
            for name, value in page.values().items():
                if getattr(self.original, name) != value:
                    out[name] = value
        return out

    def _update_ok(self) -> None:
        bad = [(p, name, why) for p in self.pages for name, why in p.errors().items()]
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not bad)
        if bad:
            page, _name, why = bad[0]
            self.summary.setText(self.tr("{0}: {1}").format(page.page_title(), why))
            self.summary.setStyleSheet(theme.css("error", self))
        else:
            self.summary.setText("")
        for i, page in enumerate(self.pages):
            item = self.nav.item(i)
            item.setText(page.page_title() + (" ⚠" if page.errors() else ""))

    def accept(self) -> None:
        if not all([p.validate() for p in self.pages]):
            self._update_ok()
            return
        changes = self.changes()
        if changes:
            current = load_settings(self.context.paths.settings_file)  # keep what others saved meanwhile
            new: Settings = current.replace(**changes)
            try:
                save_settings(self.context.paths.settings_file, new)
            except OSError as exc:
                QMessageBox.warning(self, self.tr("Settings"),
                                    self.tr("Could not save the settings (nothing was changed): {0}").format(exc))
                return
            self.saved.emit(new)
        super().accept()
