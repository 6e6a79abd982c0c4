"""Help → About: the studio's version and the versions of what it runs on.

Library versions come from package metadata (``studio.core.about``): torch, diffusers and
transformers are not imported to show them.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from studio import APP_NAME, __version__
from studio.core.about import version_info


def about_html(device: str | None = None) -> str:
    info = version_info(device)
    rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
                   for k, v in info.items() if k not in ("app", "version"))
    blurb = QCoreApplication.translate("About", "Create images and text with generative models on your own "
                                                "computer, offline.")
    return f"<h3>{APP_NAME} {__version__}</h3><p>{blurb}</p><table cellspacing='4'>{rows}</table>"


def show_about(parent: QWidget, device: str | None = None) -> None:
    title = QCoreApplication.translate("About", "About {0}").format(APP_NAME)
    QMessageBox.about(parent, title, about_html(device))
