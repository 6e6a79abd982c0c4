"""The language is chosen from --lang, the setting, $AIGC_STUDIO_LANG and the locale; catalogues are current."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.i18n import _, current_language
from studio.core.language import load_catalogue, normalize_language, resolve_language, use_language
from studio.core.settings import validate_setting

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n as i18n_tool  # noqa: E402  (tools/i18n.py)


@pytest.mark.parametrize("code,expected", [("zh_CN.UTF-8", "zh_CN"), ("zh-cn", "zh_CN"), ("zh", "zh_CN"),
                                           ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("fr_FR", None),
                                           ("xx", None)])
def test_locale_names_map_to_the_languages_spoken(code, expected):
    assert normalize_language(code) == expected


def test_the_language_comes_from_flag_then_setting_then_env_then_locale():
    env = {"LANG": "zh_CN.UTF-8"}
    assert resolve_language(None, "system", env) == "zh_CN"
    assert resolve_language(None, "en", env) == "en"
    assert resolve_language("en", "zh_CN", env) == "en"
    assert resolve_language(None, "system", {"LANG": "en_US.UTF-8", "AIGC_STUDIO_LANG": "zh_CN"}) == "zh_CN"
    assert resolve_language(None, "system", {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}) == "zh_CN"
    assert resolve_language(None, "system", {}) == "en"


def test_an_unknown_language_falls_back_to_english_with_a_log_line(caplog):
    with caplog.at_level(logging.WARNING):
        assert resolve_language("klingon", "system", {}) == "en"
    assert "unknown language 'klingon'" in caplog.text


def test_the_language_setting_is_validated():
    assert validate_setting("language", "zh_CN") is None
    assert validate_setting("language", "system") is None
    assert "zh_CN" in (validate_setting("language", "de") or "")


def test_core_messages_speak_chinese_and_a_damaged_catalogue_falls_back(tmp_path, caplog):
    message = "Expected on or off."
    assert use_language("zh_CN") == "zh_CN"
    translated = _(message)
    assert translated != message and any("\u4e00" <= ch <= "\u9fff" for ch in translated)
    (tmp_path / "studio_zh_CN.mo").write_bytes(b"\xde\x12\x04\x95garbage")
    with caplog.at_level(logging.WARNING):
        use_language("zh_CN", folder=tmp_path)
    assert _(message) == message and "stay in English" in caplog.text
    use_language("en")
    assert current_language() == "en" and _(message) == message


def test_the_cli_speaks_chinese_only_when_asked(tmp_path):
    env_en = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "AIGC_STUDIO_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, str(ROOT / "main.py"), "settings", "set", "theme", "purple"]
    en = subprocess.run(cmd, cwd=ROOT, env=env_en, capture_output=True, text=True, timeout=60)
    zh = subprocess.run([*cmd[:2], "--lang", "zh_CN", *cmd[2:]], cwd=ROOT, env=env_en, capture_output=True,
                        text=True, timeout=60)
    zh_env = subprocess.run(cmd, cwd=ROOT, env={**env_en, "LANG": "zh_CN.UTF-8"}, capture_output=True, text=True,
                            timeout=60)
    assert en.returncode == zh.returncode == zh_env.returncode == 1
    assert "Use system, light or dark." in en.stderr
    assert "Use system, light or dark." not in zh.stderr and any("\u4e00" <= c <= "\u9fff" for c in zh.stderr)
    assert zh_env.stderr == zh.stderr


def test_the_compiled_catalogues_are_current_with_their_sources():
    assert i18n_tool.stale_outputs() == [], "run tools/i18n.py build"


def test_the_mo_writer_round_trips_through_gettext(tmp_path):
    path = tmp_path / "x.mo"
    path.write_bytes(i18n_tool.mo_bytes({"Seed": "种子", "Steps {n}": "步数 {n}", "untranslated": ""}, "zh_CN"))
    import gettext

    with path.open("rb") as fh:
        t = gettext.GNUTranslations(fh)
    assert t.gettext("Seed") == "种子" and t.gettext("Steps {n}") == "步数 {n}"
    assert t.gettext("untranslated") == "untranslated"


def test_translation_coverage_is_reported():
    """Counts what is still untranslated (printed; the last entries are finished by later sessions)."""
    stats = i18n_tool.stats()
    for name, (done, total) in stats.items():
        print(f"{name}: {done}/{total} translated, {total - done} unfinished")
        assert total > 0 and 0 <= done <= total
    assert load_catalogue("en").gettext("x") == "x"


def test_every_translation_keeps_the_placeholders_of_its_source():
    """A translation that drops or renames {name} would break .format() in Chinese only."""
    import re
    import string

    def fields(text: str) -> set[str]:
        try:
            return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}
        except ValueError:
            return {"<unbalanced>"}

    broken = []
    for msgid, msgstr in i18n_tool.read_po(i18n_tool.po_path("zh_CN")).items():
        if msgstr and fields(msgid) != fields(msgstr):
            broken.append((msgid, msgstr))
    qt_args = re.compile(r"%L?\d+|\{\d*\}")
    import xml.etree.ElementTree as ET

    for m in ET.parse(i18n_tool.ts_path("zh_CN")).getroot().iter("message"):
        src, tr = m.findtext("source") or "", m.findtext("translation") or ""
        if tr and sorted(qt_args.findall(src)) != sorted(qt_args.findall(tr)):
            broken.append((src, tr))
        if tr and "{" in src and fields(src) != fields(tr) and not qt_args.search(src):
            broken.append((src, tr))
    assert broken == []


def test_no_message_lands_untranslated():
    """Every tr()/_() string in the sources has its zh_CN translation (tools/i18n.py pending lists the
    missing ones: run tools/i18n.py update, translate them, then tools/i18n.py build)."""
    missing = i18n_tool.pending()
    assert missing == [], f"{len(missing)} messages untranslated: {missing[:20]}"
