"""The network guard: every studio process refuses outbound connections while offline, and says who tried.

:func:`install` (at start-up of the window, each engine host and every CLI command) wraps the socket
layer's ways out: ``socket.connect``/``connect_ex``/``sendto`` and the name look-ups (``getaddrinfo``,
``gethostbyname(_ex)``, ``gethostbyaddr``). Local traffic is not touched: Unix sockets, and loopback
addresses (127.0.0.0/8, ::1, ``localhost``). The engine hosts talk to the window over pipes, and
multiprocessing over pipes and Unix sockets, so the studio needs no network of its own.

Any other attempt is checked: inside :func:`allowing` (a consented download, the configured remote
engine, the address of a distributed training's main process) it goes ahead and is recorded as
``allowed``; otherwise, while offline mode is on (the settings file; the default), it is refused with
:class:`NetworkRefused` naming the code that tried (the first frame outside the socket plumbing) and
recorded as ``refused``; with offline mode off it goes ahead and is recorded as ``made``. Records are
JSON lines in the studio home's ``network-audit.jsonl`` (``main.py network log``, Settings → Privacy);
the window adds a ``start`` line each time it opens. The guard works on Python's socket module: code
that opens sockets in C (none in the studio; Qt's network module is not used) is not seen.
"""
from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.paths import StudioPaths

AUDIT_FILE = "network-audit.jsonl"
MAX_AUDIT_BYTES = 4 << 20
"""The log is rotated once (to ``network-audit.1.jsonl``) past this size."""
MAX_LINE_BYTES = 2048
_PLUMBING = ("socket", "ssl", "studio.core.netguard", "asyncio", "selectors", "http.", "urllib", "urllib3", "httpx",
             "httpx2", "httpcore", "h11", "h2", "requests", "anyio", "sniffio", "concurrent", "threading",
             "contextlib", "functools", "multiprocessing.connection", "smtplib", "ftplib", "xmlrpc", "email")


class NetworkRefused(StudioError, ConnectionRefusedError):
    """An outbound connection refused by the guard (offline mode)."""


class LookupRefused(StudioError, socket.gaierror):
    """A name look-up (DNS) refused by the guard (offline mode)."""


@dataclass
class _Scope:
    purpose: str
    hosts: set[str] | None  # None: any destination


@dataclass
class _State:
    paths: StudioPaths | None = None
    process: str = ""
    strict: bool = False
    """Refuse outside a scope whatever the settings say (the self-test)."""
    offline_cache: tuple[float, bool] = (0.0, True)


_state = _State()
_scopes: list[_Scope] = []
_lock = threading.RLock()
_local = threading.local()
_originals: dict[str, Callable[..., Any]] = {}
_session: list[dict[str, Any]] = []
"""This process's records since :func:`install` (what the self-test checks)."""


# -- install ---------------------------------------------------------------------------------------

def install(paths: StudioPaths, process: str) -> None:
    """Guard this process's sockets, recording in ``paths``' audit log (again: a new home or process name)."""
    with _lock:
        _state.paths, _state.process = paths, process
        _state.offline_cache = (0.0, True)  # read the (maybe new) home's settings at the next attempt
        if _originals:
            return
        _originals.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                          sendto=socket.socket.sendto, getaddrinfo=socket.getaddrinfo,
                          gethostbyname=socket.gethostbyname, gethostbyname_ex=socket.gethostbyname_ex,
                          gethostbyaddr=socket.gethostbyaddr)
        socket.socket.connect = _connect  # type: ignore[method-assign]
        socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
        socket.socket.sendto = _sendto  # type: ignore[method-assign]
        socket.getaddrinfo = _getaddrinfo
        socket.gethostbyname = _lookup("gethostbyname")
        socket.gethostbyname_ex = _lookup("gethostbyname_ex")
        socket.gethostbyaddr = _lookup("gethostbyaddr")
    master = os.environ.get("MASTER_ADDR", "")
    if master and not is_local(master):  # a distributed training launched by accelerate/torchrun
        _scopes.append(_Scope(_("distributed training (MASTER_ADDR)"), {master}))


def installed() -> bool:
    return bool(_originals)


def uninstall() -> None:
    """Put the socket functions back (tests)."""
    with _lock:
        if not _originals:
            return
        socket.socket.connect = _originals["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = _originals["connect_ex"]  # type: ignore[method-assign]
        socket.socket.sendto = _originals["sendto"]  # type: ignore[method-assign]
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
            setattr(socket, name, _originals[name])
        _originals.clear()
        _scopes.clear()
        _session.clear()
        _state.strict = False


@contextmanager
def allowing(purpose: str, hosts: Iterable[str] | None = None) -> Iterator[None]:
    """Let connections through while inside (to ``hosts`` and the addresses they resolve to; None: any),
    each recorded as ``allowed`` for ``purpose``: consented downloads and the configured remote engine."""
    scope = _Scope(purpose, set(hosts) if hosts is not None else None)
    with _lock:
        _scopes.append(scope)
    try:
        yield
    finally:
        with _lock:
            if scope in _scopes:
                _scopes.remove(scope)


@contextmanager
def strict() -> Iterator[None]:
    """Refuse every attempt outside :func:`allowing`, whatever offline mode says (the self-test)."""
    old, _state.strict = _state.strict, True
    try:
        yield
    finally:
        _state.strict = old


def session_records() -> list[dict[str, Any]]:
    """This process's records (allowed, made, refused) since the guard was installed."""
    with _lock:
        return list(_session)


def record_start() -> None:
    """The window opened: counts "since the studio started" begin here."""
    _write({"event": "start"})


# -- checks ----------------------------------------------------------------------------------------

def is_local(host: Any) -> bool:
    """Loopback, the unspecified address or ``localhost``: traffic that never leaves this machine."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().lower().rstrip(".")
    if name in ("", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback") or \
            name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
        return True
    except ValueError:
        return False


def _scope_for(host: str) -> _Scope | None:
    with _lock:
        for scope in reversed(_scopes):
            if scope.hosts is None or host in scope.hosts:
                return scope
    return None


def _offline() -> bool:
    if _state.strict:
        return True
    stamp, value = _state.offline_cache
    if time.monotonic() - stamp < 2.0:
        return value
    value = True
    if _state.paths is not None:
        from studio.core.settings import load_settings

        try:
            value = load_settings(_state.paths.settings_file).offline
        except Exception:  # noqa: BLE001 (an unreadable file: offline, the default)
            value = True
    _state.offline_cache = (time.monotonic(), value)
    return value


def _caller() -> tuple[str, str]:
    """(the first frame outside the socket plumbing, the innermost frame outside the guard) as module.function."""
    frame = sys._getframe(2)
    by = via = ""
    while frame is not None:
        module = frame.f_globals.get("__name__", "?")
        if module != __name__:
            where = f"{module}.{frame.f_code.co_name}"
            via = via or where
            if not module.startswith(_PLUMBING) or module == "__main__":
                by = f"{where} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})"
                break
        frame = frame.f_back
    return by or via or "?", via


def _check(kind: str, host: str, port: Any, error: type[OSError]) -> None:
    """Let the attempt through (recording it when it leaves the machine) or raise ``error``."""
    if getattr(_local, "busy", False):
        return
    target = f"{host}:{port}" if port not in (None, "") else host
    scope = _scope_for(host)
    if scope is not None:  # (a remote engine through an SSH tunnel on 127.0.0.1 is recorded too)
        _record("allowed", kind, target, purpose=scope.purpose)
        return
    if is_local(host):
        return
    if not _offline():
        _record("made", kind, target)
        return
    by = _record("refused", kind, target)
    raise error(_("Offline mode: the studio refused a network connection to {target} tried by {by}. "
                  "`main.py network log` lists every attempt.").format(target=target, by=by))


def _resolved(scope_host: str, infos: list[Any]) -> None:
    """The addresses a scope's host name resolved to belong to the scope too (the connect comes next)."""
    with _lock:
        for scope in _scopes:
            if scope.hosts is not None and scope_host in scope.hosts:
                scope.hosts.update(str(info[4][0]) for info in infos if info and len(info) > 4)


def _address_host(address: Any) -> tuple[str | None, Any]:
    if isinstance(address, tuple) and address:
        host = address[0]
        return (host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)), \
            (address[1] if len(address) > 1 else None)
    return None, None  # a Unix socket path, or something the socket module refuses itself


def _connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host, port = _address_host(address)
        if host is not None:
            _check("connect", host, port, NetworkRefused)
    return _originals["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host, port = _address_host(address)
        if host is not None:
            _check("connect", host, port, NetworkRefused)
    return _originals["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    address = args[-1] if args else None
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host, port = _address_host(address)
        if host is not None:
            _check("udp", host, port, NetworkRefused)
    return _originals["sendto"](self, data, *args)


def _getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    if isinstance(name, str) and not is_local(name) and not _is_numeric(name):
        _check("dns", name, port, LookupRefused)
        infos = _originals["getaddrinfo"](host, port, *args, **kwargs)
        _resolved(name, infos)
        return infos
    return _originals["getaddrinfo"](host, port, *args, **kwargs)


def _lookup(function: str) -> Callable[..., Any]:
    def guarded(host: Any) -> Any:
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if isinstance(name, str) and not is_local(name) and not (function != "gethostbyaddr" and _is_numeric(name)):
            _check("dns", name, None, LookupRefused)
        return _originals[function](host)

    guarded.__name__ = function
    return guarded


# -- the audit log ---------------------------------------------------------------------------------

def audit_path(paths: StudioPaths) -> Path:
    return paths.root / AUDIT_FILE


def _record(event: str, kind: str, target: str, purpose: str = "") -> str:
    by, via = _caller()
    _write({"event": event, "kind": kind, "target": target[:300], "by": by[:300], "via": via[:200],
            "purpose": purpose[:200]})
    return by


def _write(entry: dict[str, Any]) -> None:
    entry = {"time": round(time.time(), 3), "pid": os.getpid(), "process": _state.process, **entry}
    with _lock:
        if entry["event"] != "start":
            _session.append(entry)
        paths = _state.paths
        if paths is None:
            return
        _local.busy = True  # writing the log opens no socket, but a hook on open() might
        try:
            path = audit_path(paths)
            line = json.dumps(entry, ensure_ascii=False)[:MAX_LINE_BYTES] + "\n"
            try:
                if path.is_file() and path.stat().st_size > MAX_AUDIT_BYTES:
                    os.replace(path, path.with_name(AUDIT_FILE.replace(".jsonl", ".1.jsonl")))
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line.encode("utf-8"))
                finally:
                    os.close(fd)
            except OSError:
                pass  # an unwritable home: the attempt is still refused (and counted in this process)
        finally:
            _local.busy = False


def read_log(paths: StudioPaths) -> list[dict[str, Any]]:
    """Every readable record, oldest first (unreadable lines are skipped)."""
    out: list[dict[str, Any]] = []
    for path in (audit_path(paths).with_name(AUDIT_FILE.replace(".jsonl", ".1.jsonl")), audit_path(paths)):
        try:
            if not path.is_file():
                continue
            with open(path, "rb") as fh:
                raw = fh.read(2 * MAX_AUDIT_BYTES + MAX_LINE_BYTES)
        except OSError:
            continue
        for line in raw.decode("utf-8", "replace").splitlines():
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(entry, dict) and isinstance(entry.get("event"), str) and \
                    isinstance(entry.get("time"), (int, float)):
                out.append({k: v for k, v in entry.items() if isinstance(v, (str, int, float))})
    return out


@dataclass(frozen=True)
class Summary:
    """Counts of the audit log: since installation, and since the window last opened (``started``)."""

    total: dict[str, int]
    since_start: dict[str, int]
    started: float | None


def summarise(entries: list[dict[str, Any]]) -> Summary:
    """Counts by event; "since start" counts the records after the last ``start`` line (the log is in order)."""
    last = max((i for i, e in enumerate(entries) if e.get("event") == "start"), default=None)
    total = {"allowed": 0, "made": 0, "refused": 0}
    since = dict(total)
    for i, e in enumerate(entries):
        event = e.get("event")
        if event in total:
            total[event] += 1
            if last is not None and i > last:
                since[event] += 1
    return Summary(total, since, entries[last]["time"] if last is not None else None)
