"""Settings → Language: follow the system's locale, or speak English or Chinese (after a restart, which the
window offers on OK: see MainWindow.offer_restart)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from studio.core.language import LANGUAGE_CHOICES
from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo

# Each language by its own name (a person who cannot read the current language still finds theirs).
_NATIVE_NAMES = {"en": "English", "zh_CN": "简体中文"}


class LanguagePage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        names = {"system": self.tr("Follow the system"), **_NATIVE_NAMES}
        self.language = ChoiceCombo([(names[code], code) for code in LANGUAGE_CHOICES])
        self.language.setObjectName("language")
        self.bind("language", self.tr("Language"), self.language, self.language.value, self.language.set_value,
                  self.language.currentIndexChanged,
                  self.tr("Takes effect when the studio restarts: on OK it offers to restart now."))

    def page_title(self) -> str:
        return self.tr("Language")
