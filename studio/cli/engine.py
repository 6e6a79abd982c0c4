"""`engine host|serve`: the engine process the studio starts for each lane (a frozen build has no
``python -m``), and an engine for a studio on another machine.

Their settings (lanes, processes per device, cancel grace period) are ordinary settings:
``main.py settings set shared_lane on``, ``main.py settings set cancel_grace_s 2``. A studio uses a
remote engine with ``main.py settings set engine_address HOST:PORT`` and ``... engine_token TOKEN``
(or Settings → Engine).
"""
from __future__ import annotations

import argparse
import sys

from studio.core.i18n import _
from studio.core.remote_engine import DEFAULT_PORT


def cmd_host(args: argparse.Namespace) -> int:
    from studio.engines.host import main as host_main

    return host_main()


def cmd_serve(args: argparse.Namespace) -> int:
    from studio.core.paths import StudioPaths
    from studio.core.remote_engine import load_token, parse_address, token_path
    from studio.core.settings import load_settings
    from studio.engines.remote import serve

    host, port = parse_address(args.listen, listen=True)
    paths = StudioPaths.from_env()
    token = load_token(paths)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(_("warning: listening on {host}, not only this machine: anyone who can reach it and has the token "
                "can run jobs. An SSH tunnel to 127.0.0.1 is safer.").format(host=host), file=sys.stderr)

    def listening(bound_host: str, bound_port: int) -> None:
        print(_("engine listening on {host}:{port}").format(host=bound_host, port=bound_port), flush=True)
        print(_("token (in {path}): {token}").format(path=token_path(paths), token=token), flush=True)

    try:
        serve(host, port, paths, load_settings(paths.settings_file), token, on_listening=listening)
    except KeyboardInterrupt:
        return 0
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("engine", help=_("engine processes (the studio starts them itself), remote engines"))
    cmds = parser.add_subparsers(dest="engine_command", metavar="SUBCOMMAND")
    p = cmds.add_parser("host", help=_("serve one studio over stdin/stdout with the engine protocol"))
    p.set_defaults(func=cmd_host)
    p = cmds.add_parser("serve", help=_("run an engine that studios on other machines use (token required)"))
    p.add_argument("--listen", default=f"127.0.0.1:{DEFAULT_PORT}", metavar="HOST:PORT",
                   help=_("address to listen on (default 127.0.0.1:{port}: this machine only; reach it from "
                          "elsewhere through an SSH tunnel)").format(port=DEFAULT_PORT))
    p.set_defaults(func=cmd_serve)
