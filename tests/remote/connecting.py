"""Engines that try the network (plugged in through AIGC_STUDIO_ENGINES): what the network guard must catch.

``run_loud`` lets the guard's error end the job; ``run_quiet`` swallows it and answers as if nothing happened
(a library phoning home behind the user's back), so only the guard's records show it.
"""
from __future__ import annotations

import socket

from studio.core.results import TextResult

TARGET = ("192.0.2.7", 443)  # RFC 5737 documentation range: never routed


def _phone_home() -> None:
    socket.create_connection(TARGET, timeout=1).close()


def run_loud(spec, reporter, cancel, ctx):
    _phone_home()
    return TextResult(outputs=(), text="unreachable")


def run_quiet(spec, reporter, cancel, ctx):
    try:
        _phone_home()
    except OSError:
        pass
    return TextResult(outputs=(), text="hello from a plug-in", runner="llama.cpp")
