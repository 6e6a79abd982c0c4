"""The studio's own icons, from ``resources/icons`` (SVG where Qt's SVG plugin is present, else PNG)."""
from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QGuiApplication, QIcon, QPalette, QPixmap

from studio.core.paths import resources_dir


def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` (plus ``<name>-<size>.png`` variants when present)."""
    folder = resources_dir() / "icons"
    result = QIcon()
    for png in sorted(folder.glob(f"{name}-*.png")):
        result.addFile(str(png))
    svg = folder / f"{name}.svg"
    if svg.exists():
        ink = QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
        if ink.lightness() < 128:
            result.addFile(str(svg))
        else:  # a dark theme: the icons' dark grey ink becomes the theme's light text colour
            data = QByteArray(svg.read_bytes().replace(b"#444", ink.name().encode()))
            pixmap = QPixmap()
            if pixmap.loadFromData(data, "SVG"):
                result.addPixmap(pixmap)
            else:
                result.addFile(str(svg))
    return result


def app_icon() -> QIcon:
    return icon("studio")
