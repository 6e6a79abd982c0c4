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
from studio.core.i18n import _
from studio.core.language import resolve_language, use_language

# Command modules under studio.cli, in the order they appear in --help.
COMMAND_MODULES = ("gui", "generate", "evaluate", "understand", "upscale", "models", "train", "queue", "history",
                   "settings", "demo", "selftest", "engine")

log = logging.getLogger("studio.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--lang", metavar="LANG", default=None,
                        help="language of messages: en or zh_CN (default: $AIGC_STUDIO_LANG, then the locale)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"studio.cli.{name}").register(sub)
    return parser


def _log_failure(message: str) -> None:
    """The traceback to the studio log; never to stderr (no log handler: logging's last resort would)."""
    if logging.getLogger().handlers:
        log.exception(message)


def main(argv: list[str] | None = None) -> int:
    from studio.cli.common import setup_logging

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv or ["gui"])  # no command: open the studio
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        setup_logging()
        # The CLI speaks the locale's language (English unless it or --lang says otherwise), not the setting.
        use_language(resolve_language(args.lang))
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
