"""The Settings dialog (Ctrl+,) and its pages.

Each page is a small module with one :class:`~studio.ui.settings.page.SettingsPage` subclass, listed
in ``PAGES`` (in the dialog's order). To add a page: write the module, add one line here.
"""
from __future__ import annotations

PAGES: tuple[tuple[str, str], ...] = (
    ("studio.ui.settings.general", "GeneralPage"),
    ("studio.ui.settings.models", "ModelsPage"),
    ("studio.ui.settings.appearance", "AppearancePage"),
    ("studio.ui.settings.language", "LanguagePage"),
    ("studio.ui.settings.engine", "EnginePage"),
    ("studio.ui.settings.content_filter", "ContentFilterPage"),
    ("studio.ui.settings.privacy", "PrivacyPage"),
    ("studio.ui.settings.memory_speed", "MemorySpeedPage"),
    ("studio.ui.settings.text_models", "TextModelsPage"),
)
"""(module, class) of each page."""
