"""Making a window action in one call: its text, what it does, its shortcuts, object name and menu role."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def make_action(parent: QObject, text: str, slot: Callable[[], object], keys: tuple[QKeySequence | str, ...] = (),
                name: str = "", role: QAction.MenuRole | None = None) -> QAction:
    """A QAction of ``parent`` calling ``slot()`` when triggered (the checked flag is not passed on)."""
    action = QAction(text, parent)
    if keys:
        action.setShortcuts([QKeySequence(k) for k in keys])
    action.triggered.connect(lambda _checked=False: slot())
    if name:
        action.setObjectName(name)
    if role is not None:
        action.setMenuRole(role)
    return action
