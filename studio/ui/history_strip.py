"""The history strip: thumbnails of recent image outputs, newest first.

Click shows an image on the canvas; "Reuse parameters" (button, context menu or double
click) fills the prompt editor from the job spec stored with the output, or from the PNG's
own text chunks (any A1111-style PNG works through "Open PNG…"). Thumbnails are decoded off
the GUI thread and cached small. "Move to trash" (Delete key, button, context menu) removes the
selected images from the history and holds their files for an Undo; then they go to the system trash.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from PySide6.QtCore import QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QIcon, QImage, QKeySequence, QPalette, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget,
                               QListWidgetItem,
                               QMenu, QMessageBox, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.store.gallery import GalleryEntry, GalleryStore
from studio.core.models.match import ModelRef
from studio.core.paths import StudioPaths
from studio.core.specs.image import ImageSpec
from studio.core.specs.base import Spec
from studio.core.trash import HeldFile, hold, release, release_leftovers, restore
from studio.ui import theme
from studio.ui.image_loader import ImageLoader

log = logging.getLogger(__name__)

UNDO_SECONDS = 20  # how long a deletion can be undone before its files go to the system trash
THUMB = 96
MAX_ENTRIES = 200
MAX_THUMBS = 3 * MAX_ENTRIES  # cached thumbnails (~37 KB each)
EntryRole = Qt.ItemDataRole.UserRole + 1


def spec_from_png(path: str) -> ImageSpec:
    """The ImageSpec a PNG carries (our JSON chunk or A1111 ``parameters``); SpecError if none."""
    from studio.core.pngmeta import read_png_parameters  # imports Pillow: only when asked

    return read_png_parameters(Path(path))


def model_ref(path: str | None) -> ModelRef:
    """How the PNG at ``path`` names its model (name and AutoV2 hash), for finding the installed match."""
    from studio.core.pngmeta import read_png_model_ref  # imports Pillow: only when asked

    return read_png_model_ref(Path(path)) if path else ModelRef()


class HistoryStrip(QWidget):
    """A horizontal strip of thumbnails with search, "Reuse parameters" and "Open PNG…"."""

    show_requested = Signal(str)  # image path to show on the canvas
    reuse_requested = Signal(object, object)  # ImageSpec for the prompt editor, ModelRef its PNG names
    evaluate_requested = Signal(list)  # image paths to open in the Evaluate panel
    describe_requested = Signal(str)  # image path to describe as a prompt

    def __init__(self, paths: StudioPaths | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryStrip")
        self.paths = paths
        self.gallery: GalleryStore | None = None
        self._deleted: list[tuple[GalleryEntry, HeldFile | None]] = []  # the last deletion, until undone or released
        self._release_timer = QTimer(self, singleShot=True, interval=UNDO_SECONDS * 1000)
        self._release_timer.timeout.connect(self.release_deleted)
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
        self.list.setGridSize(QSize(THUMB + 12, THUMB + 28))  # room for the CLIP score under a thumbnail
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QListView.SelectionMode.ExtendedSelection)  # a whole batch can go at once
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(THUMB + 46)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemClicked.connect(self._on_click)
        self.list.itemActivated.connect(self._on_click)
        self.list.itemDoubleClicked.connect(lambda item: self.reuse(item))
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemSelectionChanged.connect(self._update_buttons)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("history_search")
        self.search_edit.setPlaceholderText(self.tr("Search prompts… (score > 30)"))
        self.search_edit.setToolTip(self.tr("Words of the prompt; add e.g. \"score > 30\" to keep images whose "
                                            "CLIP score (how well the image matches its prompt) passes"))
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.sort_combo = QComboBox()
        self.sort_combo.setObjectName("history_sort")
        self.sort_combo.addItem(self.tr("Newest first"), "newest")
        self.sort_combo.addItem(self.tr("Best CLIP score first"), "score")
        self.sort_combo.setToolTip(self.tr("Order of the history"))
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.reuse_button = QPushButton(self.tr("Reuse parameters"))
        self.reuse_button.setObjectName("reuse_button")
        self.reuse_button.setToolTip(self.tr("Fill the prompt editor with the selected image's parameters"))
        self.reuse_button.clicked.connect(lambda: self.reuse(self.list.currentItem()))
        self.open_png_button = QPushButton(self.tr("Open PNG…"))
        self.open_png_button.setToolTip(self.tr("Load the parameters of any PNG (also from other tools)"))
        self.open_png_button.clicked.connect(lambda: self.open_png())
        self.delete_button = QPushButton(self.tr("Move to trash"))
        self.delete_button.setObjectName("history_delete")
        self.delete_button.setToolTip(self.tr("Remove the selected images from the history and move their files "
                                              "to the trash (Delete); Undo brings them back"))
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        delete_action = QAction(self.tr("Move to trash"), self.list)
        delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_action.triggered.connect(lambda: self.delete_selected())
        self.list.addAction(delete_action)
        self.undo_label = QLabel()
        self.undo_label.setObjectName("history_undo_label")
        self.undo_label.setWordWrap(True)
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setObjectName("history_undo")
        self.undo_button.clicked.connect(lambda: self.undo_delete())
        self.empty_label = QLabel()
        self.empty_label.setObjectName("history_empty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet(theme.css("muted"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty_label)

        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.search_edit)
        side.addWidget(self.sort_combo)
        side.addWidget(self.reuse_button)
        side.addWidget(self.open_png_button)
        side.addWidget(self.delete_button)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(170)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        undo_row = QHBoxLayout()  # "2 images moved to the trash. [Undo]" above the thumbnails, while it can be undone
        undo_row.setContentsMargins(0, 0, 0, 0)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        main = QVBoxLayout()
        main.setContentsMargins(0, 0, 0, 0)
        main.setSpacing(2)
        main.addLayout(undo_row)
        main.addWidget(self.stack, 1)
        layout.addLayout(main, 1)
        layout.addWidget(side_widget)
        self._show_undo(0)
        self._update_buttons()

    def _make_placeholder(self) -> QIcon:
        pm = QPixmap(THUMB, THUMB)
        pm.fill(self.palette().color(QPalette.ColorRole.Mid))  # a grey that suits the light and the dark theme
        return QIcon(pm)

    # -- content ----------------------------------------------------------------------------
    def bind(self, gallery: GalleryStore) -> None:
        """Show the image entries of a GalleryStore."""
        self.gallery = gallery
        if self.paths is not None:
            released = release_leftovers(self.paths)  # a deletion the last run could not finish
            if released:
                log.info("sent %d file(s) left from an earlier deletion to the trash", released)
        self.refresh()

    def refresh(self) -> None:
        """Reload the newest image entries (or those matching the search)."""
        if self.gallery is None:
            return
        query = self.search_edit.text().strip()
        entries = self.gallery.search(query, media="image", limit=MAX_ENTRIES, order=self.sort_combo.currentData())
        current = self.current_entry()
        self.list.clear()
        for e in entries:
            self._add_item(e)
        if entries:
            self.stack.setCurrentWidget(self.list)
        else:
            self.empty_label.setText(self.tr("No images match “{0}”.").format(query) if query
                                     else self.tr("No images yet: what you generate appears here."))
            self.stack.setCurrentWidget(self.empty_label)
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
        score = ""
        if e.score is not None:
            item.setText(f"{e.score:.1f}")
            score = "\n" + self.tr("CLIP score {0:.1f} ({1})").format(e.score, e.score_clip)
        item.setToolTip(f"{e.prompt[:300] or self.tr('(empty prompt)')}\n{e.model}{seed}{score}\n{e.path}")
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
        self.delete_button.setEnabled(bool(self.list.selectedItems()) and self.gallery is not None)

    # -- deleting ---------------------------------------------------------------------------
    def selected_entries(self) -> list[GalleryEntry]:
        return [e for e in (self.entry(i) for i in self.list.selectedItems()) if e is not None]

    def delete_selected(self) -> int:
        """Remove the selected images from the history and hold their files for Undo; how many went."""
        entries = self.selected_entries()
        if not entries or self.gallery is None:
            return 0
        self.release_deleted()  # one deletion can be undone at a time: the previous one goes to the trash
        deleted: list[tuple[GalleryEntry, HeldFile | None]] = []
        problem = ""
        for e in entries:
            held = None
            if self.paths is not None and e.path and os.path.isfile(e.path):
                try:
                    held = hold(self.paths, Path(e.path))
                except StudioError as exc:
                    problem = str(exc)
                    continue  # the file stays, and so does its entry
            self.gallery.delete(e.id)
            deleted.append((e, held))
        self._deleted = deleted
        self.refresh()
        self._show_undo(len(deleted), problem)
        if deleted:
            self._release_timer.start()
        return len(deleted)

    def undo_delete(self) -> int:
        """Bring the last deleted images back (files and history entries); how many came back."""
        self._release_timer.stop()
        back, problem = 0, ""
        for e, held in self._deleted:
            try:
                if held is not None:
                    restore(held)
            except StudioError as exc:
                problem = str(exc)
                continue
            self.gallery.restore(e)
            back += 1
        self._deleted = []
        self.refresh()
        self._show_undo(0, problem)
        return back

    def release_deleted(self) -> None:
        """End the undo window: the held files go to the system trash."""
        self._release_timer.stop()
        for _e, held in self._deleted:
            if held is not None:
                release(held)
        self._deleted = []
        self._show_undo(0)

    def _show_undo(self, count: int, problem: str = "") -> None:
        if problem:
            self.undo_label.setText(problem)
            self.undo_label.setStyleSheet(theme.css("error", self))
        else:
            text = (self.tr("1 image moved to the trash.") if count == 1
                    else self.tr("{0} images moved to the trash.").format(count) if count else "")
            self.undo_label.setText(text)
            self.undo_label.setStyleSheet("")
        self.undo_label.setVisible(bool(count or problem))
        self.undo_button.setVisible(bool(count))

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
            self.reuse_requested.emit(spec, model_ref(e.path))

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
        self.reuse_requested.emit(spec, model_ref(path))
        self.show_requested.emit(path)
        return spec

    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if self.entry(item) is not None:
            menu = self.context_menu(item)
            menu.exec(self.list.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def context_menu(self, item: QListWidgetItem) -> QMenu:
        """The actions for the thumbnail ``item`` (what right-clicking it shows)."""
        e = self.entry(item)
        assert e is not None
        menu = QMenu(self)
        menu.addAction(self.tr("Show on canvas"), lambda: self._on_click(item))
        menu.addAction(self.tr("Reuse parameters"), lambda: self.reuse(item))
        if e.path and e.media == "image":
            menu.addAction(self.tr("Describe this image"), lambda: self.describe_requested.emit(e.path))
        menu.addSeparator()
        if not item.isSelected():
            self.list.clearSelection()
            item.setSelected(True)
        menu.addAction(self.tr("Evaluate selected…"), lambda: self.evaluate_requested.emit(
            [x.path for x in self.selected_entries() if x.path]))
        menu.addAction(self.tr("Move to trash"), lambda: self.delete_selected())
        menu.addAction(self.tr("Copy prompt"), lambda: QGuiApplication.clipboard().setText(e.prompt))
        menu.addAction(self.tr("Copy file path"), lambda: QGuiApplication.clipboard().setText(e.path))
        if e.path and os.path.exists(e.path):
            menu.addAction(self.tr("Open containing folder"),
                           lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(e.path).parent))))
        return menu
