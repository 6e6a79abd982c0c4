"""``main.py engine serve``: an engine host on a TCP port, for a studio on another machine.

Each connection is one :class:`RemoteHost` (the local host's conversation, plus): the client speaks
first, and its ``hello`` must carry this machine's token before the engine says anything (a frame over
:data:`PRE_AUTH_MAX_BYTES` is refused at its length prefix; a connection that has not authenticated
within ``engine_handshake_timeout_s`` is dropped; after :data:`WRONG_TOKEN_LIMIT` wrong tokens a peer is
refused for :data:`WRONG_TOKEN_WINDOW_S`). At most ``engine_max_connections`` are held at once; an
authenticated client idle for ``engine_idle_timeout_s`` is dropped. Jobs may only be of
:data:`REMOTE_KINDS`, name models by name, and bring their input images inline (written here under
``cache/remote`` with names chosen here); each output file goes back as a ``file`` message before the
job's ``result``. Errors reach the client as one line; tracebacks stay in this machine's log, as does
every refusal with its reason. With ``--tls`` the connection is TLS with this home's self-signed
certificate (:mod:`studio.core.protocol.tls`). The engine uses this machine's settings, never the
client's (they hold the client's folders). All connections share one EngineContext.
"""
from __future__ import annotations

import logging
import secrets
import shutil
import socket
import ssl
import threading
import time
from collections import deque
from pathlib import Path
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, Callable, Mapping

from studio.core.protocol.frames import PRE_AUTH_MAX_BYTES, PROTOCOL_VERSION, ProtocolError, encode
from studio.core.protocol.messages import (WIRE_TYPES, Error, File, Hello, Message, MessageWriter, Result, RunJob,
                                           read_message, to_frame)
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.protocol.remote import (MAX_INPUT_BYTES, MAX_INPUTS, REMOTE_KINDS, RemoteEngineError, input_keys,
                                       model_name_problem, set_input, token_matches)
from studio.core.settings import Settings
from studio.host.process import Host

if TYPE_CHECKING:
    from studio.engines.context import EngineContext

log = logging.getLogger(__name__)

_OUTPUT_FIELDS = ("native",)  # result fields naming a file that goes back with the outputs
_LOCAL_FIELDS = ("source",)  # result fields naming a file on this machine: not sent
WRONG_TOKEN_LIMIT = 5
"""Wrong tokens a peer may send within :data:`WRONG_TOKEN_WINDOW_S` before its connections are refused."""
WRONG_TOKEN_WINDOW_S = 60.0
REFUSAL_TIMEOUT_S = 2.0
WATCH_INTERVAL_S = 0.1


class RemoteChannel(MessageWriter):
    """Sends each output file of a result (``file`` messages) before the result, which then names them; an
    error goes as its one line (the traceback stays in this machine's log)."""

    def send(self, message: Message) -> None:
        if isinstance(message, Error):
            text = message.message
            if message.traceback:  # one line for the operator's terminal; the traceback in the log file
                log.warning("engine: job %s failed for a remote client: %s", message.job,
                            text.strip().splitlines()[0] if text.strip() else "?")
                log.info("engine: the traceback of job %s:\n%s", message.job, message.traceback)
            lines = text.strip().splitlines()
            message = replace(message, message=lines[0] if lines else _("The engine failed."), traceback="")
        elif isinstance(message, Result):
            result = dict(message.result)
            outputs = result.get("outputs")
            result["outputs"] = [self._send_file(message.job, str(p))
                                 for p in (outputs if isinstance(outputs, (list, tuple)) else [])]
            for name in _OUTPUT_FIELDS:
                if result.get(name):
                    result[name] = self._send_file(message.job, str(result[name]))
            for name in _LOCAL_FIELDS:
                if name in result:
                    result[name] = ""
            message = replace(message, result=result)
        super().send(message)

    def _send_file(self, job_id: int, path: str) -> str:
        name = Path(path).name
        super().send(File(job_id, name, Path(path).read_bytes()))
        return name


class SharedContext:
    """One EngineContext for every connection, made from this machine's settings on first use."""

    def __init__(self, paths: StudioPaths, settings: Settings) -> None:
        self.paths, self.settings = paths, settings
        self._lock = threading.Lock()
        self._ctx: EngineContext | None = None

    def __call__(self, _client_settings: Settings) -> EngineContext:
        with self._lock:
            if self._ctx is None:
                from studio.engines.context import EngineContext

                self._ctx = EngineContext.create(self.paths, self.settings)
            return self._ctx


class Connection:
    """One client's connection as the server watches it: its socket, deadline and last activity."""

    def __init__(self, sock: socket.socket | None, peer: str, handshake_s: float) -> None:
        self.sock, self.peer = sock, peer
        self.deadline = time.monotonic() + handshake_s
        self.authenticated = False
        self.last_active = time.monotonic()
        self.busy: Callable[[], bool] = lambda: False
        self.closed_because = ""

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def drop(self, reason: str) -> None:
        """End the connection now (a blocked read in its thread returns): the watchdog's deadlines."""
        if self.closed_because:
            return
        self.closed_because = reason
        log.warning("engine: dropped %s: %s", self.peer, reason)
        try:
            if self.sock is not None:
                self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _ActivityReader:
    """A reader that notes when the client last sent something (the idle timeout)."""

    def __init__(self, stream: BinaryIO, connection: Connection) -> None:
        self._stream, self._connection = stream, connection

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._connection.touch()
        return data


class RemoteHost(Host):
    """One client's conversation with this machine's engine."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO, make_context: Callable[[Settings], EngineContext], token: str,
                 inbox: Path, connection: Connection | None = None, gate: "Gate | None" = None) -> None:
        self.connection = connection or Connection(None, "?", 1e9)
        super().__init__(_ActivityReader(reader, self.connection), writer, make_context)
        self._ready = False
        self.channel = RemoteChannel(writer)
        self._token = token
        self._inbox = inbox
        self._gate = gate
        # Idle: authenticated, its engine ready (making it may take a while), no job running or queued.
        self.connection.busy = lambda: not self._ready or self._current is not None or not self._commands.empty()

    def serve(self) -> int:
        """Nothing is said before the client's hello has carried the right token; then the usual conversation."""
        try:
            first = read_message(self._reader, limit=PRE_AUTH_MAX_BYTES)
        except ProtocolError as exc:
            self._refuse(_("This engine refused the connection."), f"before authentication: {exc}")
            return 2
        except (OSError, ValueError):
            return 0  # dropped (handshake timeout) or gone
        if first is None:
            return 0
        if not isinstance(first, Hello) or not token_matches(first.token, self._token):
            if self._gate is not None:
                self._gate.wrong_token(self.connection.peer)
            self._refuse(self.refusal(first if isinstance(first, Hello) else Hello(0)) or "",
                         "wrong token" if isinstance(first, Hello) else
                         f"a {WIRE_TYPES[type(first)]} message before the token")
            return 4
        self.connection.authenticated = True
        self.connection.touch()
        log.info("engine: %s authenticated", self.connection.peer)
        self.channel.send(Hello(PROTOCOL_VERSION))
        return self.converse(first)

    def _send_status(self) -> None:
        """(After ``ready``, after each job, when asked): the idle time counts from here."""
        self._ready = True
        self.connection.touch()
        super()._send_status()

    def _refuse(self, message: str, reason: str) -> None:
        log.warning("engine: refused %s: %s", self.connection.peer, reason)
        self._fatal(message)

    def refusal(self, hello: Hello) -> str | None:
        if token_matches(hello.token, self._token):
            return None
        return _("This engine refused the connection: wrong token. Copy the token from the engine machine's "
                 "studio home (file engine-token) into Settings → Engine.")

    def _reconfigure(self, data: Mapping[str, object]) -> None:
        """A client's settings hold its own folders: this engine keeps the settings of its machine."""
        self._send_status()

    def _run(self, job: RunJob) -> None:
        job_id = job.job
        folder = self._inbox / f"job-{job_id}-{secrets.token_hex(4)}"
        try:
            spec = self._localise(job, folder)
        except RemoteEngineError as exc:
            self.channel.send(Error(job_id, str(exc), ""))
            shutil.rmtree(folder, ignore_errors=True)
            return
        try:
            super()._run(replace(job, spec=spec))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self.connection.touch()  # idle from the end of the job

    def _localise(self, job: RunJob, folder: Path) -> dict[str, object]:
        """The job's spec with its inline files written under ``folder``; RemoteEngineError if refused."""
        spec = dict(job.spec)
        kind = spec.get("kind")
        if kind not in REMOTE_KINDS:
            raise RemoteEngineError(_("A remote engine runs image, text, upscale and faces jobs, not {kind!r}.")
                                    .format(kind=kind))
        for name in ("model", "upscale", "clip"):
            problem = model_name_problem(spec.get(name, ""))
            if problem:
                raise RemoteEngineError(problem)
        for unit in spec.get("controls") or ():
            problem = model_name_problem(unit.get("model", "") if isinstance(unit, dict) else unit)
            if problem:
                raise RemoteEngineError(problem)
        if kind == "image":
            problem = model_name_problem(spec.get("ip_adapter", ""))
            if problem:
                raise RemoteEngineError(problem)
        for lora in spec.get("loras") or ():
            problem = model_name_problem(lora[0] if isinstance(lora, (list, tuple)) and lora else lora)
            if problem:
                raise RemoteEngineError(problem)
        files = job.files
        wanted = input_keys(spec)
        if len(wanted) > MAX_INPUTS:
            raise RemoteEngineError(_("A job's inline input was malformed."))
        payload, offset = job.payload, 0
        for field in wanted:  # only what came inline is read
            set_input(spec, field, None if kind == "image" and "." not in field else "")
        for item in files:
            field, size = (item.get("field"), item.get("size")) if isinstance(item, dict) else (None, None)
            if field not in wanted or not isinstance(size, int) or not 0 < size <= MAX_INPUT_BYTES \
                    or offset + size > len(payload):
                raise RemoteEngineError(_("A job's inline input was malformed."))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"input-{wanted.index(field)}.img"  # the name is chosen here, never by the peer
            path.write_bytes(payload[offset:offset + size])
            offset += size
            set_input(spec, field, str(path))
        return spec




class Gate:
    """What every connection shares: how many are held, and the wrong tokens of each peer."""

    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self._lock = threading.Lock()
        self._held: set[Connection] = set()
        self._wrong: dict[str, deque[float]] = {}

    def admit(self, connection: Connection) -> str | None:
        """None when ``connection`` may go on (it is then held); else why not (one line for its client)."""
        with self._lock:
            wait = self._locked_out(connection.peer)
            if wait:
                log.warning("engine: refused %s: %d wrong tokens in %.0f s (locked out for %.0f s more)",
                            connection.peer, WRONG_TOKEN_LIMIT, WRONG_TOKEN_WINDOW_S, wait)
                return _("This engine refused the connection: too many wrong tokens from {peer}; try again in "
                         "{seconds} s.").format(peer=connection.peer, seconds=int(wait) + 1)
            if len(self._held) >= self.max_connections:
                log.warning("engine: refused %s: %d connections held (engine_max_connections)", connection.peer,
                            len(self._held))
                return _("This engine refused the connection: it already serves {count} connections, its limit "
                         "(engine_max_connections on the engine machine). Try again later.").format(
                    count=self.max_connections)
            self._held.add(connection)
            return None

    def release(self, connection: Connection) -> None:
        with self._lock:
            self._held.discard(connection)

    def held(self) -> list[Connection]:
        with self._lock:
            return list(self._held)

    def wrong_token(self, peer: str) -> None:
        with self._lock:
            self._wrong.setdefault(peer, deque(maxlen=WRONG_TOKEN_LIMIT)).append(time.monotonic())

    def _locked_out(self, peer: str) -> float:
        times = self._wrong.get(peer)
        if not times or len(times) < WRONG_TOKEN_LIMIT:
            return 0.0
        left = times[0] + WRONG_TOKEN_WINDOW_S - time.monotonic()
        if left <= 0:
            del self._wrong[peer]
            return 0.0
        return left


def _watch(gate: Gate, idle_s: float, stop: threading.Event) -> None:
    """Drop connections past their handshake deadline, and authenticated ones idle for ``idle_s``."""
    while not stop.wait(WATCH_INTERVAL_S):
        now = time.monotonic()
        for c in gate.held():
            if not c.authenticated and now > c.deadline:
                c.drop("no valid token within the handshake timeout (engine_handshake_timeout_s)")
            elif c.authenticated and not c.busy() and now - c.last_active > idle_s:
                c.drop(f"idle for {idle_s:g} s (engine_idle_timeout_s)")


def serve(host: str, port: int, paths: StudioPaths, settings: Settings, token: str,
          on_listening: Callable[[str, int], None] = lambda h, p: None, stop: threading.Event | None = None,
          tls: ssl.SSLContext | None = None) -> None:
    """Accept clients on ``host:port`` until ``stop`` is set (or forever); each in a thread of its own."""
    make_context = SharedContext(paths, settings)
    inbox = paths.cache / "remote"
    gate = Gate(settings.engine_max_connections)
    stop = stop or threading.Event()
    refusing = threading.BoundedSemaphore(8)  # refusals in flight (each a short thread); beyond: just closed
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    threading.Thread(target=_watch, args=(gate, settings.engine_idle_timeout_s, stop), daemon=True,
                     name="remote-watch").start()
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(64)
        server.settimeout(0.5)
        on_listening(host, server.getsockname()[1])
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except socket.timeout:
                continue
            except OSError as exc:  # e.g. out of file descriptors: keep serving the others
                log.warning("engine: accept failed: %s", exc)
                time.sleep(0.1)
                continue
            conn.settimeout(None)
            connection = Connection(conn, str(address[0]), settings.engine_handshake_timeout_s)
            refusal = gate.admit(connection)
            if refusal is not None:
                if refusing.acquire(blocking=False):
                    threading.Thread(target=_refuse_one, args=(conn, refusal, tls, refusing), daemon=True,
                                     name=f"remote-refuse-{address[0]}").start()
                else:
                    conn.close()
                continue
            log.info("engine: %s connected", connection.peer)
            threading.Thread(target=_serve_one, args=(connection, make_context, token, inbox, gate, tls),
                             daemon=True, name=f"remote-{address[0]}").start()
    stop.set()


def _refuse_one(conn: socket.socket, message: str, tls: ssl.SSLContext | None, slot: threading.BoundedSemaphore) -> None:
    """Tell a refused client why in one frame (after the TLS handshake in TLS mode), then close."""
    try:
        conn.settimeout(REFUSAL_TIMEOUT_S)
        sock: socket.socket = tls.wrap_socket(conn, server_side=True) if tls is not None else conn
        sock.sendall(encode(to_frame(Error(-1, message, ""))))
        sock.close()
    except (OSError, ValueError):
        pass
    finally:
        conn.close()
        slot.release()


def _serve_one(connection: Connection, make_context: SharedContext, token: str, inbox: Path, gate: Gate,
               tls: ssl.SSLContext | None) -> None:
    conn = connection.sock
    assert conn is not None
    streams: list[BinaryIO] = []
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            conn = tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            connection.sock = conn
            try:
                conn.do_handshake()
            except (OSError, ValueError) as exc:
                if not connection.closed_because:
                    log.warning("engine: refused %s: no TLS handshake (%s)", connection.peer,
                                getattr(exc, "reason", None) or exc)
                return
        streams = [conn.makefile("rb"), conn.makefile("wb")]
        RemoteHost(streams[0], streams[1], make_context, token, inbox, connection, gate).serve()
    except OSError as exc:  # the client went away
        log.info("engine: %s gone: %s", connection.peer, exc)
    finally:
        gate.release(connection)
        for stream in streams:
            try:
                stream.close()
            except OSError:
                pass
        try:
            conn.close()
        except OSError:
            pass
