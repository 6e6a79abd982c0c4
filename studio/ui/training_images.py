"""Image panels of the Training workspace: the live sample grid (with its history) and the dataset preview.

Sample grids are small (a 32 px model makes a 256 px grid): they are enlarged by whole factors
with nearest-neighbour scaling so each generated pixel stays visible instead of being blurred.
The dataset preview is read in a thread pool (Pillow only, ``studio.core.datasets_info``).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QRect, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QVBoxLayout, QWidget

from studio.core import datasets_info
from studio.ui.worker import create_worker

MAX_HISTORY = 200  # sample grids kept to scrub back through (a few MB at most)


class PixelView(QWidget):
    """Paints one QImage as large as fits, crisp (integer nearest) when enlarging."""

    painted = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self.placeholder = placeholder
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def image(self) -> QImage:
        return self._image

    def target_rect(self) -> QRect:
        """Where the image is drawn: the largest whole-number enlargement that fits (or a fit-to-size shrink)."""
        iw, ih = self._image.width(), self._image.height()
        w, h = self.width(), self.height()
        if iw <= 0 or ih <= 0:
            return QRect()
        factor = min(w / iw, h / ih)
        if factor >= 1:
            factor = int(factor)
        tw, th = max(1, int(iw * factor)), max(1, int(ih * factor))
        return QRect((w - tw) // 2, (h - th) // 2, tw, th)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(30, 30, 30))
        if self._image.isNull():
            p.setPen(QColor(160, 160, 160))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            p.end()
            return
        rect = self.target_rect()
        smooth = rect.width() < self._image.width()  # shrinking: smooth; enlarging: keep pixels
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(rect, self._image)
        p.end()
        self.painted.emit()


class SamplePanel(QWidget):
    """The latest sample grid, a slider through earlier ones, and which step each is from.

    ``shown(job_id)`` fires once a grid is painted: the workspace acknowledges it to the pool so the
    trainer may send the next one (the reporter's paint handshake).
    """

    shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = PixelView(self.tr("Sample grids appear here while a model trains (same noise every time, "
                                      "so you can watch it improve)."))
        self.view.setObjectName("sample_view")
        self.caption = QLabel()
        self.caption.setObjectName("sample_caption")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("sample_slider")
        self.slider.setToolTip(self.tr("Look back at earlier samples"))
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._show_index)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.caption)
        row.addWidget(self.slider, 1)
        layout.addLayout(row)
        self.history: list[tuple[int, QImage]] = []
        self._pending_job: int | None = None
        self.view.painted.connect(self._on_painted)

    def add(self, job_id: int, step: int, image: QImage) -> None:
        """A new grid from ``job_id`` at ``step``: shown at once unless the user is looking back."""
        following = not self.history or self.slider.value() == len(self.history) - 1
        self.history.append((step, image))
        if len(self.history) > MAX_HISTORY:
            del self.history[1:2]  # keep the first grid (the starting point) and the newest ones
        self._pending_job = job_id
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self.history) - 1)
        self.slider.setEnabled(len(self.history) > 1)
        if following:
            self.slider.setValue(len(self.history) - 1)
        self.slider.blockSignals(False)
        if following:
            self._show_index(len(self.history) - 1)
        else:
            self.shown.emit(job_id)  # not painted, but the user has what they asked for: let the trainer go on
            self._pending_job = None

    def clear(self) -> None:
        self.history.clear()
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.caption.clear()
        self.view.set_image(QImage())

    def _show_index(self, index: int) -> None:
        if 0 <= index < len(self.history):
            step, image = self.history[index]
            self.caption.setText(self.tr("Step {0}").format(step))
            self.view.set_image(image)
            if not self.view.isVisible() and self._pending_job is not None:
                self._on_painted()  # hidden tab: nothing will paint, do not stall the trainer

    def _on_painted(self) -> None:
        if self._pending_job is not None:
            job_id, self._pending_job = self._pending_job, None
            self.shown.emit(job_id)


def read_preview(name: str, count: int) -> tuple[QImage, str, str]:
    """(a worker thread) The preview grid of dataset ``name``, its summary, and an error ('' when none)."""
    try:
        preview = datasets_info.preview_dataset(name, count)
        image = QImage()
        if preview.images:
            grid = datasets_info.preview_grid(preview.images, columns=8, cell=64)
            image = QImage.fromData(datasets_info.image_to_png_bytes(grid), "PNG")
        text = preview.summary()
        if preview.texts:
            text += "\n\n" + "\n\n".join(t[:400] for t in preview.texts[:6])
        elif any(preview.captions):
            captions = list(dict.fromkeys(c for c in preview.captions if c))[:6]
            text += "  " + QCoreApplication.translate("DatasetPanel", "Captions: ") + "; ".join(captions)
        return image, text, ""
    except (ValueError, OSError) as exc:
        return QImage(), "", str(exc)


class DatasetPreviewLoader(QObject):
    """``request(name)`` reads a preview off the GUI thread; ``loaded(token, grid, summary, error)`` follows."""

    loaded = Signal(int, QImage, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._token = 0

    def request(self, name: str, count: int = 32) -> int:
        self._token += 1
        create_worker(self._read, self._token, name, count, _pool=self._pool, _start_thread=True)
        return self._token

    def _read(self, token: int, name: str, count: int) -> None:  # the worker thread
        image, text, error = read_preview(name, count)
        try:
            self.loaded.emit(token, image, text, error)
        except RuntimeError:  # the loader was deleted (window closed) meanwhile
            pass

    @property
    def latest(self) -> int:
        return self._token

    def wait(self, msecs: int = 10000) -> bool:
        return self._pool.waitForDone(msecs)


class DatasetPanel(QWidget):
    """The dataset preview grid and its summary (counts, captions, unreadable files)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = PixelView(self.tr("Press “Preview dataset” to see the images the model will learn from."))
        self.view.setObjectName("dataset_view")
        self.summary = QLabel()
        self.summary.setObjectName("dataset_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        self.loader = DatasetPreviewLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.name = ""

    def request(self, name: str) -> None:
        self.name = name
        self.summary.setText(self.tr("Reading {0}…").format(name))
        self.loader.request(name)

    def _on_loaded(self, token: int, image: QImage, text: str, error: str) -> None:
        if token != self.loader.latest:
            return  # an older request finished after a newer one was made
        self.view.set_image(image)
        self.summary.setText(error or text)
        self.summary.setStyleSheet("color: #d9534f;" if error else "")
