"""The model manager (the "Models" workspace): every model on disk, identified, hashed in the background,
importable, and one click (Use, double-click, context menu) from the workspace that uses it.

Pure core code runs here (registry scan, identification, hashing, import/rename/trash) on a
QThreadPool so the window never freezes; nothing imports torch. Conversion of pickles runs as
a ``convert`` job in an engine process for the same reason. Downloads open a dialog
(``studio.ui.download_dialog``) that runs them as jobs; the offline toggle saves the settings.
The main window shows it as its "Models" workspace tab (Models → Model manager… too). A tab, not a dock:
it never widens the window or squeezes the canvas.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QMenu, QProgressBar, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from studio.core.errors import JobCancelled, StudioError, user_message
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.progress import format_bytes
from studio.core.models.families import family_label
from studio.core.models.registry import SOURCE_LABELS, STATUS_LABELS, TYPE_LABELS, ModelEntry, ModelRegistry
from studio.core.protocol.status import HostStatus
from studio.core.settings import Settings
from studio.jobs.api import JobPool
from studio.ui.model_details import ModelDetails, ask_rename, ask_trash, reveal
from studio.ui.model_filter import COLUMNS, ENTRY_ROLE, ModelFilter
from studio.ui.session import StudioSession
from studio.ui.staged import finish
from studio.ui.worker import create_worker

if TYPE_CHECKING:
    from studio.ui.download_dialog import DownloadDialog

log = logging.getLogger(__name__)


class _Cancel:
    """What the hash reads between chunks: the manager is closing."""

    def __init__(self, closing: Callable[[], bool]) -> None:
        self._closing = closing

    @property
    def cancelled(self) -> bool:
        return self._closing()


def _hash(paths: StudioPaths, path: str, progress: Callable[[int, int], None],
          cancel: _Cancel) -> tuple[str, str, str]:
    """(worker thread) ``path``'s SHA-256: (path, sha256, '') or (path, '', why not)."""
    from studio.core.models.hashing import HashCache

    try:
        return path, HashCache.for_paths(paths).model_hash(Path(path), progress=progress, cancel=cancel), ""
    except JobCancelled:
        return path, "", "cancelled"
    except (StudioError, OSError) as exc:
        return path, "", user_message(exc)


class ModelManager(QWidget):
    """Library table with filter/search, details, import (drop or dialog), hashing, unload.

    The list is the ``session``'s one model scan (the window's, so every picker sees what the manager shows;
    a session of its own when none is given). ``pool`` is a callable returning the JobPool (the session's by
    default); ``on_changed`` is called after the library changed. ``use`` opens a model in the workspace
    that uses it and ``use_label`` names that action ('' when none does)."""

    library_changed = Signal()
    scan_finished = Signal()
    offline_changed = Signal(bool)
    hash_progress = Signal(str, int, int)  # path, bytes hashed, bytes in all
    hashed = Signal(str, str)  # path, SHA-256 (after the table shows it)

    def __init__(self, paths: StudioPaths, settings: Settings, pool: Callable[[], JobPool | None] | None = None,
                 on_changed: Callable[[], None] | None = None, parent: QWidget | None = None,
                 use: Callable[[ModelEntry], bool] | None = None,
                 use_label: Callable[[ModelEntry], str] | None = None, session: StudioSession | None = None,
                 later: bool = False) -> None:
        """``later``: build only the frame now; the generator :attr:`parts` builds the rest, a part per ``next()``."""
        super().__init__(parent)
        self.setObjectName("ModelManager")
        self._use = use
        self._use_label = use_label or (lambda _e: "")
        self.setWindowTitle(self.tr("Model manager"))
        self.paths, self.settings = paths, settings
        self.registry = ModelRegistry(paths, settings)
        self._owns_session = session is None
        self.session = session or StudioSession(paths, settings, self)
        self._pool_getter = pool or (lambda: self.session.pool)
        self._bound_pool: JobPool | None = None
        self._on_changed = on_changed
        self._threads = QThreadPool(self)
        self._threads.setMaxThreadCount(1)  # hashes (scans are the session's)
        self.hash_progress.connect(self._on_hash_progress)
        self._closing = False
        self._pending_hash: list[str] = []
        self.entries: list[ModelEntry] = []
        self._scanned_once = False
        self.parts = self._construct()
        if not later:
            finish(self.parts)

    def _construct(self) -> Iterator[None]:
        yield from self._build()
        self.session.models_changed.connect(self._on_scanned)  # once every widget it fills is made
        self.setAcceptDrops(True)
        self._bind_pool()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._scanned_once:  # the first look scans; later scans follow imports, downloads, Rescan
            self._scanned_once = True
            self.rescan()

    def refresh(self) -> None:
        """Scan again if the list was shown before (a first showing scans anyway)."""
        if self._scanned_once:
            self.rescan()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> Iterator[None]:
        """The widgets, in two parts."""
        body = self
        lay = QVBoxLayout(body)
        net = QHBoxLayout()
        self.download_button = QPushButton(self.tr("Download…"), body)
        self.download_button.setToolTip(self.tr("Download a model from the Hugging Face hub or a URL "
                                                "(you see the files and size first)"))
        self.offline_check = QCheckBox(self.tr("Offline mode (no network connections)"), body)
        self.offline_check.setChecked(self.settings.offline)
        net.addWidget(self.download_button)
        net.addWidget(self.offline_check)
        net.addStretch(1)
        lay.addLayout(net)
        self.offline_label = QLabel(body)
        self.offline_label.setWordWrap(True)
        self.offline_label.setText(self.tr(
            "Offline mode is on: the studio opens no network connection, so downloads are disabled. "
            "Untick \u201cOffline mode\u201d above to download from the Hugging Face hub."))
        self.offline_label.setVisible(self.settings.offline)
        lay.addWidget(self.offline_label)
        self.download_dialog: DownloadDialog | None = None
        self._select_after_scan = ""

        bar = QHBoxLayout()
        self.search = QLineEdit(body)
        self.search.setPlaceholderText(self.tr("Search name, type, family…"))
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox(body)
        for label, key in ((self.tr("All"), ""), (self.tr("Image"), "image"), (self.tr("Text"), "text"),
                           (self.tr("Upscale"), "upscale"), (self.tr("Add-ons"), "addon"), (self.tr("CLIP"), "clip"),
                           (self.tr("Problems"), "problems")):
            self.kind.addItem(label, key)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.kind)
        lay.addLayout(bar)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Type"), self.tr("Family"), self.tr("Size"),
                                              self.tr("Source"), self.tr("Status"), self.tr("AutoV2")])
        self.proxy = ModelFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(body)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in ("type", "family", "size", "source", "hash"):  # short words: shown whole in any language
            self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index(col), QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(8 * self.table.verticalHeader().defaultSectionSize())  # rows, not 1.5
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _idx: self.use_current())
        self.details = ModelDetails(body)
        split = QSplitter(Qt.Orientation.Vertical, body)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        yield

        self.progress = QProgressBar(body)
        self.progress.setVisible(False)
        self.progress_label = QLabel(body)
        lay.addWidget(self.progress_label)
        lay.addWidget(self.progress)

        buttons = QHBoxLayout()
        self.use_button = QPushButton(self.tr("Use"), body)
        self.use_button.setObjectName("use_button")
        self.use_button.setDefault(True)
        buttons.addWidget(self.use_button)
        self.import_button = QPushButton(self.tr("Import…"), body)
        self.import_folder_button = QPushButton(self.tr("Import folder…"), body)
        self.hash_button = QPushButton(self.tr("Hash"), body)
        self.rename_button = QPushButton(self.tr("Rename…"), body)
        self.delete_button = QPushButton(self.tr("Move to trash"), body)
        self.reveal_button = QPushButton(self.tr("Show in folder"), body)
        self.convert_button = QPushButton(self.tr("Convert to safetensors"), body)
        self.rescan_button = QPushButton(self.tr("Rescan"), body)
        for b in (self.import_button, self.import_folder_button, self.hash_button, self.rename_button,
                  self.delete_button, self.reveal_button, self.convert_button, self.rescan_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)

        lay.addWidget(QLabel(self.tr("Loaded in memory:"), body))
        loaded_row = QHBoxLayout()
        self.loaded_list = QListWidget(body)
        self.loaded_list.setMaximumHeight(70)
        self.unload_button = QPushButton(self.tr("Unload all"), body)
        loaded_row.addWidget(self.loaded_list, 1)
        loaded_row.addWidget(self.unload_button)
        lay.addLayout(loaded_row)

        self.search.textChanged.connect(self.proxy.set_text)
        self.kind.currentIndexChanged.connect(lambda _i: self.proxy.set_kind(self.kind.currentData()))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_details())
        self.use_button.clicked.connect(self.use_current)
        self.import_button.clicked.connect(self._import_files_dialog)
        self.import_folder_button.clicked.connect(self._import_folder_dialog)
        self.hash_button.clicked.connect(lambda: self.hash_entry(self.current_entry()))
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._trash)
        self.reveal_button.clicked.connect(self._reveal)
        self.convert_button.clicked.connect(self._convert)
        self.rescan_button.clicked.connect(self.rescan)
        self.unload_button.clicked.connect(self.unload_all)
        self.download_button.clicked.connect(self.open_download_dialog)
        self.offline_check.toggled.connect(self.set_offline)
        self._update_buttons()

    # -- data -------------------------------------------------------------------------------
    def rescan(self) -> None:
        """Re-read every model source in the background (``scan_finished`` follows)."""
        self._bind_pool()
        self.session.rescan()

    def _on_scanned(self, entries: list[ModelEntry]) -> None:
        if self._closing:
            return
        current = self.current_entry()
        self.entries = list(entries)
        self.model.setRowCount(0)
        for e in self.entries:
            self.model.appendRow(self._row(e))
        if self._select_after_scan and self.row_of(self._select_after_scan) >= 0:
            self.select(self._select_after_scan)  # a download just finished: show the new model
            self._select_after_scan = ""
        elif current is not None:
            self.select(current.path)
        else:
            self._show_details()  # the hint: select a model, or drop files to import
        self._update_buttons()
        self.scan_finished.emit()
        waiting = []
        for path in self._pending_hash:  # a scan started before the import may not list it yet
            entry = next((e for e in self.entries if e.path == path), None)
            if entry is not None:
                self.select(path)
                self.hash_entry(entry)
            else:
                waiting.append(path)
        self._pending_hash = waiting

    def _row(self, e: ModelEntry) -> list[QStandardItem]:
        status = _(STATUS_LABELS.get(e.status, e.status))
        status = status if e.status == "ok" else f"{status}: {e.reason}"
        values = (e.name, _(TYPE_LABELS.get(e.type, e.type)), family_label(e.family),
                  format_bytes(e.size), _(SOURCE_LABELS.get(e.source, e.source)), status,
                  str(e.details.get("autov2") or ""))
        items = []
        for col, v in zip(COLUMNS, values):
            it = QStandardItem(v)
            it.setEditable(False)
            it.setData(e, ENTRY_ROLE)
            if col == "size":
                it.setData(e.size, Qt.ItemDataRole.UserRole + 2)
            if col == "status" and e.status != "ok":
                it.setToolTip(e.reason)
            items.append(it)
        return items

    def row_of(self, path: str) -> int:
        for r in range(self.model.rowCount()):
            if self.model.item(r, 0).data(ENTRY_ROLE).path == path:
                return r
        return -1

    def entry_for(self, path: str) -> ModelEntry | None:
        r = self.row_of(path)
        return self.model.item(r, 0).data(ENTRY_ROLE) if r >= 0 else None

    def select(self, path: str) -> None:
        r = self.row_of(path)
        if r >= 0:
            idx = self.proxy.mapFromSource(self.model.index(r, 0))
            if idx.isValid():
                self.table.setCurrentIndex(idx)
                self.table.selectRow(idx.row())
        self._show_details()

    def current_entry(self) -> ModelEntry | None:
        idx = self.table.currentIndex()
        if not idx.isValid():
            return None
        return self.proxy.data(idx, ENTRY_ROLE)

    def _show_details(self) -> None:
        self._update_buttons()
        self.details.show_entry(self.current_entry())

    def use_current(self) -> bool:
        """Open the selected model in the workspace that uses it (the Use button, double-click, Enter)."""
        e = self.current_entry()
        if e is None or not e.usable or not self._use_label(e) or self._use is None:
            if e is not None and not e.usable:
                self.progress_label.setText(self.tr("{0} cannot be used: {1}").format(e.name, e.reason or e.status))
            return False
        return bool(self._use(e))

    def _context_menu(self, pos) -> None:
        idx = self.table.indexAt(pos)
        if not idx.isValid():
            return
        self.table.setCurrentIndex(idx)
        self.table.selectRow(idx.row())
        self.context_menu().popup(self.table.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        """The selected model's actions: Use first (bold), then the row of buttons' actions."""
        e = self.current_entry()
        menu = QMenu(self)
        label = self._use_label(e) if e is not None else ""
        use = menu.addAction(label or self.tr("Use"), self.use_current)
        use.setEnabled(bool(label) and e is not None and e.usable)
        font = use.font()
        font.setBold(True)
        use.setFont(font)
        menu.setDefaultAction(use)
        menu.addSeparator()
        for button in (self.hash_button, self.rename_button, self.delete_button, self.reveal_button,
                       self.convert_button):
            action = menu.addAction(button.text(), button.click)
            action.setEnabled(button.isEnabled())
        copy = menu.addAction(self.tr("Copy path"), lambda: QApplication.clipboard().setText(e.path if e else ""))
        copy.setEnabled(e is not None and bool(e.path))
        return menu

    def _update_buttons(self) -> None:
        e = self.current_entry()
        label = self._use_label(e) if e is not None else ""
        self.use_button.setText(label or self.tr("Use"))
        self.use_button.setEnabled(bool(label) and e is not None and e.usable)
        self.use_button.setToolTip(self.tr("Open this model where it is used (or double-click it)"))
        own = e is not None and e.source == "user"
        self.hash_button.setEnabled(e is not None and bool(e.path) and e.type != "unknown")
        self.rename_button.setEnabled(own)
        self.delete_button.setEnabled(own)
        self.reveal_button.setEnabled(e is not None and bool(e.path))
        self.convert_button.setEnabled(own and e.status == "unsafe" and not e.details.get("dangerous"))

    # -- hashing ----------------------------------------------------------------------------
    def hash_entry(self, entry: ModelEntry | None) -> None:
        """Hash ``entry`` in the background with a progress bar (cached afterwards)."""
        if entry is None or not entry.path:
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.progress_label.setText(self.tr("Hashing {0}…").format(entry.name))
        create_worker(_hash, self.paths, entry.path, lambda done, total, p=entry.path: self._progress(p, done, total),
                      _Cancel(lambda: self._closing), _pool=self._threads, _connect={"returned": self._on_hash_done})

    def _progress(self, path: str, done: int, total: int) -> None:  # the hashing thread
        try:
            self.hash_progress.emit(path, done, total)
        except RuntimeError:  # the manager was deleted meanwhile
            pass

    def _on_hash_done(self, result: tuple[str, str, str]) -> None:
        path, sha, error = result
        if error:
            self._on_hash_failed(path, error)
        else:
            self._on_hashed(path, sha)

    def _on_hash_progress(self, path: str, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 1000)

    def _on_hashed(self, path: str, sha: str) -> None:
        self.progress.setValue(1000)
        self.progress_label.setText(self.tr("SHA-256 {0} (AutoV2 {1})").format(sha, sha[:10]))
        r = self.row_of(path)
        if r >= 0:
            from dataclasses import replace

            old = self.model.item(r, 0).data(ENTRY_ROLE)
            new = replace(old, details={**old.details, "sha256": sha, "autov2": sha[:10]})
            for c in range(len(COLUMNS)):
                self.model.item(r, c).setData(new, ENTRY_ROLE)
            self.model.item(r, COLUMNS.index("hash")).setText(sha[:10])
            self.entries = [new if e.path == path else e for e in self.entries]
        self._show_details()
        self.hashed.emit(path, sha)

    def _on_hash_failed(self, path: str, message: str) -> None:
        self.progress.setVisible(False)
        self.progress_label.setText(self.tr("Hashing failed: {0}").format(message))

    # -- import / library edits -------------------------------------------------------------
    def import_paths(self, sources: list[Path], mode: str = "copy") -> list[Path]:
        """Import files/folders into the library, then rescan and hash them in the background."""
        from studio.core.models.library import import_model

        done, errors = [], []
        for src in sources:
            try:  # import_model refuses a code-running pickle, alone or anywhere in a folder
                done.append(import_model(self.paths, Path(src), mode))
            except StudioError as exc:
                errors.append(str(exc))
        if errors:
            self.progress_label.setText("; ".join(errors))
        if done:
            self._pending_hash.extend(str(p) for p in done)
            self._changed()
        return done

    def _changed(self) -> None:
        self.rescan()
        self.library_changed.emit()
        if self._on_changed is not None:
            self._on_changed()

    def _import_files_dialog(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, self.tr("Import models"), "",
                                                self.tr("Models (*.safetensors *.gguf *.ckpt *.pt *.pth *.bin);;All files (*)"))
        if files:
            self.import_paths([Path(f) for f in files])

    def _import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a model folder"))
        if folder:
            self.import_paths([Path(folder)])

    def _rename(self) -> None:
        e = self.current_entry()
        if e is not None and ask_rename(self, self.paths, e):
            self._changed()

    def _trash(self) -> None:
        e = self.current_entry()
        if e is not None and ask_trash(self, self.paths, e):
            self._changed()

    def _reveal(self) -> None:
        e = self.current_entry()
        if e is not None:
            reveal(e)

    def _convert(self) -> None:
        """Queue a ``convert`` job: it runs in an engine process like every job (torch stays out of here)."""
        from studio.core.specs.files import ConvertSpec

        e = self.current_entry()
        pool = self._pool_getter()
        if e is None:
            return
        if pool is None:
            self.progress_label.setText(self.tr("The engines are not running: convert with `models convert`."))
            return
        self._bind_pool()
        job = pool.submit(ConvertSpec(path=e.path))
        name = e.name
        job.finished.connect(lambda _result: self.progress_label.setText(self.tr("Converted {0}.").format(name)))
        job.failed.connect(lambda message: self.progress_label.setText(
            self.tr("Conversion failed: {0}").format(message)))
        job.cancelled.connect(lambda: self.progress_label.setText(self.tr("Conversion of {0} stopped.").format(name)))
        job.ended.connect(lambda _state: self._changed())
        self.progress_label.setText(self.tr("Converting {0} to safetensors…").format(e.name))

    # -- downloads ---------------------------------------------------------------------------
    def set_offline(self, offline: bool) -> None:
        """Switch offline mode and save it in the settings file (the download engine reads it there)."""
        from studio.core.settings import load_settings, save_settings

        offline = bool(offline)
        f = self.paths.settings_file
        saved = load_settings(f) if f.exists() else self.settings
        self.settings = saved.replace(offline=offline)
        try:
            save_settings(f, self.settings)
        except OSError as exc:
            self.progress_label.setText(self.tr("Could not save the settings: {0}").format(exc))
        if self.offline_check.isChecked() != offline:
            self.offline_check.setChecked(offline)
        self.offline_label.setVisible(offline)
        if self.download_dialog is not None:
            self.download_dialog.set_offline(offline)
        self.offline_changed.emit(offline)

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings (model folders, the HF cache, offline mode): list what they make visible."""
        folders_changed = (settings.model_dirs, settings.scan_hf_cache, settings.hf_cache_dir) != (
            self.settings.model_dirs, self.settings.scan_hf_cache, self.settings.hf_cache_dir)
        self.settings = settings
        self.registry = ModelRegistry(self.paths, settings)
        if self._owns_session:
            self.session.settings = settings
        self.offline_check.blockSignals(True)
        self.offline_check.setChecked(settings.offline)
        self.offline_check.blockSignals(False)
        self.offline_label.setVisible(settings.offline)
        if self.download_dialog is not None:
            self.download_dialog.set_offline(settings.offline)
        if folders_changed and self._scanned_once and self._owns_session:  # a shared session rescans itself
            self.rescan()

    def open_download_dialog(self) -> DownloadDialog:
        """Show the Download dialog (one per manager; it keeps running downloads when closed)."""
        from studio.ui.download_dialog import DownloadDialog

        if self.download_dialog is None:
            self.download_dialog = DownloadDialog(self._pool_getter, offline=self.settings.offline, parent=self)
            self.download_dialog.downloaded.connect(self._on_downloaded)
        self.download_dialog.show()
        self.download_dialog.raise_()
        return self.download_dialog

    def _on_downloaded(self, path: str) -> None:
        self._select_after_scan = path
        self._changed()

    # -- loaded models ----------------------------------------------------------------------
    def _bind_pool(self) -> None:
        pool = self._pool_getter()
        if pool is not None and pool is not self._bound_pool:
            pool.engine_status.connect(self.on_engine_status)
            self._bound_pool = pool

    def on_engine_status(self, status: HostStatus) -> None:
        self.loaded_list.clear()
        for name in status.loaded:
            self.loaded_list.addItem(name)
        if not status.loaded:
            self.loaded_list.addItem(self.tr("(nothing loaded)"))

    def unload_all(self) -> None:
        self._bind_pool()
        pool = self._pool_getter()
        if pool is not None:
            pool.unload_models()
        self.loaded_list.clear()
        self.loaded_list.addItem(self.tr("(nothing loaded)"))

    # -- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def closeEvent(self, event) -> None:  # noqa: N802
        self._closing = True  # running hashes stop at their next chunk
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._closing = True
        self._threads.waitForDone(10000)
        if self._owns_session:
            self.session.scanner.wait()


