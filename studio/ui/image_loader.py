"""Loading images off the GUI thread: thumbnails for the history, full images for the canvas.

A PNG of 1024² takes tens of milliseconds to decode; doing that in a click handler or for a
strip of 100 thumbnails would freeze the window, so decoding and scaling run in a small
QThreadPool and the result arrives as a signal in the GUI thread.
"""
from __future__ import annotations

from typing import Any, Hashable

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader


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


class _Job(QRunnable):
    def __init__(self, loader: "ImageLoader", key: Hashable, path: str, max_side: int) -> None:
        super().__init__()
        self.loader, self.key, self.path, self.max_side = loader, key, path, max_side

    def run(self) -> None:
        image = read_image(self.path, self.max_side)
        try:
            self.loader.loaded.emit(self.key, image)
        except RuntimeError:  # the loader was deleted while this image was decoding
            pass


class ImageLoader(QObject):
    """Decodes images in background threads; ``loaded(key, QImage)`` arrives in the GUI thread."""

    loaded = Signal(object, QImage)

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)

    def request(self, key: Any, path: str, max_side: int = 0) -> None:
        self._pool.start(_Job(self, key, path, max_side))

    def wait(self, msecs: int = 5000) -> bool:
        """Block until pending loads are done (shutdown and tests)."""
        return self._pool.waitForDone(msecs)
