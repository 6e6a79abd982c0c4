"""Which language the studio speaks, and the Qt-free catalogue for core, engine and CLI messages.

The language comes from (first that is set): an explicit choice (``--lang``), the ``language`` setting
(unless "system"), ``$AIGC_STUDIO_LANG``, then the locale (``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG``).
Only :data:`LANGUAGES` are spoken; anything else falls back to English with one log line.
Catalogues live in ``resources/i18n``: ``studio_<lang>.mo`` here (gettext), ``studio_<lang>.qm`` for Qt.
"""
from __future__ import annotations

import gettext
import logging
import os
import struct
from pathlib import Path
from typing import Mapping

from studio.core.i18n import set_translation
from studio.core.paths import resources_dir

log = logging.getLogger(__name__)

ENGLISH = "en"
LANGUAGES: tuple[str, ...] = (ENGLISH, "zh_CN")
"""The languages the studio speaks (English is the source language: it needs no catalogue)."""
LANGUAGE_CHOICES: tuple[str, ...] = ("system",) + LANGUAGES
"""Values of the ``language`` setting."""
LANG_ENV = "AIGC_STUDIO_LANG"
LOCALE_ENVS = ("LC_ALL", "LC_MESSAGES", "LANG")


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def normalize_language(code: str) -> str | None:
    """``zh_CN.UTF-8``, ``zh-cn``, ``zh`` → ``zh_CN``; ``en_US`` → ``en``; None when not spoken."""
    base = code.strip().split(".")[0].split("@")[0].replace("-", "_")
    if not base:
        return None
    lang, _sep, region = base.partition("_")
    lang = lang.lower()
    if lang in ("c", "posix", ENGLISH):
        return ENGLISH
    if lang == "zh" and region.upper() in ("", "CN", "SG", "HANS"):
        return "zh_CN"
    return None


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The locale's language from the environment ("en" when unset or not spoken)."""
    env = os.environ if environ is None else environ
    for name in LOCALE_ENVS:
        value = env.get(name, "")
        if value:
            return normalize_language(value) or ENGLISH
    return ENGLISH


def resolve_language(explicit: str | None = None, setting: str = "system",
                     environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: ``explicit``, else ``setting`` (unless "system"), else env/locale.

    An unknown code falls back to English with one log line (never an error: the studio must open).
    """
    env = os.environ if environ is None else environ
    for source, code in (("--lang", explicit), ("the language setting", None if setting == "system" else setting),
                         (LANG_ENV, env.get(LANG_ENV))):
        if code:
            language = normalize_language(code)
            if language is None:
                log.warning("unknown language %r from %s; using English", code, source)
                return ENGLISH
            return language
    return system_language(env)


def load_catalogue(language: str, folder: Path | None = None) -> gettext.NullTranslations:
    """The gettext catalogue of ``language`` (an empty one for English, or when missing or damaged)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    path = (folder or i18n_dir()) / f"studio_{language}.mo"
    try:
        with path.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    except (OSError, ValueError, UnicodeDecodeError, IndexError, struct.error) as exc:
        log.warning("no %s catalogue for core messages (%s: %s); they stay in English", language, path, exc)
        return gettext.NullTranslations()


def use_language(language: str, folder: Path | None = None) -> str:
    """Make ``language`` the catalogue of ``studio.core.i18n._`` for this process; returns it."""
    if language not in LANGUAGES:
        log.warning("unknown language %r; using English", language)
        language = ENGLISH
    set_translation(language, load_catalogue(language, folder))
    return language


def is_han(ch: str) -> bool:
    """A Chinese (Han) character: the CJK Unified Ideographs blocks."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2EBEF or 0xF900 <= o <= 0xFAFF


def mostly_chinese(text: str) -> bool:
    """Is ``text`` (a prompt) written in Chinese: at least two Han characters, and at least a third of its
    letters? ("Describe 茶叶 in English" is English with a word of Chinese.)"""
    letters = [c for c in text if c.isalpha()]
    han = sum(1 for c in letters if is_han(c))
    return han >= 2 and han * 3 >= len(letters)


def reads_only_english(languages: object) -> bool:
    """A model's ``languages`` (a tuple, or "en, zh" as model details hold it) name English alone."""
    if isinstance(languages, str):
        languages = [p.strip() for p in languages.replace(";", ",").split(",")]
    codes = {str(x).strip().lower() for x in (languages or ()) if str(x).strip()}
    return codes == {"en"}
