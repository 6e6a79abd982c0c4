"""Scanning the model folders off the GUI thread (a large Hugging Face cache can take a while)."""
from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool, Signal

from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry, ModelRegistry
from studio.core.settings import Settings
from studio.ui.worker import create_worker


class ModelScanner(QObject):
    """``scan()`` lists the models in a worker thread; ``scanned(list[ModelEntry])`` follows (an empty list when
    the scan failed: a broken folder must not leave the pickers waiting; the failure is logged)."""

    scanned = Signal(list)
    progress = Signal(int, str)  # items looked at so far, the folder being read (large folders only)

    def __init__(self, paths: StudioPaths, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths, self.settings = paths, settings
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # scans run one after the other, each reporting in turn

    def scan(self) -> None:
        create_worker(self._scan, self.paths, self.settings, _pool=self._pool,
                      _connect={"returned": self._on_returned, "errored": self._on_errored})

    def _scan(self, paths: StudioPaths, settings: Settings) -> list[ModelEntry]:  # the worker thread
        # With the hashes already cached (never computed here): reused A1111 PNGs name models by hash.
        return ModelRegistry(paths, settings).scan_with_hashes(self._progress)

    def _on_returned(self, entries: list[ModelEntry]) -> None:
        self.scanned.emit(entries)

    def _on_errored(self, _exc: BaseException) -> None:
        self.scanned.emit([])

    def _progress(self, items: int, folder: str) -> None:
        try:
            self.progress.emit(items, folder)
        except RuntimeError:  # scanner deleted (window closed) while scanning
            pass

    def wait(self, msecs: int = 10000) -> bool:
        return self._pool.waitForDone(msecs)
