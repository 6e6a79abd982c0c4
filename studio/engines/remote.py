"""``main.py engine serve``: an engine host on a TCP port, for a studio on another machine.

Each connection is one :class:`RemoteHost` (the local host's conversation, plus): the client's
``hello`` must carry this machine's token; jobs may only be of :data:`REMOTE_KINDS`, name models by
name, and bring their input images inline (written here under ``cache/remote`` with names chosen
here); each output file goes back as a ``file`` message before the job's ``result``. The engine
uses this machine's settings, never the client's (they hold the client's folders). All
connections share one EngineContext, so a model is loaded once.
"""
from __future__ import annotations

import logging
import secrets
import shutil
import socket
import threading
from pathlib import Path
from typing import Any, BinaryIO, Callable

from studio.core.engine_protocol import Frame, FrameWriter
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.remote_engine import (INPUT_FIELDS, MAX_INPUT_BYTES, REMOTE_KINDS, RemoteEngineError,
                                       model_name_problem, token_matches)
from studio.core.settings import Settings
from studio.engines.host import Host

log = logging.getLogger(__name__)

_OUTPUT_FIELDS = ("native",)  # result fields naming a file that goes back with the outputs
_LOCAL_FIELDS = ("source",)  # result fields naming a file on this machine: not sent


class RemoteChannel(FrameWriter):
    """Sends each output file of a result (``file`` messages) before the result, which then names them."""

    def send(self, kind: str, payload: bytes = b"", **fields: Any) -> None:
        if kind == "result" and isinstance(fields.get("result"), dict):
            result = dict(fields["result"])
            result["outputs"] = [self._send_file(fields["job"], p) for p in result.get("outputs") or []]
            for name in _OUTPUT_FIELDS:
                if result.get(name):
                    result[name] = self._send_file(fields["job"], result[name])
            for name in _LOCAL_FIELDS:
                if name in result:
                    result[name] = ""
            fields = {**fields, "result": result}
        super().send(kind, payload, **fields)

    def _send_file(self, job_id: int, path: str) -> str:
        name = Path(path).name
        super().send("file", Path(path).read_bytes(), job=job_id, name=name)
        return name


class SharedContext:
    """One EngineContext for every connection, made from this machine's settings on first use."""

    def __init__(self, paths: StudioPaths, settings: Settings) -> None:
        self.paths, self.settings = paths, settings
        self._lock = threading.Lock()
        self._ctx: Any = None

    def __call__(self, _client_settings: Settings) -> Any:
        with self._lock:
            if self._ctx is None:
                from studio.engines.context import EngineContext

                self._ctx = EngineContext.create(self.paths, self.settings)
            return self._ctx


class RemoteHost(Host):
    """One client's conversation with this machine's engine."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO, make_context: Callable[[Settings], Any], token: str,
                 inbox: Path) -> None:
        super().__init__(reader, writer, make_context)
        self.channel = RemoteChannel(writer)
        self._token = token
        self._inbox = inbox

    def refusal(self, hello: Frame) -> str | None:
        if token_matches(hello.get("token"), self._token):
            return None
        log.warning("refused a client with a wrong engine token")
        return _("This engine refused the connection: wrong token. Copy the token from the engine machine's "
                 "studio home (file engine-token) into Settings → Engine.")

    def _reconfigure(self, data: dict[str, Any]) -> None:
        """A client's settings hold its own folders: this engine keeps the settings of its machine."""
        self._send_status()

    def _run(self, frame: Frame) -> None:
        job_id = frame["job"]
        folder = self._inbox / f"job-{job_id}-{secrets.token_hex(4)}"
        try:
            spec = self._localise(frame, folder)
        except RemoteEngineError as exc:
            self.channel.send("error", job=job_id, message=str(exc), traceback="")
            shutil.rmtree(folder, ignore_errors=True)
            return
        try:
            super()._run(Frame(frame.type, {**frame.fields, "spec": spec}))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _localise(self, frame: Frame, folder: Path) -> dict[str, Any]:
        """The job's spec with its inline files written under ``folder``; RemoteEngineError if refused."""
        spec = dict(frame["spec"])
        kind = spec.get("kind")
        if kind not in REMOTE_KINDS:
            raise RemoteEngineError(_("A remote engine runs image, text, upscale and faces jobs, not {kind!r}.")
                                    .format(kind=kind))
        for name in ("model", "upscale", "clip"):
            problem = model_name_problem(spec.get(name, ""))
            if problem:
                raise RemoteEngineError(problem)
        for lora in spec.get("loras") or ():
            problem = model_name_problem(lora[0] if isinstance(lora, (list, tuple)) and lora else lora)
            if problem:
                raise RemoteEngineError(problem)
        files = frame.get("files") or []
        wanted = INPUT_FIELDS.get(kind, ())
        payload, offset = frame.payload, 0
        for field in wanted:
            spec[field] = None if kind == "image" else ""  # only what came inline is read
        for item in files if isinstance(files, list) else ():
            field, size = (item.get("field"), item.get("size")) if isinstance(item, dict) else (None, None)
            if field not in wanted or not isinstance(size, int) or not 0 < size <= MAX_INPUT_BYTES \
                    or offset + size > len(payload):
                raise RemoteEngineError(_("A job's inline input was malformed."))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{field}.img"  # the name is chosen here, never by the peer
            path.write_bytes(payload[offset:offset + size])
            offset += size
            spec[field] = str(path)
        return spec


def serve(host: str, port: int, paths: StudioPaths, settings: Settings, token: str,
          on_listening: Callable[[str, int], None] = lambda h, p: None, stop: threading.Event | None = None) -> None:
    """Accept clients on ``host:port`` until ``stop`` is set (or forever); each in a thread of its own."""
    make_context = SharedContext(paths, settings)
    inbox = paths.cache / "remote"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen()
        server.settimeout(0.5)
        on_listening(host, server.getsockname()[1])
        while stop is None or not stop.is_set():
            try:
                conn, peer = server.accept()
            except socket.timeout:
                continue
            conn.settimeout(None)
            log.info("engine client connected from %s", peer[0])
            threading.Thread(target=_serve_one, args=(conn, make_context, token, inbox), daemon=True,
                             name=f"remote-{peer[0]}").start()


def _serve_one(conn: socket.socket, make_context: SharedContext, token: str, inbox: Path) -> None:
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader, writer = conn.makefile("rb"), conn.makefile("wb")
        try:
            RemoteHost(reader, writer, make_context, token, inbox).serve()
        except OSError as exc:  # the client went away
            log.info("engine client gone: %s", exc)
        finally:
            for stream in (reader, writer):
                try:
                    stream.close()
                except OSError:
                    pass
