"""The main window's Upscale menu: upscale the image on the canvas (Ctrl+U) with the chosen Real-ESRGAN
model, and "Upscale every new image", which is the prompt panel's "Upscale result" shown in the menu
(one setting).
The upscaled image is an ordinary upscale job: it shows in the queue and, when done, on the canvas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from studio.core.models.builtin_models import CPU_UPSCALER, UPSCALERS
from studio.core.errors import SpecError
from studio.core.models.registry import ModelEntry
from studio.core.settings import Settings
from studio.core.specs.image import UpscaleSpec
from studio.jobs.api import JobHandle

if TYPE_CHECKING:
    from studio.ui.prompt_editor import PromptEditor
    from studio.ui.session import StudioSession


class UpscaleTools(QMenu):
    """The Upscale menu and its logic: the session's canvas and pool, the prompt editor's "Upscale result".
    The window adds :attr:`upscale_action` to itself, so Ctrl+U works with the menus hidden too."""

    def __init__(self, session: StudioSession, editor: PromptEditor, parent: QWidget | None = None) -> None:
        super().__init__(QCoreApplication.translate("MainWindow", "&Upscale"), parent)
        self.setObjectName("upscale_menu")
        self.session, self.editor = session, editor
        self.upscale_action = QAction(self.tr("&Upscale the image on the canvas"), self)
        self.upscale_action.setShortcut(QKeySequence("Ctrl+U"))
        self.upscale_action.triggered.connect(lambda: self.upscale_canvas())
        self.addAction(self.upscale_action)
        # One setting: this item shows and sets the prompt panel's "Upscale result" (the upscale runs
        # inside each image job, so the spec, the PNG and the history all say it).
        self.auto_action = QAction(self.tr("Upscale &every new image"), self)
        self.auto_action.setCheckable(True)
        self.auto_action.setToolTip(self.tr("The same setting as “Upscale result” in the prompt panel"))
        self.auto_action.toggled.connect(self._on_auto_toggled)
        self.addAction(self.auto_action)
        self.addSeparator()
        self.model_group = QActionGroup(self)
        default = session.settings.default_upscaler
        auto = QAction(self.tr("Automatic (x4plus on a GPU, animevideov3 x4 on the CPU)"), self, checkable=True)
        auto.setData("")  # the engine picks by device
        auto.setChecked(not default)
        self.model_group.addAction(auto)
        self.addAction(auto)
        for info in UPSCALERS:
            a = QAction(info.name, self, checkable=True)
            a.setData(info.name)
            a.setChecked(info.name == default)
            self.model_group.addAction(a)
            self.addAction(a)
        self.model_group.triggered.connect(self._on_model_chosen)
        editor.upscale_combo.currentIndexChanged.connect(self._sync_from_editor)
        session.settings_changed.connect(self._on_settings_changed)
        session.follow_models(self.set_installed)
        self._sync_from_editor()

    def set_installed(self, entries: list[ModelEntry]) -> None:
        """Offer the user's own upscalers (found by the model scan) beside the built-in ones."""
        known = {a.data() for a in self.model_group.actions()}
        for e in entries:
            if e.type == "upscaler" and e.usable and e.name not in known:
                self._add_model_action(e.name)

    def _add_model_action(self, name: str) -> QAction:
        a = QAction(name, self, checkable=True)
        a.setData(name)
        self.model_group.addAction(a)
        self.addAction(a)
        return a

    def _sync_from_editor(self) -> None:
        """Show the prompt panel's upscaler: the check mark, and the model when it is one of the menu's."""
        name = self.editor.upscaler()
        self.auto_action.blockSignals(True)
        self.auto_action.setChecked(bool(name))
        self.auto_action.blockSignals(False)
        if name and any(a.data() == name for a in self.model_group.actions()):
            self.set_model(name)

    def _on_auto_toggled(self, on: bool) -> None:
        editor = self.editor
        editor.set_upscaler((self.model() or self.session.settings.default_upscaler or CPU_UPSCALER) if on else "")

    def _on_model_chosen(self, action: QAction) -> None:
        if self.auto_action.isChecked():  # new images use the model chosen here too
            self.editor.set_upscaler(str(action.data()) or self.session.settings.default_upscaler
                                                    or CPU_UPSCALER)

    def _on_settings_changed(self, settings: Settings) -> None:
        if not self.auto_action.isChecked() or not self.editor.upscaler():
            self.set_model(settings.default_upscaler)

    def model(self) -> str:
        checked = self.model_group.checkedAction()
        return str(checked.data()) if checked is not None else ""

    def set_model(self, name: str) -> None:
        """Choose the upscaler ``name``; one of the user's own is added to the menu first."""
        if name and not any(a.data() == name for a in self.model_group.actions()):
            self._add_model_action(name)
        for a in self.model_group.actions():
            a.setChecked(a.data() == name)

    def upscale_file(self, path: str) -> JobHandle | None:
        """Queue an upscale of ``path`` with the chosen model; its handle, or None."""
        pool = self.session.running_pool()
        if pool is None:
            return None
        try:
            handle = pool.submit(UpscaleSpec(image=path, model=self.model()))
        except SpecError as exc:
            self.session.notify(str(exc), 8000)
            return None
        self.session.notify(self.tr("Upscaling with {0}…").format(self.model() or self.tr("the automatic choice")), 4000)
        return handle

    def upscale_canvas(self) -> JobHandle | None:
        path = self.session.canvas.path() if self.session.canvas is not None else None
        if not path:
            self.session.notify(
                self.tr("Nothing to upscale: show a finished image on the canvas first (generate or open one)."), 6000)
            return None
        return self.upscale_file(path)

