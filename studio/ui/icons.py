"""The studio's own icons, from ``resources/icons`` (SVG where Qt's SVG plugin is present, else PNG)."""
from __future__ import annotations

from PySide6.QtGui import QIcon

from studio.core.paths import resources_dir


def icon(name: str) -> QIcon:
    """``resources/icons/<name>.svg`` (plus ``<name>-<size>.png`` variants when present)."""
    folder = resources_dir() / "icons"
    result = QIcon()
    for png in sorted(folder.glob(f"{name}-*.png")):
        result.addFile(str(png))
    svg = folder / f"{name}.svg"
    if svg.exists():
        result.addFile(str(svg))
    return result


def app_icon() -> QIcon:
    return icon("studio")
