"""`settings show|set|reset`: the same settings file the window's Settings dialog edits, checked the same way."""
from __future__ import annotations

import argparse
import dataclasses
import json

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.settings import AUTO_SETTINGS, Settings, load_settings, save_settings, validate_setting

LIST_FIELDS = ("model_dirs", "content_filter_concepts", "content_filter_classifier_labels")


class SettingsValueError(StudioError, ValueError):
    """A setting name or value the studio cannot use."""


def register(sub) -> None:
    parser = sub.add_parser("settings", help=_("show and change the settings (device, folders, theme, ...)"))
    cmds = parser.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    p = cmds.add_parser("show", help=_("every setting and its value"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_show)
    p = cmds.add_parser("set", help=_("change one setting, e.g. `settings set device cpu`"))
    p.add_argument("name", help=_("setting name (see `settings show`)"))
    p.add_argument("value", nargs="*", help=_("new value; several folders for model_dirs"))
    p.set_defaults(func=cmd_set)
    p = cmds.add_parser("reset", help=_("put one setting (or all with --all) back to its default"))
    p.add_argument("name", nargs="?")
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=cmd_reset)


def _names() -> list[str]:
    return [f.name for f in dataclasses.fields(Settings) if f.name != "extra"]


def parse_value(name: str, words: list[str]) -> object:
    """The typed value of ``name`` from command-line words (on/off, numbers, folder lists)."""
    if name not in _names():
        raise SettingsValueError(_("Unknown setting {name!r}; valid: {names}.").format(
            name=name, names=", ".join(_names())))
    default = getattr(Settings(), name)
    if name in LIST_FIELDS:
        return tuple(words)
    if len(words) != 1:
        raise SettingsValueError(_("Give one value for {name}.").format(name=name))
    word = words[0]
    if isinstance(default, bool):
        low = word.lower()
        if low in ("on", "true", "yes", "1"):
            return True
        if low in ("off", "false", "no", "0"):
            return False
        raise SettingsValueError(_("{name}: use on or off.").format(name=name))
    if name in AUTO_SETTINGS and word.lower() == "auto":
        return AUTO_SETTINGS[name]
    if isinstance(default, (int, float)):
        try:
            return type(default)(word)
        except ValueError:
            raise SettingsValueError(_("{name}: expected a number, got {value!r}.").format(name=name, value=word))
    return word


def cmd_show(args: argparse.Namespace) -> int:
    paths = StudioPaths.from_env()
    values = dataclasses.asdict(load_settings(paths.settings_file))
    values.pop("extra", None)
    if args.json:
        print(json.dumps(values, indent=2))
        return 0
    for name, value in values.items():
        shown = ", ".join(value) if isinstance(value, (list, tuple)) else value
        print(f"{name:<22} {shown if shown not in ('', ()) else '-'}")
    print(f"({paths.settings_file})")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    paths = StudioPaths.from_env()
    value = parse_value(args.name, list(args.value))
    problem = validate_setting(args.name, value)
    if problem:
        raise SettingsValueError(_("{name}: {problem}").format(name=args.name, problem=problem))
    save_settings(paths.settings_file, load_settings(paths.settings_file).replace(**{args.name: value}))
    print(_("{name} = {value}").format(name=args.name, value=value))
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    paths = StudioPaths.from_env()
    current = load_settings(paths.settings_file)
    if args.all:
        new = Settings()
    elif args.name in _names():
        new = current.replace(**{args.name: getattr(Settings(), args.name)})
    else:
        raise SettingsValueError(_("Name a setting to reset (or --all); valid: {names}.").format(
            names=", ".join(_names())))
    save_settings(paths.settings_file, new)
    print(_("Settings reset."))
    return 0
