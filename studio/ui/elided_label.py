"""A one-line label that shortens its text with "…" to fit its width instead of cutting it off.

When the whole text does not fit, its last `` · `` part (a size, say) goes first, then the rest is elided.

``text()`` stays the whole text (callers and tests read it); only the painting is shortened. Without a
tooltip of its own, the label shows its whole text as the tooltip while it is shortened.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget


class ElidedLabel(QLabel):
    """A QLabel for one line of plain text, elided (in the middle by default) to the width it is given."""

    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle, separator: str = " · ") -> None:
        super().__init__(text, parent)
        self.mode = mode
        self.separator = separator
        self.setTextFormat(Qt.TextFormat.PlainText)
        # It takes what the row leaves and never asks for more: the row's buttons keep their room.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def shown_text(self) -> str:
        """The text as painted: the whole text if it fits, else without its last part, elided to the width."""
        text, width, metrics = self.text(), max(0, self.contentsRect().width()), self.fontMetrics()
        if metrics.horizontalAdvance(text) <= width:
            return text
        head = text.rsplit(self.separator, 1)[0] if self.separator else text
        return metrics.elidedText(head, self.mode, width)

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), self.foregroundRole())
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip():
            if self.is_elided():
                QToolTip.showText(event.globalPos(), self.text(), self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
