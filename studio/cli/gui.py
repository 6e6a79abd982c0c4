"""`python main.py gui` (the default command): open the studio window."""
from __future__ import annotations

import argparse
import os
import sys

from studio.core.errors import StudioError
from studio.core.i18n import _


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if not _has_display():
        # Qt would abort with a core dump; say it in one line instead.
        raise StudioError(_("No display found ($DISPLAY and $WAYLAND_DISPLAY are unset): "
                            "use the command line (`python main.py --help`) or `python main.py demo`."))
    from studio.app import run_gui  # Qt is imported only for this command

    return run_gui([sys.argv[0], *args.qt_args], language=getattr(args, "lang", None))


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help=_("open the studio window (the default)"),
                              description=_("Open the studio window."))
    p.add_argument("qt_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(func=run)
