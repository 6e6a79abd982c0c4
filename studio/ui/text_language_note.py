"""Under the text model list: the languages the model reads, and, when the prompt is Chinese and the model
reads English only, a note with a button to the recommended Chinese-capable models (the Download dialog,
filtered to them: nothing is fetched before the user checked a model's size and agreed)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from typing import Callable, Mapping

from studio.core.models.builtin_text import SMOLLM2_LANGUAGES, SMOLLM2_NAME
from studio.core.language import mostly_chinese, reads_only_english
from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry
from studio.jobs.api import JobPool


def languages_of(entry: ModelEntry | None) -> object:
    """What a model entry says it reads ("en, zh"; None when it does not say)."""
    return (getattr(entry, "details", None) or {}).get("languages") if entry is not None else None


def english_only(model: str, languages: object) -> bool:
    """``model`` ("" = the default, the built-in SmolLM2) reads English only."""
    return reads_only_english(SMOLLM2_LANGUAGES if model in ("", SMOLLM2_NAME) else languages)


def chinese_model_instead(model: str, entries: Mapping[str, ModelEntry], prompt: str) -> str:
    """The installed model to answer ``prompt`` when it is Chinese and ``model`` reads English only ("": keep)."""
    from studio.core.models.recommended import chinese_text_model

    if not mostly_chinese(prompt) or not english_only(model, languages_of(entries.get(model))):
        return ""
    pick = chinese_text_model(list(entries.values()))
    return pick.name if pick is not None else ""


def chinese_models_dialog(parent: QWidget, paths: StudioPaths, pool: Callable[[], JobPool | None]) -> QWidget:
    """The Download dialog offering the recommended Chinese-capable models (size, licence, fits in memory)."""
    from studio.core.models.recommended import memory_budget_bytes, recommended_text_models
    from studio.core.settings import load_settings
    from studio.ui.download_dialog import DownloadDialog

    settings = load_settings(paths.settings_file)
    dialog = DownloadDialog(pool, offline=settings.offline, parent=parent)
    dialog.suggest(recommended_text_models("zh"), memory_budget_bytes(settings.memory_budget_gb),
                   QCoreApplication.translate("LanguageNote", "Small instruct models that read and write Chinese"))
    return dialog


class LanguageNote(QWidget):
    """``update_for(model, languages, prompt)`` after the model or the prompt changed."""

    chinese_models_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.languages_label = QLabel()
        self.languages_label.setObjectName("text_model_languages")
        self.languages_label.setWordWrap(True)
        self.chinese_note = QLabel()
        self.chinese_note.setObjectName("chinese_note")
        self.chinese_note.setWordWrap(True)
        self.chinese_note.setStyleSheet("QLabel { background: #fff4ce; color: #5c4400; padding: 6px; }")
        self.chinese_button = QPushButton(self.tr("Chinese-capable models…"))
        self.chinese_button.setObjectName("chinese_models_button")
        self.chinese_button.setToolTip(self.tr("Small instruct models that read and write Chinese: size, licence "
                                               "and whether they fit this machine's memory; downloaded only "
                                               "after you check and agree"))
        self.chinese_button.clicked.connect(self.chinese_models_requested)
        for w in (self.languages_label, self.chinese_note, self.chinese_button):
            lay.addWidget(w)
        self.update_for("", None, "")

    def update_for(self, model: str, languages: object, prompt: str) -> None:
        """``model``: its name ("" for the default, the built-in SmolLM2); ``languages``: what it reads (None:
        unknown; the built-in one's are known); ``prompt``: what the user is writing."""
        builtin = model in ("", SMOLLM2_NAME)
        name = SMOLLM2_NAME if builtin else model
        english = english_only(model, languages)
        chinese = english and mostly_chinese(prompt)
        if builtin and english:
            self.languages_label.setText(self.tr("{0} was trained on English text: it reads and answers English; "
                                                 "Chinese prompts get poor answers.").format(name))
        self.languages_label.setVisible(builtin and english and not chinese)
        if chinese:
            self.chinese_note.setText(self.tr("Your prompt is in Chinese, but {0} reads English only: its answer "
                                              "will be poor. Use a model that reads Chinese:").format(name))
        self.chinese_note.setVisible(chinese)
        self.chinese_button.setVisible(chinese)

    @property
    def warns(self) -> bool:
        """The Chinese-prompt note is shown."""
        return not self.chinese_note.isHidden()
