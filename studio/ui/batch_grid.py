"""A batch ends as a grid: once every job of one Generate with Batch > 1 has ended, its images are shown
together on the canvas (as A1111 shows a batch), unless the user has put something else there since.

Clicking a history thumbnail still shows one image; the grid is only a view (Save as… saves it).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from studio.core.results import JobResult
from studio.jobs.api import JobHandle
from studio.ui.image_loader import ImageLoader

if TYPE_CHECKING:
    from studio.ui.canvas_feed import CanvasFeed
    from studio.ui.session import StudioSession

GAP = 4  # pixels between cells


def compose_grid(images: list[QImage], background: QColor | None = None) -> QImage:
    """``images`` in a near-square grid (row by row), each centred in a cell of the largest size."""
    cols = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / cols)
    cw = max(i.width() for i in images)
    ch = max(i.height() for i in images)
    grid = QImage(cols * cw + (cols - 1) * GAP, rows * ch + (rows - 1) * GAP, QImage.Format.Format_RGB32)
    grid.fill(background or QColor(0, 0, 0))
    painter = QPainter(grid)
    for n, image in enumerate(images):
        r, c = divmod(n, cols)
        x = c * (cw + GAP) + (cw - image.width()) // 2
        y = r * (ch + GAP) + (ch - image.height()) // 2
        painter.drawImage(QPoint(x, y), image)
    painter.end()
    return grid


class _Batch:
    def __init__(self, job_ids: list[int]) -> None:
        self.job_ids = job_ids
        self.ended: set[int] = set()
        self.outputs: dict[int, str] = {}
        self.owner: object = None
        self.images: dict[int, QImage] = {}


class BatchGrid(QObject):
    """Follows the batches the Image workspace queues and shows each finished one as a grid on ``feed``'s canvas."""

    def __init__(self, session: StudioSession, feed: CanvasFeed) -> None:
        super().__init__(session)
        self.feed = feed
        self._batches: list[_Batch] = []
        self._loader = ImageLoader(threads=1, parent=self)
        self._loader.loaded.connect(self._on_loaded)
        self.shown = 0
        """Grids shown so far (tests read it)."""

    def add(self, handles: list[JobHandle]) -> None:
        """Follow one Generate's jobs (a batch of one needs no grid)."""
        if len(handles) < 2:
            return
        self._batches.append(_Batch([h.job_id for h in handles]))
        for h in handles:
            # A handle ends after the pool's job_ended: the window has asked for the last image by then.
            h.finished.connect(lambda result, job_id=h.job_id: self._on_finished(job_id, result))
            h.ended.connect(lambda _state, job_id=h.job_id: self._on_ended(job_id))

    def _batch_of(self, job_id: int) -> _Batch | None:
        return next((b for b in self._batches if job_id in b.job_ids), None)

    def _on_finished(self, job_id: int, result: JobResult) -> None:
        batch = self._batch_of(job_id)
        if batch is None:
            return
        images = [o for o in result.outputs if o.lower().endswith((".png", ".jpg", ".webp"))]
        if images:
            batch.outputs[job_id] = images[-1]

    def _on_ended(self, job_id: int) -> None:
        batch = self._batch_of(job_id)
        if batch is None:
            return
        batch.ended.add(job_id)
        if len(batch.ended) < len(batch.job_ids):
            return
        self._batches.remove(batch)
        if len(batch.outputs) < 2:
            return  # one image (the others failed or were cancelled) is already on the canvas
        batch.owner = self.feed.owner()
        for i, job_id in enumerate(j for j in batch.job_ids if j in batch.outputs):
            self._loader.request((batch, i, len(batch.outputs)), batch.outputs[job_id])

    def _on_loaded(self, key: tuple, image: QImage) -> None:
        batch, index, count = key
        batch.images[index] = image
        if len(batch.images) < count:
            return
        images = [batch.images[i] for i in range(count) if not batch.images[i].isNull()]
        if len(images) < 2 or self.feed.owner() is not batch.owner:
            return  # unreadable files, or the user showed something else meanwhile
        self.feed.show_image(compose_grid(images), self.tr("grid of {0} images").format(len(images)))
        self.shown += 1

    def wait(self, msecs: int = 5000) -> bool:
        return self._loader.wait(msecs)
