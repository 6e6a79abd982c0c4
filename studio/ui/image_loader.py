"""Loading images off the GUI thread: thumbnails for the history, full images for the canvas.

A PNG of 1024² takes tens of milliseconds to decode; doing that in a click handler or for a
strip of 100 thumbnails would freeze the window, so decoding and scaling run in a small
QThreadPool and the result arrives as a signal in the GUI thread.
"""
from __future__ import annotations

from typing import Hashable

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

from studio.ui.worker import create_worker


def read_image(path: str, max_side: int = 0) -> QImage:
    """``path`` decoded (and scaled to fit ``max_side`` when > 0); a null QImage when unreadable."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if max_side > 0:
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > max_side:
            reader.setScaledSize(size.scaled(QSize(max_side, max_side), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return image if not image.isNull() else QImage()


class ImageLoader(QObject):
    """Decodes images in background threads; ``loaded(key, QImage)`` arrives in the GUI thread."""

    loaded = Signal(object, QImage)

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)

    def request(self, key: Hashable, path: str, max_side: int = 0) -> None:
        create_worker(self._read, key, path, max_side, _pool=self._pool, _start_thread=True)

    def _read(self, key: Hashable, path: str, max_side: int) -> None:  # a pool thread
        image = read_image(path, max_side)
        try:
            self.loaded.emit(key, image)
        except RuntimeError:  # the loader was deleted while this image was decoding
            pass

    def wait(self, msecs: int = 5000) -> bool:
        """Block until pending loads are done (shutdown and tests)."""
        return self._pool.waitForDone(msecs)
