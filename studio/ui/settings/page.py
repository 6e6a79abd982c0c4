"""The base of every Settings page: fields bound to setting names, each checked inline as it changes.

A page builds its widgets and, for each, calls :meth:`SettingsPage.bind` with the setting's name, a
getter and a setter. The page then shows ``validate_setting``'s one line under a field whose value is
invalid, and the dialog reads :meth:`SettingsPage.values` only when every field on every page is valid.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from studio.core.paths import StudioPaths
from studio.core.settings import Settings, validate_setting
from studio.ui import theme

V = TypeVar("V")
"""A setting's value, as its field reads and writes it."""


@dataclass
class SettingsContext:
    """What pages may need besides the settings: the home's folders and the installed models."""

    paths: StudioPaths
    models: list = field(default_factory=list)
    """ModelEntry objects from the last scan (for pickers of installed models)."""


@dataclass
class _Field:
    name: str
    get: Callable[[], object]
    set: Callable[[object], None]
    error: QLabel
    widget: QWidget


class SettingsPage(QWidget):
    """One page of the Settings dialog. Subclasses set ``title`` and build fields in ``__init__``."""

    changed = Signal()

    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._fields: dict[str, _Field] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(self.form)
        outer.addStretch(1)

    def page_title(self) -> str:
        """The page's name in the dialog's list (each page returns its own ``self.tr("…")``)."""
        raise NotImplementedError

    def bind(self, name: str, label: str, widget: QWidget, get: Callable[[], V], set_: Callable[[V], None],
             signal: SignalInstance | None = None, help_text: str = "") -> QWidget:
        """Add ``widget`` as the editor of setting ``name``; ``signal`` (e.g. ``textChanged``) re-validates."""
        error = QLabel()
        error.setObjectName(f"{name}_error")
        error.setWordWrap(True)
        error.hide()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        if help_text:
            hint = QLabel(help_text)
            hint.setWordWrap(True)
            hint.setObjectName(f"{name}_hint")
            hint.setStyleSheet(theme.css("muted", self))
            lay.addWidget(hint)
            widget.setToolTip(help_text)
        lay.addWidget(error)
        self.form.addRow(label, box)
        self._fields[name] = _Field(name, get, set_, error, widget)
        if signal is not None:
            signal.connect(lambda *_: self._check(name))
        return widget

    def load(self, settings: Settings) -> None:
        """Show ``settings`` in the fields."""
        for f in self._fields.values():
            f.set(getattr(settings, f.name))
        self.validate()

    def values(self) -> dict[str, object]:
        """{setting name: value} as edited (valid or not)."""
        return {name: f.get() for name, f in self._fields.items()}

    def errors(self) -> dict[str, str]:
        """{setting name: why it is invalid} for the fields that are."""
        out = {}
        for name, f in self._fields.items():
            problem = validate_setting(name, f.get())
            if problem:
                out[name] = problem
        return out

    def validate(self) -> bool:
        """Show or hide each field's error line; True when all are valid."""
        return all([self._check(name, emit=False) for name in self._fields])

    def field_widget(self, name: str) -> QWidget:
        return self._fields[name].widget

    def _check(self, name: str, emit: bool = True) -> bool:
        f = self._fields[name]
        problem = validate_setting(name, f.get())
        f.error.setText(problem or "")
        f.error.setStyleSheet(theme.css("error", self))
        f.error.setVisible(bool(problem))
        if emit:
            self.changed.emit()
        return problem is None
