"""`engine host|serve`: the engine process the studio starts for each lane (a frozen build has no
``python -m``), and an engine for a studio on another machine.

Their settings (lanes, processes per device, cancel grace period) are ordinary settings:
``main.py settings set shared_lane on``, ``main.py settings set cancel_grace_s 2``. A studio uses a
remote engine with ``main.py settings set engine_address HOST:PORT`` and ``... engine_token TOKEN``
(or Settings → Engine); with ``engine serve --tls`` also ``engine_tls_fingerprint``, the fingerprint
it prints. The server's limits are settings of its own home: ``engine_max_connections`` (8),
``engine_idle_timeout_s`` and ``engine_handshake_timeout_s`` (10).
"""
from __future__ import annotations

import argparse
import sys

from studio.core.i18n import _
from studio.core.protocol.remote import DEFAULT_PORT


def cmd_host(args: argparse.Namespace) -> int:
    from studio.host.process import main as host_main

    return host_main()


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from studio.core.paths import StudioPaths
    from studio.core.protocol.remote import load_token, parse_address, token_path
    from studio.core.settings import load_settings
    from studio.host.remote import serve

    host, port = parse_address(args.listen, listen=True)
    paths = StudioPaths.from_env()
    token = load_token(paths)
    tls = None
    fingerprint = ""
    if args.tls:
        from studio.core.protocol.tls import ensure_certificate, server_context

        cert, key, fingerprint = ensure_certificate(paths, [host])
        tls = server_context(cert, key)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(_("warning: listening on {host}, not only this machine: anyone who can reach it and has the token "
                "can run jobs. An SSH tunnel to 127.0.0.1 (or --tls) is safer.").format(host=host), file=sys.stderr)
    # Refusals and dropped connections also go to the terminal of the engine's operator (and to the log).
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    handler.setLevel(logging.WARNING)
    logging.getLogger("studio.host.remote").addHandler(handler)

    def listening(bound_host: str, bound_port: int) -> None:
        print(_("engine listening on {host}:{port}").format(host=bound_host, port=bound_port), flush=True)
        print(_("token (in {path}): {token}").format(path=token_path(paths), token=token), flush=True)
        if fingerprint:
            print(_("TLS certificate SHA-256 fingerprint (pin it in Settings → Engine, or main.py settings set "
                    "engine_tls_fingerprint ...): {fingerprint}").format(fingerprint=fingerprint), flush=True)

    settings = load_settings(paths.settings_file)
    try:
        serve(host, port, paths, settings, token, on_listening=listening, tls=tls)
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
    p.add_argument("--tls", action="store_true",
                   help=_("speak TLS with a self-signed certificate (made once in the studio home; its SHA-256 "
                          "fingerprint is printed for the client to pin)"))
    p.set_defaults(func=cmd_serve)
