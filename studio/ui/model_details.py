"""The model manager's details panel and its library edits (rename, move to trash, show in folder).

Split out of ``model_manager``; its texts keep the ``ModelManager`` translation context (lupdate reads
``QCoreApplication.translate("ModelManager", …)``), so no translation moved.
"""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QMessageBox, QTextBrowser, QWidget

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.models.families import caps_of, family_label
from studio.core.models.registry import DETAIL_LABELS, SOURCE_LABELS, STATUS_LABELS, TYPE_LABELS, ModelEntry
from studio.core.paths import StudioPaths
from studio.core.progress import format_bytes


class ModelDetails(QTextBrowser):
    """What is known about the selected model: type, family, what it can do, status, files, its metadata."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)

    def show_entry(self, e: ModelEntry | None) -> None:
        if e is None:
            self.setHtml(QCoreApplication.translate(
                "ModelManager", "<i>Select a model to see its details. Drop model files here to import them.</i>"))
            return
        esc = html.escape
        body = "".join(f"<tr><td><b>{esc(str(k))}</b></td><td>{esc(str(v))}</td></tr>" for k, v in self.rows(e))
        meta = e.details.get("metadata") or {}
        if meta:
            title = QCoreApplication.translate("ModelManager", "Metadata")
            body += f"<tr><td colspan=2><b>{esc(title)}</b></td></tr>"
            body += "".join(f"<tr><td>{esc(k)}</td><td>{esc(str(v)[:300])}</td></tr>" for k, v in meta.items())
        self.setHtml(f"<h3>{esc(e.title)}</h3><table cellspacing='3'>{body}</table>")

    @staticmethod
    def rows(e: ModelEntry) -> list[tuple[str, str]]:
        """(label, value) rows of the panel: labels in the window's language, values as found."""
        translate = QCoreApplication.translate
        rows = [(translate("ModelManager", "Type"), _(TYPE_LABELS.get(e.type, e.type))),
                (translate("ModelManager", "Family"), family_label(e.family)),
                (translate("ModelManager", "Status"),
                 _(STATUS_LABELS.get(e.status, e.status)) + (f" — {e.reason}" if e.reason else "")),
                (translate("ModelManager", "Size"), format_bytes(e.size)),
                (translate("ModelManager", "Source"), _(SOURCE_LABELS.get(e.source, e.source))),
                (translate("ModelManager", "Path"), e.path)]
        caps = caps_of(e)  # what it can do, from the capability table (studio.core.models.families)
        if caps.txt2img:
            rows.insert(2, (translate("ModelManager", "Can do"), ", ".join(caps.names())))
        if caps.text_encoders:
            rows.insert(3, (translate("ModelManager", "Text encoders"), ", ".join(caps.text_encoders)))
        for k, v in e.details.items():
            if (k == "metadata" or v in (None, "") or k in ("type", "family")
                    or (k in ("title", "name") and v == e.title)):
                continue  # metadata has its own table; the card's type, family and name are shown above
            if isinstance(v, int) and k == "parameters":
                v = f"{v:,}"
            label = _(DETAIL_LABELS[k]) if k in DETAIL_LABELS else k.replace("_", " ")
            rows.append((label, ", ".join(map(str, v)) if isinstance(v, list) else str(v)))
        return rows


def ask_rename(parent: QWidget, paths: StudioPaths, e: ModelEntry) -> bool:
    """Ask for a new name and rename the model; True when it changed (a refusal is shown, one line)."""
    from studio.core.models.library import rename_model

    title = QCoreApplication.translate("ModelManager", "Rename model")
    name, ok = QInputDialog.getText(parent, title, QCoreApplication.translate("ModelManager", "New name:"),
                                    text=e.name)
    if not (ok and name and name != e.name):
        return False
    try:
        rename_model(paths, e, name)
    except StudioError as exc:
        QMessageBox.warning(parent, title, str(exc))
        return False
    return True


def ask_trash(parent: QWidget, paths: StudioPaths, e: ModelEntry) -> bool:
    """Ask, then move the model to the trash; True when it went."""
    from studio.core.models.library import trash_model

    title = QCoreApplication.translate("ModelManager", "Move to trash")
    question = QCoreApplication.translate("ModelManager", "Move {0} to the trash?").format(e.name)
    if QMessageBox.question(parent, title, question) != QMessageBox.StandardButton.Yes:
        return False
    try:
        trash_model(paths, e)
    except StudioError as exc:
        QMessageBox.warning(parent, title, str(exc))
        return False
    return True


def reveal(e: ModelEntry) -> None:
    """Open the model's folder (a file's: the folder holding it) in the system's file manager."""
    if e.path:
        p = Path(e.path)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(p if p.is_dir() else p.parent)))
