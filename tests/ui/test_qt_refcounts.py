"""The pinned Qt binding keeps Python's singletons' reference counts intact.

PySide6 6.12.0 on Python 3.11 dropped one reference to None per call of a void Qt method and per
processEvents(); a long painting session then aborted the interpreter ("deallocating None").
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def test_void_qt_calls_do_not_leak_references_to_none(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    painter = QPainter(image)
    for _ in range(500):
        widget.update()
        widget.setVisible(False)
        painter.drawEllipse(1, 1, 10, 10)
        QCoreApplication.processEvents()
    painter.end()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    # A few references may come and go with unrelated objects; a leak would be 500+ per singleton.
    assert all(abs(a - b) < 100 for a, b in zip(after, before)), (before, after)
