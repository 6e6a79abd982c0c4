"""Help → About: the studio's version and the versions of what it runs on.

Library versions come from package metadata (``studio.core.about``): torch, diffusers and
transformers are not imported to show them.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from studio import APP_NAME, __version__
from studio.core.about import version_info


def _label(key: str) -> str:
    """A row label of the About box in the window's language (library names stay as they are)."""
    labels = {"build": QCoreApplication.translate("About", "build"),
              "python": QCoreApplication.translate("About", "Python"),
              "platform": QCoreApplication.translate("About", "platform"),
              "device": QCoreApplication.translate("About", "device"),
              "studio home": QCoreApplication.translate("About", "studio home"),
              "resources": QCoreApplication.translate("About", "resources")}
    return labels.get(key, key)


def about_rows(device: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows of the About box, in the window's language."""
    return [(_label(k), v) for k, v in version_info(device).items() if k not in ("app", "version")]


def about_html(device: str | None = None) -> str:
    rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in about_rows(device))
    blurb = QCoreApplication.translate("About", "Create images and text with generative models on your own "
                                                "computer, offline.")
    return f"<h3>{APP_NAME} {__version__}</h3><p>{blurb}</p><table cellspacing='4'>{rows}</table>"


def show_about(parent: QWidget, device: str | None = None) -> QMessageBox:
    """Open the About box (window-modal, closed with OK); returns it."""
    box = QMessageBox(QMessageBox.Icon.NoIcon, QCoreApplication.translate("About", "About {0}").format(APP_NAME),
                      about_html(device), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("about_box")
    box.setTextFormat(Qt.TextFormat.RichText)
    if parent is not None and not parent.windowIcon().isNull():
        box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
