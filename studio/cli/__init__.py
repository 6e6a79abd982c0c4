"""Command line: everything the GUI does, headless, with the same engines.

Each command group lives in its own module exposing ``register(subparsers)``; the handler a
module installs (``set_defaults(func=...)``) receives the parsed args and returns an exit code.
Errors print one clear line on stderr and exit non-zero; the traceback goes to the log.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys

from studio import APP_NAME, __version__
from studio.core.errors import StudioError, user_message
from studio.core.i18n import N_, _
from studio.core.language import resolve_language, use_language

# Command modules under studio.cli, in the order they appear in --help.
COMMAND_MODULES = ("gui", "generate", "evaluate", "understand", "describe", "upscale", "models", "train", "queue", "history",
                   "settings", "demo", "selftest", "engine", "network")

log = logging.getLogger("studio.cli")

ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"), N_("ignored explicit argument %r"),
)
"""argparse's own words (its gettext msgids, Python 3.11): listed so the studio catalogue translates them."""


def _lang_in_argv(argv: list[str]) -> str | None:
    """The ``--lang`` value among the options before the command (argparse has not run yet), or None."""
    for i, arg in enumerate(argv):
        if arg == "--lang":
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if not arg.startswith("-") or arg == "--":
            return None  # the command: --lang is a top-level option, later tokens are the command's
    return None


def choose_language(argv: list[str]) -> str:
    """Speak the CLI's language from now on, before the parser's help texts are built: ``--lang``, else
    ``$AIGC_STUDIO_LANG``, else the locale (the CLI follows the locale, not the GUI's setting).

    argparse's own words ("usage:", "options:", its error lines) come from ``gettext.gettext``, bound in
    argparse at import; it looks them up through the studio catalogue instead, so they follow too.
    """
    language = use_language(resolve_language(_lang_in_argv(argv)))
    argparse._ = _  # type: ignore[attr-defined]  # argparse's translator (identity in English, as before)
    return language


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}",
                        help=_("show program's version number and exit"))
    parser.add_argument("--lang", metavar="LANG", default=None,
                        help=_("language of messages: en or zh_CN (default: $AIGC_STUDIO_LANG, then the locale)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"studio.cli.{name}").register(sub)
    return parser


def _log_failure(message: str) -> None:
    """The traceback to the studio log; never to stderr (no log handler: logging's last resort would)."""
    if logging.getLogger().handlers:
        log.exception(message)


def _guard_network(args: argparse.Namespace) -> None:
    """Every command runs under the network guard (offline: outbound connections refused and recorded)."""
    from studio.core import netguard
    from studio.core.paths import StudioPaths

    words = [str(args.command)] + [str(getattr(args, f"{args.command}_command", "") or getattr(args, "what", "") or "")]
    netguard.install(StudioPaths.from_env(), " ".join(w for w in words if w))


def main(argv: list[str] | None = None) -> int:
    from studio.cli.common import setup_logging

    argv = sys.argv[1:] if argv is None else list(argv)
    choose_language(argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["gui"])  # no command: open the studio
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        setup_logging()
        _guard_network(args)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(_("cancelled"), file=sys.stderr)
        return 130
    except (StudioError, OSError, ValueError, MemoryError, RuntimeError, sqlite3.Error) as exc:
        _log_failure("command failed")
        print(_("error: {message}").format(message=user_message(exc)), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line for the user; the traceback is in the log
        _log_failure("command failed unexpectedly")
        print(_("error: internal error ({message}); the details are in the studio log.").format(
            message=user_message(exc)), file=sys.stderr)
        return 1
