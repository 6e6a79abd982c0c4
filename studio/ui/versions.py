"""Versions of the edited image and the undo stack: every mask edit and every new version is undoable.

``EditDocument`` holds the versions (image, label, file, operation chain) and which one is current;
``MaskEditCommand`` stores only the changed rectangle of the mask (before/after), so 20 brush
strokes on a 2048² image cost what the strokes covered, not 20 full copies. ``VersionCommand``
adds a version (undo goes back to the previous one); ``SelectVersionCommand`` makes an older
version current again (from the strip). ``VersionStrip`` shows thumbnails to compare and go back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from studio.ui.mask_layer import MaskLayer

THUMB = 72


@dataclass
class Version:
    """One state of the edited image."""

    image: QImage
    label: str
    path: str | None = None
    """The file it came from (an output PNG), None for a pasted or unsaved image."""
    chain: list[dict] = field(default_factory=list)
    """The operations that led here (saved into exported PNGs)."""


class EditDocument(QObject):
    """The versions and the current one; the mask layer belongs to the document too."""

    current_changed = Signal()
    versions_changed = Signal()

    def __init__(self, mask: MaskLayer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mask = mask
        self.versions: list[Version] = []
        self.index = -1
        self.undo_stack = QUndoStack(self)

    @property
    def current(self) -> Version | None:
        return self.versions[self.index] if 0 <= self.index < len(self.versions) else None

    def size(self) -> QSize:
        cur = self.current
        return cur.image.size() if cur is not None else QSize()

    def _set_index(self, index: int) -> None:
        self.index = index
        cur = self.current
        if cur is not None and cur.image.size() != self.mask.image.size():
            self.mask.reset(cur.image.size())
        self.current_changed.emit()

    # -- undoable edits ------------------------------------------------------------------------
    def add_version(self, version: Version) -> None:
        self.undo_stack.push(VersionCommand(self, version))

    def select(self, index: int) -> None:
        if 0 <= index < len(self.versions) and index != self.index:
            self.undo_stack.push(SelectVersionCommand(self, index))

    def record_mask_edit(self, rect: QRect, before: QImage, after: QImage, text: str) -> None:
        """Push an already-painted mask change (the first redo does nothing)."""
        self.undo_stack.push(MaskEditCommand(self.mask, rect, before, after, text, applied=True))

    def replace_mask(self, image: QImage, text: str) -> None:
        """Fill/clear/invert: the whole mask changes (one full-size before/after pair)."""
        rect = self.mask.image.rect()
        self.undo_stack.push(MaskEditCommand(self.mask, rect, self.mask.image.copy(), image, text))

    def undo_bytes(self) -> int:
        """Memory held by the undo stack's pixel copies (the benchmark reads it)."""
        total = 0
        for i in range(self.undo_stack.count()):
            cmd = self.undo_stack.command(i)
            total += getattr(cmd, "nbytes", 0)
        return total


class MaskEditCommand(QUndoCommand):
    """A change of one rectangle of the mask."""

    def __init__(self, mask: MaskLayer, rect: QRect, before: QImage, after: QImage, text: str,
                 applied: bool = False) -> None:
        super().__init__(text)
        self.mask, self.rect, self.before, self.after = mask, QRect(rect), before, after
        self._skip = applied  # a brush stroke is already on the mask when it is pushed
        self.nbytes = before.sizeInBytes() + after.sizeInBytes()

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.mask.put(self.rect, self.after)

    def undo(self) -> None:
        self.mask.put(self.rect, self.before)


class VersionCommand(QUndoCommand):
    """Adds a version and makes it current; undo removes it and shows the previous one.

    When the size changes (outpaint, upscale) the mask cannot follow: it is reset, and its old
    pixels are kept here so that undo brings them back.
    """

    def __init__(self, doc: EditDocument, version: Version) -> None:
        super().__init__(version.label)
        self.doc, self.version = doc, version
        self.prev_index = doc.index
        self.old_mask: QImage | None = None
        self.nbytes = 0  # the version image itself is the history, not an undo copy

    def redo(self) -> None:
        if self.version.image.size() != self.doc.mask.image.size() and self.doc.current is not None:
            self.old_mask = self.doc.mask.image.copy()
            self.nbytes = self.old_mask.sizeInBytes()
        self.doc.versions.append(self.version)
        self.doc.versions_changed.emit()
        self.doc._set_index(len(self.doc.versions) - 1)

    def undo(self) -> None:
        self.doc.versions.remove(self.version)
        self.doc.versions_changed.emit()
        self.doc._set_index(self.prev_index)
        if self.old_mask is not None:
            self.doc.mask.set_image(self.old_mask)
            self.old_mask, self.nbytes = None, 0


class SelectVersionCommand(QUndoCommand):
    """Makes another version current (going back from the strip is undoable too)."""

    def __init__(self, doc: EditDocument, index: int) -> None:
        super().__init__(QCoreApplication.translate("EditDocument", "Back to version {0}").format(index + 1))
        self.doc, self.index, self.prev = doc, index, doc.index
        self.old_mask: QImage | None = None
        self.nbytes = 0

    def redo(self) -> None:
        target = self.doc.versions[self.index].image.size()
        if target != self.doc.mask.image.size():
            self.old_mask = self.doc.mask.image.copy()
            self.nbytes = self.old_mask.sizeInBytes()
        self.doc._set_index(self.index)

    def undo(self) -> None:
        self.doc._set_index(self.prev)
        if self.old_mask is not None:
            self.doc.mask.set_image(self.old_mask)


class VersionStrip(QListWidget):
    """Thumbnails of the versions, left to right; clicking one makes it current."""

    def __init__(self, doc: EditDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("version_strip")
        self.doc = doc
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 40)
        self.setMovement(QListView.Movement.Static)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setToolTip(self.tr("Versions of the edited image: click one to go back to it (undoable)"))
        doc.versions_changed.connect(self.rebuild)
        self.setVisible(False)
        doc.current_changed.connect(self._mark_current)
        self.itemClicked.connect(lambda item: self.doc.select(self.row(item)))

    def rebuild(self) -> None:
        self.blockSignals(True)
        self.clear()
        for i, v in enumerate(self.doc.versions):
            thumb = QPixmap.fromImage(v.image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))
            item = QListWidgetItem(QIcon(thumb), f"{i + 1}. {v.label}")
            item.setToolTip(f"{v.label} · {v.image.width()}×{v.image.height()}" + (f"\n{v.path}" if v.path else ""))
            self.addItem(item)
        self.blockSignals(False)
        # One version has nothing to compare with: no empty band under the canvas until there are two.
        self.setVisible(len(self.doc.versions) > 1)
        self._mark_current()

    def _mark_current(self) -> None:
        self.blockSignals(True)
        self.setCurrentRow(self.doc.index)
        self.blockSignals(False)
