"""What the window keeps between runs in ``<studio home>/ui.ini``: geometry, dock layout, the workspace shown
and the prompt editor's last values (its spec, the seed lock, the batch size)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from studio.core.errors import SpecError
from studio.core.paths import StudioPaths
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.ui.prompt_editor import PromptEditor

log = logging.getLogger(__name__)

STATE_VERSION = 1


def ui_settings(paths: StudioPaths) -> QSettings:
    """The window's own settings file (layout, last parameters) under the studio home."""
    return QSettings(str(paths.root / "ui.ini"), QSettings.Format.IniFormat)


def saved_bytes(s: QSettings, key: str) -> QByteArray | None:
    """A saved geometry or dock state (None when there is none)."""
    value = s.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def restore_editor(editor: PromptEditor, s: QSettings) -> None:
    """The prompt editor's values of the last session (an unreadable spec is skipped with a log line)."""
    spec_json = s.value("editor/last_spec")
    if isinstance(spec_json, str) and spec_json:
        try:
            spec = spec_from_json(spec_json)
            if isinstance(spec, ImageSpec):
                editor.apply_spec(spec)
                editor.mark_seed_used()  # the last session's seed: shown, not reused unlocked
        except (ValueError, TypeError, SpecError):
            log.warning("ignoring unreadable saved editor parameters")
    editor.lock_button.setChecked(s.value("editor/seed_locked", False, type=bool))
    editor.batch_spin.setValue(int(s.value("editor/batch", 1, type=int)))


def save_editor(editor: PromptEditor, s: QSettings) -> None:
    s.setValue("editor/last_spec", spec_to_json(editor.spec()))
    s.setValue("editor/seed_locked", editor.seed_locked())
    s.setValue("editor/batch", editor.batch_spin.value())


def restore_window(window: QMainWindow, editor: PromptEditor, paths: StudioPaths) -> tuple[QByteArray | None, str]:
    """Apply the saved geometry and editor values; returns the saved dock layout (None when there is none) and
    the workspace shown last."""
    s = ui_settings(paths)
    geometry = saved_bytes(s, "window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    restore_editor(editor, s)
    return saved_bytes(s, "window/state"), str(s.value("window/workspace", "image"))


def save_window(window: QMainWindow, editor: PromptEditor, paths: StudioPaths, workspace: str) -> None:
    s = ui_settings(paths)
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState(STATE_VERSION))
    s.setValue("window/workspace", workspace)
    save_editor(editor, s)
    s.sync()
