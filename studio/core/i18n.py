"""The core's message catalogue: user-visible text from ``studio/core`` and ``studio/engines``.

Qt widgets translate with ``tr()``; code below the Qt layer (core, engines, the CLI's messages)
wraps its user-visible strings in :func:`_` so that a Qt-free gettext catalogue can translate them::

    from studio.core.i18n import _
    raise SpecError(_("Steps must be between {low} and {high}.").format(low=1, high=150))

Translate first, then format (named placeholders), so that the catalogue holds one entry per message.
The language is chosen once per process (:func:`set_language`), like Qt's installed translators.
"""
from __future__ import annotations

import gettext

DOMAIN = "studio"


class _Catalogue:
    """The process's active translation (English, the source language, until set_language)."""

    def __init__(self) -> None:
        self.translation: gettext.NullTranslations = gettext.NullTranslations()
        self.language = "en"


_active = _Catalogue()


def _(message: str) -> str:
    """``message`` in the active language (itself when untranslated)."""
    return _active.translation.gettext(message)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for the catalogue without translating it (data defined before the language is
    chosen: titles and descriptions in tables); whoever shows it calls ``_(value)``."""
    return message


def current_language() -> str:
    return _active.language


def set_translation(language: str, translation: gettext.NullTranslations) -> None:
    """Make ``translation`` the active catalogue (called once at start-up or on a language switch)."""
    _active.translation = translation
    _active.language = language
