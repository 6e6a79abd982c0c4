"""Combo boxes of what is installed: pick a model by its name, or "Automatic" (the empty value)."""
from __future__ import annotations

from typing import Iterable

from PySide6.QtWidgets import QComboBox, QWidget


class ChoiceCombo(QComboBox):
    """Items carry their setting value as data; a value not in the list (e.g. from an old settings
    file) is shown as an extra item, so loading never changes a setting silently."""

    def __init__(self, choices: Iterable[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for label, value in choices:
            self.addItem(label, value)

    def value(self) -> str:
        return str(self.currentData() if self.currentData() is not None else self.currentText())

    def set_value(self, value: str) -> None:
        index = self.findData(value)
        if index < 0:
            self.addItem(value, value)
            index = self.count() - 1
        self.setCurrentIndex(index)
