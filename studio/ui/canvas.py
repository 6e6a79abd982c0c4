"""The canvas: live diffusion previews, then the final image; zoom, pan, fit, 1:1, copy, save.

Previews arrive small (latent resolution); instead of resizing each one on the GUI thread
the pixmap item is scaled to the target size with smooth filtering when painted, so a preview
costs one small QImage→QPixmap conversion. ``preview_shown`` fires after a preview has really
been painted: the job pool waits for it before decoding the next one (that is the throttle).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QAction, QGuiApplication, QImage, QKeySequence, QPainter, QPixmap, QTransform,
                           QWheelEvent)
from PySide6.QtWidgets import (QFileDialog, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel,
                               QMessageBox, QToolButton, QVBoxLayout, QWidget)

from studio.core.atomic import atomic_write_bytes
from studio.ui import theme
from studio.ui.elided_label import ElidedLabel

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.05, 32.0


class CanvasView(QGraphicsView):
    """A zoomable (wheel, around the cursor), pannable (drag) view of one image."""

    painted = Signal()
    zoom_changed = Signal(float)
    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # zoom_by anchors itself
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(theme.colour("canvas", self))
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.fit_mode = True
        self.empty_text = ""

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        self.setTransform(QTransform.fromScale(factor, factor))
        self.zoom_changed.emit(factor)

    def zoom_by(self, steps: float, anchor: QPoint | None = None) -> None:
        """Zoom by ZOOM_STEP**steps keeping the image point under ``anchor`` (viewport pixels,
        default: the centre) where it is."""
        self.fit_mode = False
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        before = self.mapToScene(anchor)
        current = self.zoom()
        target = max(MIN_ZOOM, min(MAX_ZOOM, current * ZOOM_STEP ** steps))
        self.scale(target / current, target / current)
        # Scroll so the same scene point is under the anchor again (when the image is larger
        # than the view; a smaller image stays centred).
        shift = self.mapFromScene(before) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + shift.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + shift.y())
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(delta / 120.0, event.position().toPoint())
            event.accept()
        else:
            super().wheelEvent(event)

    def fit(self) -> None:
        self.fit_mode = True
        rect = self.sceneRect()
        if not rect.isEmpty():
            # Fit scales small images up too (a 64 px preview is unreadable at 1:1); 1:1 shows pixels.
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())

    def actual_size(self) -> None:
        self.fit_mode = False
        self.setTransform(QTransform())
        self.zoom_changed.emit(1.0)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()
        self.resized.emit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light/dark theme switched
            self.setBackgroundBrush(theme.colour("canvas", self))

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt override)
        super().drawBackground(painter, rect)
        if self.item.pixmap().isNull() and self.empty_text:
            painter.save()
            painter.resetTransform()
            painter.setPen(theme.colour("canvas_text", self))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.empty_text)
            painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt override)
        super().drawForeground(painter, rect)
        self.painted.emit()


class ImageCanvas(QWidget):
    """The canvas with its tool row. Keeps the shown image and, for outputs, its file."""

    preview_shown = Signal(int)  # job id, after that job's preview was painted
    shown_area_changed = Signal(QSize)  # see shown_area (after a resize or a zoom)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImageCanvas")
        self.view = CanvasView(self)
        self.view.empty_text = self.tr("Your images appear here.\nWrite a prompt and press Ctrl+Enter.")
        self.view.painted.connect(self._on_painted)
        self.view.zoom_changed.connect(self._on_zoom)
        self.view.resized.connect(lambda: self.shown_area_changed.emit(self.shown_area()))
        self.view.zoom_changed.connect(lambda _zoom: self.shown_area_changed.emit(self.shown_area()))
        self._image = QImage()
        self._path: str | None = None
        self._pending_preview: int | None = None
        self._preview_job: int | None = None
        self._before_preview: tuple[QImage, str | None, str, str] | None = None
        """What the canvas showed before the current job's previews (restored when the job is cancelled)."""
        self.preview_count = 0
        """Previews shown since the last final image (tests and the info line read it)."""

        self.fit_button = self._tool(self.tr("Fit"), self.tr("Fit the image in the view"), self.fit)
        self.actual_button = self._tool(self.tr("1:1"), self.tr("Actual pixels"), self.view.actual_size)
        self.copy_button = self._tool(self.tr("Copy"), self.tr("Copy the image to the clipboard (Ctrl+C)"),
                                      self.copy)
        self.save_button = self._tool(self.tr("Save as…"), self.tr("Save the image to a file"),
                                      lambda: self.save_as())
        # Ctrl+C copies the image only while the canvas has focus (text boxes keep their own copy).
        copy_action = QAction(self.tr("Copy image"), self.view)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy_action.triggered.connect(self.copy)
        self.view.addAction(copy_action)
        self.info_label = ElidedLabel()
        """The shown file's name and size, shortened in the middle to the room the row leaves (the file's
        whole path in its tooltip)."""
        self.info_label.setObjectName("canvas_info")
        self.info_label.setStyleSheet("color: gray;")
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        # The file name may be shortened; the buttons never are (the row must fit the first-launch canvas).
        tools = QHBoxLayout()
        tools.setContentsMargins(4, 2, 4, 2)
        for b in (self.fit_button, self.actual_button, self.copy_button, self.save_button):
            tools.addWidget(b)
        self.tool_row = tools
        """The top row; the canvas editor adds its document actions (Open, Undo, Redo, Export) here."""
        tools.addSpacing(8)
        tools.addWidget(self.info_label, 1)
        tools.addWidget(self.zoom_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self._update_actions()

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # -- showing ----------------------------------------------------------------------------
    def image(self) -> QImage:
        """The image on the canvas (the preview's native size while previewing)."""
        return self._image

    def path(self) -> str | None:
        """The file of the shown output, None for a preview or an unsaved image."""
        return self._path

    def shown_size(self) -> QSize:
        """The size the image occupies in the scene (the target size for previews)."""
        return self.view.sceneRect().size().toSize()

    def shown_area(self) -> QSize:
        """The view's size in device pixels while images are fitted in it: they are never shown larger, so
        previews need be no larger either (the window tells the job pool, and engine hosts scale previews
        down to it). An empty size once the user zoomed (an image may then be shown larger than the view)."""
        if not self.view.fit_mode:
            return QSize()
        ratio = self.view.devicePixelRatioF()
        size = self.view.viewport().size()
        return QSize(round(size.width() * ratio), round(size.height() * ratio))

    def _set(self, image: QImage, target: QSize | None) -> None:
        self._image = image
        self.view.item.setPixmap(QPixmap.fromImage(image))
        target = target if target is not None and target.isValid() and not target.isEmpty() else image.size()
        sx = target.width() / max(1, image.width())
        sy = target.height() / max(1, image.height())
        self.view.item.setTransform(QTransform.fromScale(sx, sy))
        self.view.setSceneRect(QRectF(QPointF(0, 0), target.toSizeF()))
        if self.view.fit_mode:
            self.view.fit()
        self._update_actions()

    def show_preview(self, job_id: int, image: QImage, target: QSize | None = None, step: str = "") -> None:
        """Show an intermediate image of ``job_id``, stretched smoothly to the target size."""
        if self._preview_job != job_id:
            self._before_preview = (self._image, self._path, self.info_label.text(), self.info_label.toolTip())
            self._preview_job = job_id
        self._path = None
        self._set(image, target)
        self.preview_count += 1
        self.info_label.setText(self.tr("Preview {0}").format(step).strip())
        self.info_label.setToolTip("")
        self._pending_preview = job_id
        self.view.viewport().update()
        if not self.view.isVisible():  # nothing will paint: do not hold the worker's previews back
            QTimer.singleShot(0, self._on_painted)

    def previewing(self) -> int | None:
        """The job whose half-denoised preview is on the canvas (None when a final image is)."""
        return self._preview_job

    def drop_preview(self, job_id: int) -> bool:
        """``job_id`` was cancelled or failed: its preview goes, and what was there before comes back."""
        if self._preview_job != job_id:
            return False
        before, self._before_preview, self._preview_job = self._before_preview, None, None
        self.preview_count = 0
        if before is None or before[0].isNull():
            self.clear()
        else:
            self._path = before[1]
            self._set(before[0], None)
            self.info_label.setText(before[2])
            self.info_label.setToolTip(before[3])
        return True

    def show_image(self, image: QImage, path: str | None = None) -> None:
        """Show a final image (``path``: its file, used by Save as to keep the PNG's metadata)."""
        self._preview_job, self._before_preview = None, None
        self._path = path
        self._set(image, None)
        self.preview_count = 0
        self._show_file(path)

    def show_written(self, path: str) -> None:
        """The shown image was just written to ``path`` (Save as, the editor's Export): the file line names it."""
        if not self._image.isNull() and self._preview_job is None:
            self._show_file(path)

    def _show_file(self, path: str | None) -> None:
        image = self._image
        name = Path(path).name if path else self.tr("(unsaved)")
        self.info_label.setText(f"{name} · {image.width()}×{image.height()}")
        self.info_label.setToolTip(f"{path}\n{image.width()}×{image.height()}" if path else "")

    def clear(self) -> None:
        self._preview_job, self._before_preview = None, None
        self._image = QImage()
        self._path = None
        self.view.item.setPixmap(QPixmap())
        self.view.setSceneRect(QRectF())
        self.info_label.clear()
        self.info_label.setToolTip("")
        self._update_actions()

    def _on_painted(self) -> None:
        if self._pending_preview is not None:
            job_id, self._pending_preview = self._pending_preview, None
            self.preview_shown.emit(job_id)

    def _on_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"{factor * 100:.0f}%" if not self._image.isNull() else "")

    def _update_actions(self) -> None:
        has = not self._image.isNull()
        for b in (self.fit_button, self.actual_button, self.copy_button):
            b.setEnabled(has)
        self.save_button.setEnabled(has and self._preview_job is None)  # a preview is not a result to save
        self._on_zoom(self.view.zoom())

    # -- actions ----------------------------------------------------------------------------
    def fit(self) -> None:
        self.view.fit()

    def copy(self) -> None:
        if not self._image.isNull():
            QGuiApplication.clipboard().setImage(self._image)

    def save_as(self, target: str | None = None) -> str | None:
        """Save the shown image; an output PNG is copied byte for byte so its metadata stays."""
        if self._image.isNull():
            return None
        if not target:
            suggested = Path(self._path).name if self._path else "image.png"
            target, _ = QFileDialog.getSaveFileName(self, self.tr("Save image as"), suggested,
                                                    self.tr("Images (*.png *.jpg *.jpeg *.webp)"))
        if not target:
            return None
        try:
            if self._path and Path(self._path).suffix.lower() == Path(target).suffix.lower() \
                    and Path(self._path).exists():
                if Path(self._path).resolve() != Path(target).resolve():
                    # Not copyfile: it writes into whatever is there (a device); atomic saves refuse that.
                    atomic_write_bytes(Path(target), Path(self._path).read_bytes())
            else:
                data = QByteArray()
                buf = QBuffer(data)
                buf.open(QIODevice.OpenModeFlag.WriteOnly)
                fmt = (Path(target).suffix.lstrip(".") or "png").upper()
                if not self._image.save(buf, fmt):
                    raise OSError(self.tr("unsupported image format: {0}").format(fmt))
                buf.close()
                atomic_write_bytes(Path(target), bytes(data.data()))
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Save as"), self.tr("Could not save the image: {0}").format(exc))
            return None
        if self._path is None or Path(self._path).suffix.lower() == Path(target).suffix.lower():
            self._path = target  # the same bytes (or the only file): later saves copy it, metadata and all
        self.show_written(target)
        return target
