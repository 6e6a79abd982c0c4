"""Settings → Appearance: light, dark, or follow the desktop."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo


class AppearancePage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.theme = ChoiceCombo([(self.tr("Follow the system"), "system"), (self.tr("Light"), "light"),
                                  (self.tr("Dark"), "dark")])
        self.theme.setObjectName("theme")
        self.bind("theme", self.tr("Theme"), self.theme, self.theme.value, self.theme.set_value,
                  self.theme.currentIndexChanged, self.tr("Applied when you press OK."))

    def page_title(self) -> str:
        return self.tr("Appearance")
