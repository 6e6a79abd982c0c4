"""Light and dark colours: the application palette and the few colours widgets pick themselves.

``apply_theme(app, "system" | "light" | "dark")`` sets the Fusion style's palette (dark: a palette
made here; light: the style's own). Widgets that draw their own colours (prompt highlighter, queue
states, plots, messages) ask :func:`is_dark` and :func:`colour` for a readable one and redo it on
``QEvent.PaletteChange``, which Qt sends to every widget when the application palette changes.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# name: (on light, on dark): the one table of semantic colours; dark variants are lighter so they read on grey.
COLOURS: dict[str, tuple[str, str]] = {
    "error": ("#c0392b", "#ff7b72"),
    "warning": ("#9a6700", "#e3b341"),
    "muted": ("#6c757d", "#9aa0a6"),
    "accent": ("#1f6fb2", "#6cb6ff"),
    "canvas": ("#3c3f44", "#1e1f22"),
    "canvas_text": ("#c8ccd0", "#9aa0a6"),
    "notice_bg": ("#fff4e5", "#3d2e12"),
    "notice_fg": ("#7a4a00", "#f0c674"),
}
PROPERTY = "studio_theme"  # the QApplication property holding the chosen mode


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#2b2d31"), QColor("#1e1f22"), QColor("#e3e5e8")
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor("#26282c"),
        QPalette.ColorRole.ToolTipBase: QColor("#111214"), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8b9096"), QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#35373c"), QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff7b72"), QPalette.ColorRole.Highlight: QColor("#3d7bd9"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"), QPalette.ColorRole.Link: QColor("#6cb6ff"),
        QPalette.ColorRole.LinkVisited: QColor("#b99cff"), QPalette.ColorRole.Light: QColor("#4a4d52"),
        QPalette.ColorRole.Midlight: QColor("#3e4045"), QPalette.ColorRole.Mid: QColor("#2f3136"),
        QPalette.ColorRole.Dark: QColor("#1a1b1e"), QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    disabled = QColor("#7a7e84")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def system_is_dark() -> bool:
    """Whether the desktop asks for dark colours (Qt's colour-scheme hint; light when unknown)."""
    app = QGuiApplication.instance()
    return app is not None and QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str) -> bool:
    """Use ``mode`` ("system", "light", "dark") for the whole application; returns whether it is dark."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # the one built-in style that follows a palette fully on every platform
    dark = mode == "dark" or (mode == "system" and system_is_dark())
    app.setProperty(PROPERTY, mode)
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    return dark


def follow_system(app: QApplication) -> None:
    """Re-apply "system" when the desktop switches between light and dark."""
    QGuiApplication.styleHints().colorSchemeChanged.connect(
        lambda _scheme: app.property(PROPERTY) == "system" and apply_theme(app, "system"))


def is_dark(widget: QWidget | None = None) -> bool:
    """Whether ``widget`` (else the application) is drawn on a dark background."""
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str, widget: QWidget | None = None) -> QColor:
    """The semantic colour ``name`` (see COLOURS) readable on ``widget``'s background."""
    light, dark = COLOURS[name]
    return QColor(dark if is_dark(widget) else light)


def css(name: str, widget: QWidget | None = None) -> str:
    """``color: …;`` for a style sheet."""
    return f"color: {colour(name, widget).name()};"
