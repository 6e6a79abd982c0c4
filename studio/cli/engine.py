"""`engine host`: the engine process the studio starts for each lane (a frozen build has no ``python -m``).

Its settings (lanes, processes per device, cancel grace period) are ordinary settings:
``main.py settings set shared_lane on``, ``main.py settings set cancel_grace_s 2``.
"""
from __future__ import annotations

import argparse

from studio.core.i18n import _


def cmd_host(args: argparse.Namespace) -> int:
    from studio.engines.host import main as host_main

    return host_main()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("engine", help=_("engine processes (the studio starts them itself)"))
    cmds = parser.add_subparsers(dest="engine_command", metavar="SUBCOMMAND")
    p = cmds.add_parser("host", help=_("serve one studio over stdin/stdout with the engine protocol"))
    p.set_defaults(func=cmd_host)
