"""The inpainting mask as a translucent layer over the canvas image, painted with a soft round brush.

The mask is a premultiplied ARGB image of the document's size in one tint colour; its alpha is the
mask (255 = repaint). Painting touches only the pixels under the brush and repaints only that
rectangle of the view, so a 2048² canvas stays smooth. A stroke keeps a snapshot of the mask taken
when it starts; when it ends, only the stroke's bounding rectangle (before/after) goes to the undo
stack (see ``studio.ui.versions.MaskEditCommand``), so undo memory grows with what was edited.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QRadialGradient
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QStyleOptionGraphicsItem, QWidget

TINT = QColor(255, 48, 96)
OVERLAY_OPACITY = 0.5
FORMAT = QImage.Format.Format_ARGB32_Premultiplied


class MaskLayer(QGraphicsItem):
    """A scene item showing (and holding) the mask; paint with :meth:`begin_stroke`/:meth:`stroke_to`."""

    def __init__(self, size: QSize = QSize(1, 1), parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.image = QImage(size, FORMAT)
        self.image.fill(Qt.GlobalColor.transparent)
        self.setOpacity(OVERLAY_OPACITY)
        self.setZValue(10)
        # Only the exposed part is drawn (a brush dab repaints a few hundred pixels, not 4 million).
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._snapshot: QImage | None = None
        self._dirty = QRect()
        self._last: QPointF | None = None
        self._erase = False
        self.size_px = 32.0
        self.hardness = 0.8

    # -- geometry / drawing ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(0, 0, self.image.width(), self.image.height())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        exposed = option.exposedRect.toAlignedRect().intersected(self.image.rect())
        if not exposed.isEmpty():
            painter.drawImage(exposed.topLeft(), self.image, exposed)

    def reset(self, size: QSize) -> None:
        """An empty mask of ``size`` (a new document or a new image size)."""
        self.prepareGeometryChange()
        self.image = QImage(size, FORMAT)
        self.image.fill(Qt.GlobalColor.transparent)
        self.update()

    def set_image(self, image: QImage) -> None:
        """Replace the whole mask (undo of a size change)."""
        self.prepareGeometryChange()
        self.image = image.convertToFormat(FORMAT)
        self.update()

    # -- painting -------------------------------------------------------------------------------
    def begin_stroke(self, pos: QPointF, erase: bool = False) -> None:
        self._snapshot = self.image.copy()
        self._dirty = QRect()
        self._erase = erase
        self._last = None
        self.stroke_to(pos)

    def stroke_to(self, pos: QPointF) -> QRect:
        """Paint from the last point to ``pos``; returns the image rectangle that changed."""
        if self._snapshot is None:
            return QRect()
        radius = max(0.5, self.size_px / 2)
        start = self._last if self._last is not None else pos
        spacing = max(1.0, radius * 0.25)  # dabs a quarter radius apart: a continuous line at any speed
        dist = math.hypot(pos.x() - start.x(), pos.y() - start.y())
        n = max(1, int(dist / spacing)) if self._last is not None else 1
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if self._erase:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOut)
        for i in range(1, n + 1) if self._last is not None else range(1):
            t = i / n if self._last is not None else 0.0
            c = QPointF(start.x() + (pos.x() - start.x()) * t, start.y() + (pos.y() - start.y()) * t)
            painter.setBrush(self._dab_brush(c, radius))
            painter.drawEllipse(c, radius, radius)
        painter.end()
        r = int(math.ceil(radius)) + 2
        changed = QRect(int(min(start.x(), pos.x())) - r, int(min(start.y(), pos.y())) - r,
                        int(abs(pos.x() - start.x())) + 2 * r, int(abs(pos.y() - start.y())) + 2 * r)
        changed = changed.intersected(self.image.rect())
        self._dirty = self._dirty.united(changed)
        self._last = pos
        self.update(QRectF(changed))
        return changed

    def end_stroke(self) -> tuple[QRect, QImage, QImage] | None:
        """Finish the stroke: (rect, before, after) of the changed region, or None if nothing changed."""
        if self._snapshot is None:
            return None
        rect, before = self._dirty, self._snapshot
        self._snapshot, self._last = None, None
        if rect.isEmpty():
            return None
        return rect, before.copy(rect), self.image.copy(rect)

    @property
    def painting(self) -> bool:
        return self._snapshot is not None

    def _dab_brush(self, c: QPointF, radius: float) -> QBrush:
        color = QColor(TINT)
        if self.hardness >= 0.999:
            return QBrush(color)
        grad = QRadialGradient(c, radius)
        grad.setColorAt(0.0, color)
        grad.setColorAt(max(0.0, min(0.99, self.hardness)), color)
        edge = QColor(TINT)
        edge.setAlpha(0)
        grad.setColorAt(1.0, edge)
        return QBrush(grad)

    def put(self, rect: QRect, pixels: QImage) -> None:
        """Write ``pixels`` at ``rect`` exactly (undo/redo of an edit)."""
        painter = QPainter(self.image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(rect.topLeft(), pixels)
        painter.end()
        self.update(QRectF(rect))

    # -- whole-mask operations (return the new image; the caller records the undo step) ----------
    def filled(self) -> QImage:
        img = QImage(self.image.size(), FORMAT)
        img.fill(TINT)
        return img

    def cleared(self) -> QImage:
        img = QImage(self.image.size(), FORMAT)
        img.fill(Qt.GlobalColor.transparent)
        return img

    def inverted(self) -> QImage:
        img = self.filled()
        painter = QPainter(img)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOut)
        painter.drawImage(0, 0, self.image)
        painter.end()
        return img

    # -- export ---------------------------------------------------------------------------------
    def alpha(self) -> QImage:
        """The mask as an 8-bit grey image (white = repaint), e.g. to save as the job's mask PNG."""
        a8 = self.image.convertToFormat(QImage.Format.Format_Alpha8)
        grey = QImage(a8.constBits(), a8.width(), a8.height(), a8.bytesPerLine(), QImage.Format.Format_Grayscale8)
        return grey.copy()  # own the pixels (a8 is freed on return)

    def is_empty(self) -> bool:
        """True when no pixel is painted."""
        return self.image.rect().isEmpty() or not _any_alpha(self.image)


def _any_alpha(image: QImage) -> bool:
    a8 = image.convertToFormat(QImage.Format.Format_Alpha8)
    return bool(bytes(a8.constBits()).strip(b"\0"))  # C-speed scan for any non-zero byte


class BrushCursor(QGraphicsEllipseItem):
    """The brush outline that follows the pointer (a thin dashed circle, visible on any image)."""

    def __init__(self) -> None:
        super().__init__()
        pen = QPen(QColor(255, 255, 255, 230), 0)  # width 0: cosmetic, one screen pixel at any zoom
        pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setBrush(Qt.BrushStyle.NoBrush)
        self.setZValue(20)
        self.setVisible(False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def place(self, pos: QPointF, diameter: float) -> None:
        r = diameter / 2
        self.setRect(QRectF(pos.x() - r, pos.y() - r, diameter, diameter))
