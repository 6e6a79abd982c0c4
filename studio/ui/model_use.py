"""One click from a model to the workspace that uses it (the model manager's Use, double-click, menu).

``use_label(entry)`` names the action ('' when no workspace uses that kind of model) and
``use_model(window, entry)`` performs it: selects the model in that workspace's picker (or adds a
LoRA/embedding to the prompt) and shows the workspace.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from studio.core.models.registry import UNDERSTAND_TYPES, ModelEntry
from studio.ui.lora_picker import tag_name
from studio.ui.prompt_editor import PROMPT_MODEL_TYPES

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


def use_model(window: Any, entry: ModelEntry) -> bool:
    """Open ``entry`` where it is used; False when no workspace uses it."""
    if entry.type in PROMPT_MODEL_TYPES:
        window.prompt_editor.set_model(entry.name)
        window.show_workspace("image")
    elif entry.type in FACES_TYPES:
        window.faces_workspace.set_model(entry.name)
        window.show_workspace("faces")
    elif entry.type in ("causal_lm", "gguf"):
        text = window.workspace("text")
        if text is None:
            return False
        text.set_model(entry.name)
        window.show_workspace("text")
    elif entry.type in UNDERSTAND_TYPES:  # the Text workspace's Understand tab (fill mask, classify)
        text = window.workspace("text")
        if text is None:
            return False
        text.understand.add_model(entry)
        text.modes.setCurrentWidget(text.understand)
        window.show_workspace("text")
    elif entry.type == "lora":
        window.prompt_editor.lora_picker.add(tag_name(entry))  # a <lora:…> tag with its weight slider
        window.show_workspace("image")
    elif entry.type == "textual_inversion":
        edit = window.prompt_editor.prompt_edit
        token = entry.name
        if token not in edit.toPlainText():
            cursor = edit.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            text = edit.toPlainText()
            cursor.insertText((", " if text.strip() and not text.rstrip().endswith(",") else "") + token)
        window.show_workspace("image")
    elif entry.type == "upscaler":
        window.upscale_tools.set_model(entry.name)
        window.show_workspace("image")
    else:
        return False
    window.status.showMessage(QCoreApplication.translate("ModelUse", "Using {0}").format(entry.title), 4000)
    return True
