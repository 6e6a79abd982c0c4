"""The history strip: thumbnails of recent image outputs, newest first.

Click shows an image on the canvas; "Reuse parameters" (button, context menu or double
click) fills the prompt editor from the job spec stored with the output, or from the PNG's
own text chunks (any A1111-style PNG works through "Open PNG…"). Thumbnails are decoded off
the GUI thread and cached small.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLineEdit, QListView, QListWidget, QListWidgetItem,
                               QMenu, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.gallery import GalleryEntry
from studio.core.specs import ImageSpec, Spec
from studio.ui.image_loader import ImageLoader

THUMB = 96
MAX_ENTRIES = 200
MAX_THUMBS = 3 * MAX_ENTRIES  # cached thumbnails (~37 KB each)
EntryRole = Qt.ItemDataRole.UserRole + 1


def spec_from_png(path: str) -> ImageSpec:
    """The ImageSpec a PNG carries (our JSON chunk or A1111 ``parameters``); SpecError if none."""
    from studio.core.pngmeta import read_png_parameters  # imports Pillow: only when asked

    return read_png_parameters(Path(path))


class HistoryStrip(QWidget):
    """A horizontal strip of thumbnails with search, "Reuse parameters" and "Open PNG…"."""

    show_requested = Signal(str)  # image path to show on the canvas
    reuse_requested = Signal(object)  # ImageSpec for the prompt editor

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryStrip")
        self.gallery: Any = None
        self._thumbs: dict[str, QImage] = {}
        self._loader = ImageLoader(threads=1, parent=self)
        self._loader.loaded.connect(self._on_thumb)
        self._placeholder = self._make_placeholder()

        self.list = QListWidget()
        self.list.setObjectName("history_list")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 12, THUMB + 12))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(THUMB + 30)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemClicked.connect(self._on_click)
        self.list.itemActivated.connect(self._on_click)
        self.list.itemDoubleClicked.connect(lambda item: self.reuse(item))
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("history_search")
        self.search_edit.setPlaceholderText(self.tr("Search prompts…"))
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.reuse_button = QPushButton(self.tr("Reuse parameters"))
        self.reuse_button.setObjectName("reuse_button")
        self.reuse_button.setToolTip(self.tr("Fill the prompt editor with the selected image's parameters"))
        self.reuse_button.clicked.connect(lambda: self.reuse(self.list.currentItem()))
        self.open_png_button = QPushButton(self.tr("Open PNG…"))
        self.open_png_button.setToolTip(self.tr("Load the parameters of any PNG (also from other tools)"))
        self.open_png_button.clicked.connect(lambda: self.open_png())

        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.search_edit)
        side.addWidget(self.reuse_button)
        side.addWidget(self.open_png_button)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(170)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addWidget(side_widget)
        self._update_buttons()

    def _make_placeholder(self) -> QIcon:
        pm = QPixmap(THUMB, THUMB)
        pm.fill(QColor("#d9dce1"))
        return QIcon(pm)

    # -- content ----------------------------------------------------------------------------
    def bind(self, gallery: Any) -> None:
        """Show the image entries of a GalleryStore."""
        self.gallery = gallery
        self.refresh()

    def refresh(self) -> None:
        """Reload the newest image entries (or those matching the search)."""
        if self.gallery is None:
            return
        query = self.search_edit.text().strip()
        entries = (self.gallery.search(query, media="image", limit=MAX_ENTRIES) if query
                   else self.gallery.list(MAX_ENTRIES, media="image"))
        current = self.current_entry()
        self.list.clear()
        for e in entries:
            self._add_item(e)
        if current is not None:
            for i in range(self.list.count()):
                if self.entry(self.list.item(i)).id == current.id:
                    self.list.setCurrentRow(i)
                    break
        self._update_buttons()

    def _add_item(self, e: GalleryEntry) -> None:
        item = QListWidgetItem()
        item.setData(EntryRole, e)
        seed = self.tr(" · seed {0}").format(e.seed) if e.seed is not None else ""
        item.setToolTip(f"{e.prompt[:300] or self.tr('(empty prompt)')}\n{e.model}{seed}\n{e.path}")
        thumb = self._thumbs.get(e.path)
        if thumb is not None:
            item.setIcon(QIcon(QPixmap.fromImage(thumb)))
        elif e.exists:
            item.setIcon(self._placeholder)
            self._loader.request(e.path, e.path, THUMB)
        else:
            item.setIcon(self._placeholder)
            item.setToolTip(self.tr("The file is missing: {0}").format(e.path))
        self.list.addItem(item)

    def _on_thumb(self, path: str, image: QImage) -> None:
        if image.isNull():
            return
        self._thumbs[path] = image
        while len(self._thumbs) > MAX_THUMBS:  # oldest first (dicts keep insertion order)
            del self._thumbs[next(iter(self._thumbs))]
        icon = QIcon(QPixmap.fromImage(image))
        for i in range(self.list.count()):
            item = self.list.item(i)
            if self.entry(item).path == path:
                item.setIcon(icon)

    def entry(self, item: QListWidgetItem | None) -> GalleryEntry | None:
        return None if item is None else item.data(EntryRole)

    def current_entry(self) -> GalleryEntry | None:
        return self.entry(self.list.currentItem())

    def count(self) -> int:
        return self.list.count()

    def wait_for_thumbnails(self, msecs: int = 5000) -> bool:
        return self._loader.wait(msecs)

    def _update_buttons(self) -> None:
        self.reuse_button.setEnabled(self.current_entry() is not None)

    # -- actions ----------------------------------------------------------------------------
    def _on_click(self, item: QListWidgetItem) -> None:
        e = self.entry(item)
        if e is not None and e.path:
            self.show_requested.emit(e.path)

    def reuse(self, item: QListWidgetItem | None) -> None:
        """Emit the spec of ``item`` (stored JSON first, else the PNG's own text chunks)."""
        e = self.entry(item)
        if e is None:
            return
        spec: Spec | None = None
        try:
            spec = e.spec
        except (StudioError, ValueError, TypeError):
            spec = None
        if not isinstance(spec, ImageSpec) and e.path:
            try:
                spec = spec_from_png(e.path)
            except StudioError as exc:
                QMessageBox.information(self, self.tr("Reuse parameters"), str(exc))
                return
        if isinstance(spec, ImageSpec):
            self.reuse_requested.emit(spec)

    def open_png(self, path: str | None = None) -> ImageSpec | None:
        """Load the parameters of a PNG file (ours or another tool's) into the prompt editor."""
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Open PNG parameters"), "",
                                                  self.tr("PNG images (*.png);;All files (*)"))
        if not path:
            return None
        try:
            spec = spec_from_png(path)
        except StudioError as exc:
            QMessageBox.information(self, self.tr("Open PNG"), str(exc))
            return None
        self.reuse_requested.emit(spec)
        self.show_requested.emit(path)
        return spec

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        e = self.entry(item)
        if e is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Show on canvas"), lambda: self._on_click(item))
        menu.addAction(self.tr("Reuse parameters"), lambda: self.reuse(item))
        menu.addSeparator()
        menu.addAction(self.tr("Copy prompt"), lambda: QGuiApplication.clipboard().setText(e.prompt))
        menu.addAction(self.tr("Copy file path"), lambda: QGuiApplication.clipboard().setText(e.path))
        if e.path and os.path.exists(e.path):
            menu.addAction(self.tr("Open containing folder"),
                           lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(e.path).parent))))
        menu.exec(self.list.viewport().mapToGlobal(pos))
