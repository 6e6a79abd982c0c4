"""Scanning the model folders off the GUI thread (a large Hugging Face cache can take a while)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings

log = logging.getLogger(__name__)


class _Scan(QRunnable):
    def __init__(self, scanner: "ModelScanner") -> None:
        super().__init__()
        self.scanner = scanner

    def _progress(self, items: int, folder: str) -> None:
        try:
            self.scanner.progress.emit(items, folder)
        except RuntimeError:  # scanner deleted (window closed) while scanning
            pass

    def run(self) -> None:
        try:
            # With the hashes already cached (never computed here): reused A1111 PNGs name models by hash.
            entries = ModelRegistry(self.scanner.paths, self.scanner.settings).scan_with_hashes(self._progress)
        except Exception:  # a broken folder must not leave the picker waiting forever
            log.exception("model scan failed")
            entries = []
        try:
            self.scanner.scanned.emit(entries)
        except RuntimeError:  # scanner deleted (window closed) while scanning
            pass


class ModelScanner(QObject):
    """``scan()`` lists the models in a worker thread; ``scanned(list[ModelEntry])`` follows."""

    scanned = Signal(list)
    progress = Signal(int, str)  # items looked at so far, the folder being read (large folders only)

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    def scan(self) -> None:
        self._pool.start(_Scan(self))

    def wait(self, msecs: int = 10000) -> bool:
        return self._pool.waitForDone(msecs)
