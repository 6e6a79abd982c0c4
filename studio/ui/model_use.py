"""One click from a model to the workspace that uses it (the model manager's Use, double-click, menu).

``use_label(entry)`` names the action ('' when no workspace uses that kind of model) and a
:class:`ModelUse` performs it: selects the model in that workspace's picker (or adds a LoRA/embedding to
the prompt) and shows the workspace.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from studio.core.models.registry import UNDERSTAND_TYPES, ModelEntry
from studio.ui.lora_picker import tag_name
from studio.ui.prompt_editor import PROMPT_MODEL_TYPES, PromptEditor

if TYPE_CHECKING:
    from studio.ui.builtin_tools import UpscaleTools
    from studio.ui.faces_workspace import FacesWorkspace
    from studio.ui.session import StudioSession
    from studio.ui.text_workspace import TextWorkspace

FACES_TYPES = ("gan", "studio_vae")  # the Faces workspace samples both (and runs a VAE on your images)


def use_label(entry: ModelEntry) -> str:
    """What Use does for ``entry``, as its button/menu text; '' when nothing uses it."""
    if entry.type in PROMPT_MODEL_TYPES:
        return QCoreApplication.translate("ModelUse", "Use in Image")
    if entry.type in FACES_TYPES:
        return QCoreApplication.translate("ModelUse", "Use in Faces")
    if entry.type in ("causal_lm", "gguf", *UNDERSTAND_TYPES):
        return QCoreApplication.translate("ModelUse", "Use in Text")
    if entry.type in ("lora", "textual_inversion"):
        return QCoreApplication.translate("ModelUse", "Add to the prompt")
    if entry.type == "upscaler":
        return QCoreApplication.translate("ModelUse", "Use for upscaling")
    return ""


class ModelUse:
    """Where Use sends a model: the prompt editor, the Upscale menu, and the Faces and Text workspaces; the
    session shows the workspace and says what happened."""

    def __init__(self, session: StudioSession, editor: PromptEditor, upscale: UpscaleTools, faces: FacesWorkspace,
                 text: TextWorkspace) -> None:
        self.session, self.editor, self.upscale, self.faces, self.text = session, editor, upscale, faces, text

    def __call__(self, entry: ModelEntry) -> bool:
        """Open ``entry`` where it is used; False when no workspace uses it."""
        workspace = self._use(entry)
        if not workspace:
            return False
        self.session.show_workspace(workspace)
        self.session.notify(QCoreApplication.translate("ModelUse", "Using {0}").format(entry.title), 4000)
        return True

    def _use(self, entry: ModelEntry) -> str:
        """Hand ``entry`` to its workspace; that workspace's key ('' when none uses it)."""
        if entry.type in PROMPT_MODEL_TYPES:
            self.editor.set_model(entry.name)
        elif entry.type in FACES_TYPES:
            self.faces.set_model(entry.name)
            return "faces"
        elif entry.type in ("causal_lm", "gguf"):
            self.text.set_model(entry.name)
            return "text"
        elif entry.type in UNDERSTAND_TYPES:  # the Text workspace's Understand tab (fill mask, classify)
            self.text.understand.add_model(entry)
            self.text.modes.setCurrentWidget(self.text.understand)
            return "text"
        elif entry.type == "lora":
            self.editor.lora_picker.add(tag_name(entry))  # a <lora:…> tag with its weight slider
        elif entry.type == "textual_inversion":
            edit = self.editor.prompt_edit
            token = entry.name
            if token not in edit.toPlainText():
                cursor = edit.textCursor()
                cursor.movePosition(cursor.MoveOperation.End)
                text = edit.toPlainText()
                cursor.insertText((", " if text.strip() and not text.rstrip().endswith(",") else "") + token)
        elif entry.type == "upscaler":
            self.upscale.set_model(entry.name)
        else:
            return ""
        return "image"
