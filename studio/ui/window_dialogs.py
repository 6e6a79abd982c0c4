"""The window's dialogs and questions: Evaluate, comparison grid, Settings, About; restart for a new language,
quit while a training runs."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from studio import APP_NAME

from studio.core.store.queue import JobRecord
from studio.core.settings import Settings
from studio.jobs.api import JobPool
from studio.ui.actions import make_action
from studio.ui.session import StudioSession
from studio.ui.status_bar import StudioStatusBar

translate = QCoreApplication.translate  # the window's strings keep their "MainWindow" context


def offer_restart(parent: QWidget, restart: Callable[[], object]) -> QMessageBox:
    """A new language applies at the next start: offer to ``restart`` now (non-modal; returns the question).
    The queue is in its database, so queued jobs are there again after the restart."""
    box = QMessageBox(QMessageBox.Icon.Question, translate("MainWindow", "Restart to change the language"),
                      translate("MainWindow", "The new language applies when the studio starts again. Restart now? "
                                "Queued jobs are kept and run after the restart."),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("restart_question")
    now = box.addButton(translate("MainWindow", "Restart now"), QMessageBox.ButtonRole.AcceptRole)
    now.setObjectName("restart_now")
    later = box.addButton(translate("MainWindow", "Later"), QMessageBox.ButtonRole.RejectRole)
    later.setObjectName("restart_later")
    box.setDefaultButton(now)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: restart() if button is now else None)
    box.open()
    return box


def running_training(pool: JobPool | None) -> list[JobRecord]:
    """The records of trainings running now (quitting would stop them)."""
    if pool is None:
        return []
    out = []
    for job_id in pool.running_jobs():
        try:
            rec = pool.job(job_id)
        except KeyError:
            continue
        if rec.kind == "train":
            out.append(rec)
    return out


def confirm_quit(parent: QWidget, pool: JobPool | None) -> bool:
    """Ask before quitting stops a training (its checkpoint is kept: Resume continues from it)."""
    running = running_training(pool)
    if not running:
        return True
    rec = running[0]
    box = QMessageBox(QMessageBox.Icon.Question, translate("MainWindow", "Quit while training?"),
                      translate("MainWindow", "“{0}” is training (step {1} of {2}). Quitting stops it now; its "
                                "checkpoint is saved and Training → Resume continues from it.").format(
                          rec.title, rec.progress_done, rec.progress_total or "?"),
                      QMessageBox.StandardButton.Cancel, parent)
    stop = box.addButton(translate("MainWindow", "Stop training and quit"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is stop


class WindowDialogs(QObject):
    """The dialogs the window's menus open (Evaluate, comparison grid, Settings, About), on the session, and
    their actions; ``restart`` closes the window and starts the studio again (offered when the language
    changed); ``show_file`` shows a grid's image on the canvas."""

    def __init__(self, session: StudioSession, window: QWidget, status: StudioStatusBar,
                 restart: Callable[[], object], show_file: Callable[[str], None]) -> None:
        super().__init__(window)
        self.session, self.window_, self.status, self._restart = session, window, status, restart
        self._show_file = show_file
        role = QAction.MenuRole
        self.evaluate_action = make_action(self, translate("MainWindow", "&Evaluate images or texts…"),
                                           lambda: self.open_evaluate([]), name="evaluate_action")
        self.grid_action = make_action(self, translate("MainWindow", "Comparison &grid…"), self.open_grid,
                                       name="grid_action")
        self.unload_action = make_action(self, translate("MainWindow", "&Unload models (free memory)"),
                                         lambda: session.pool is not None and session.pool.unload_models())
        self.settings_action = make_action(self, translate("MainWindow", "&Settings…"), self.open_settings,
                                           ("Ctrl+,", QKeySequence(QKeySequence.StandardKey.Preferences)),
                                           "settings_action", role.PreferencesRole)
        self.about_action = make_action(self, translate("MainWindow", "&About {0}").format(APP_NAME), self.show_about,
                                        role=role.AboutRole)

    def _engine_running(self) -> JobPool | None:
        if self.session.pool is None:
            self.session.notify(translate("MainWindow", "The engine is still loading; try again in a moment."), 4000)
        return self.session.pool

    def open_evaluate(self, paths: list[str]) -> QWidget | None:
        """The Evaluate panel (one, non-modal), with ``paths`` as its inputs when given."""
        pool = self._engine_running()
        if pool is None:
            return None
        from studio.ui.evaluate_dialog import EvaluateDialog

        dialog = self.window_.findChild(EvaluateDialog)
        if dialog is None:
            dialog = EvaluateDialog(pool, self.window_)
            self.session.follow_models(dialog.set_models)
        if paths:
            dialog.set_inputs([str(p) for p in paths])
        dialog.show()
        dialog.raise_()
        return dialog

    def open_grid(self) -> QWidget | None:
        """The comparison-grid dialog (one, non-modal) over the prompt editor's current settings."""
        pool = self._engine_running()
        if pool is None:
            return None
        from studio.ui.grid_dialog import GridDialog

        dialog = self.window_.findChild(GridDialog)
        if dialog is None:
            dialog = GridDialog(pool, self.session.current_spec, self.window_)
            dialog.show_requested.connect(self._show_file)
        dialog.show()
        dialog.raise_()
        return dialog

    def open_settings(self, page: type | None = None) -> QWidget:
        """Show the Settings dialog (optionally on ``page``'s class); returns it (it is modal)."""
        from studio.ui.settings.dialog import SettingsDialog
        from studio.ui.settings.page import SettingsContext

        dialog = SettingsDialog(SettingsContext(self.session.paths, list(self.session.models)), self.window_)
        if page is not None:
            dialog.show_page(page)
        dialog.saved.connect(self.apply_settings)
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings take effect: colours now, model folders by a rescan, engine settings from the next job."""
        old = self.session.settings
        if settings.theme != old.theme:
            from PySide6.QtWidgets import QApplication

            from studio.ui.theme import apply_theme

            apply_theme(QApplication.instance(), settings.theme)
        self.session.apply_settings(settings)
        if settings.language != old.language:
            self.status.showMessage(translate("MainWindow", "Settings saved. The new language applies when the studio "
                                              "next starts."), 15000)
            self.offer_restart()
        else:
            self.status.showMessage(translate("MainWindow", "Settings saved"), 4000)

    def offer_restart(self) -> QMessageBox:
        """Offer to restart now for a new language (non-modal; returns the question). "Restart now" closes the
        window as Quit does (asking first if a training runs)."""
        return offer_restart(self.window_, self._restart)

    def show_about(self) -> QWidget:
        from studio.ui.about_dialog import show_about

        return show_about(self.window_, self.status.device_label.text() if self.status.ready else None)
