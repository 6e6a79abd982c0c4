"""What the Image workspace's canvas shows: files (decoded off the GUI thread), grids, and the live previews of
running image jobs. A token names what was last asked onto the canvas, so a late decode or a batch grid never
replaces something the user (or a running job) put there since."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QSize
from PySide6.QtGui import QImage

from studio.core.errors import SpecError
from studio.core.store.queue import DONE
from studio.core.specs.image import ImageSpec
from studio.jobs.api import JobPool
from studio.ui.canvas import ImageCanvas
from studio.ui.image_loader import ImageLoader
from studio.ui.queue_model import JobTableModel

if TYPE_CHECKING:
    from studio.ui.session import StudioSession


class CanvasFeed(QObject):
    """Shows files, images and previews on ``canvas``; previews of jobs other than images are passed by."""

    def __init__(self, canvas: ImageCanvas, session: StudioSession) -> None:
        super().__init__(session)
        self.canvas = canvas
        self.session = session
        self.pool: JobPool | None = None
        self._queue: JobTableModel | None = None
        self._request: object = None
        self._job_sizes: dict[int, QSize] = {}
        self._loader = ImageLoader(threads=1, parent=self)
        self._loader.loaded.connect(self._on_loaded)

    # -- what is shown ------------------------------------------------------------------------------
    def path(self) -> str | None:
        """The file of the image shown (None for a grid, a pasted image, a preview or nothing)."""
        return self.canvas.path()

    def image(self) -> QImage:
        return self.canvas.image()

    def owner(self) -> object:
        """A token for what was last asked onto the canvas (changes with every show request)."""
        return self._request

    def show_file(self, path: str) -> None:
        """Show an image file (decoded off the GUI thread)."""
        self._request = object()
        self._loader.request((self._request, path), path)

    def show_image(self, image: QImage, label: str) -> None:
        """Show an image that has no file (a batch grid) and take the canvas from pending requests."""
        self._request = object()
        self.canvas.show_image(image, None)
        self.canvas.info_label.setText(f"{label} · {image.width()}×{image.height()}")

    def _on_loaded(self, key: tuple[object, str], image: QImage) -> None:
        token, path = key
        if token is not self._request:
            return  # a newer request (or a live preview) took the canvas meanwhile
        if image.isNull():
            self.session.notify(QCoreApplication.translate("MainWindow", "Cannot open {0}").format(path), 8000)
            return
        self.canvas.show_image(image, path)

    def wait(self, msecs: int = 2000) -> bool:
        return self._loader.wait(msecs)

    # -- live previews --------------------------------------------------------------------------------
    def bind(self, pool: JobPool, queue: JobTableModel) -> None:
        """Follow every image job of ``pool`` (also those restored from the database or retried in the queue),
        not only those this window submitted; ``queue`` has the jobs' records and progress."""
        self.pool, self._queue = pool, queue
        pool.job_preview.connect(self._on_preview)
        # Previews travel already scaled to what the canvas shows (the engine host scales them).
        self.canvas.shown_area_changed.connect(self._tell_preview_box)
        self._tell_preview_box(self.canvas.shown_area())
        self.canvas.preview_shown.connect(pool.preview_consumed)

    def _tell_preview_box(self, area: QSize) -> None:
        if self.pool is not None:  # an empty area (zoomed in): the pool's default size limit
            self.pool.set_preview_box(ImageSpec.kind, max(0, area.width()), max(0, area.height()))

    def _target_size(self, job_id: int) -> QSize | None:
        size = self._job_sizes.get(job_id)
        if size is None and self.pool is not None:
            try:
                spec = self.pool.job(job_id).spec
            except (KeyError, ValueError, SpecError):
                return None
            if isinstance(spec, ImageSpec):
                size = QSize(spec.width, spec.height)
                self._job_sizes[job_id] = size
        return size

    def _on_preview(self, job_id: int, image: QImage) -> None:
        assert self._queue is not None
        record = self._queue.record_for(job_id)
        if record is not None and record.kind != ImageSpec.kind:
            if self.pool is not None:
                self.pool.preview_consumed(job_id)
            return
        self._request = None  # a running job takes the canvas back from a history click
        row = self._queue.row_of(job_id)
        step = self._queue.progress_text(row) if row >= 0 else ""
        self.canvas.show_preview(job_id, image, self._target_size(job_id), step)

    def job_ended(self, job_id: int, state: str) -> None:
        """A job ended: a half-denoised image of one that did not finish is not a result."""
        self._job_sizes.pop(job_id, None)
        if state != DONE:
            self.canvas.drop_preview(job_id)
