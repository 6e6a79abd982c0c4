"""The studio's side of a remote engine (``main.py engine serve`` on another machine), no Qt.

:class:`RemoteHostClient` is a :class:`~studio.jobs.host_client.HostClient` whose host is reached over
TCP instead of started as a child: the same frames, plus the token in ``hello`` (the client speaks first:
the engine says nothing before it), input images sent inline with the job (never the client's paths),
and the results' files received before the result and stored in this studio's outputs folder under
names chosen here. With ``engine_tls_fingerprint`` set the connection is TLS, and a certificate with
another fingerprint is refused before the token is sent. The connection is the one the network guard
lets through for the configured engine (recorded in the audit log).
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Callable

from studio.core import netguard
from studio.core.atomic import atomic_write_bytes
from studio.core.protocol.frames import PROTOCOL_VERSION, ProtocolError
from studio.core.protocol.messages import File, Hello, Message, MessageWriter, Ready, Result, RunJob, read_message
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, Reporter
from studio.core.protocol.remote import (MAX_INPUT_BYTES, MAX_INPUTS, REMOTE_KINDS, RemoteEngineError, as_model_name,
                                       get_input, input_keys, set_input,
                                       parse_address, safe_output_name)
from studio.core.settings import Settings, settings_to_dict
from studio.core.specs.base import Spec
from studio.core.specs.serial import spec_to_dict
from studio.jobs.host_client import FAILED, HostClient, HostStartError, Inbox, JobEnd, PreviewSink

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
HELLO_TIMEOUT_S = 30.0


class RemoteHostClient(HostClient):
    """A lane whose engine runs on another machine (or in another studio home) behind ``address``."""

    def __init__(self, paths: StudioPaths, settings: Settings, address: str, token: str, name: str = "remote") -> None:
        super().__init__(paths, settings, name=name, command=["remote", address])
        self.address = address
        self.token = token
        self._sock: socket.socket | None = None
        self._connected = threading.Event()
        self._payload = b""
        self._files: list[dict[str, object]] = []
        self._received: dict[str, str] = {}

    @property
    def running(self) -> bool:
        return self._sock is not None and self._connected.is_set()

    @property
    def pid(self) -> int | None:
        return None

    def _start(self, stopping: Callable[[], bool]) -> str:
        self._discard()
        host, port = parse_address(self.address)
        pinned = self.settings.engine_tls_fingerprint.strip()
        log.info("connecting to the engine at %s:%d%s", host, port, " (TLS)" if pinned else "")
        try:
            # The one destination the network guard lets through outside a download: the configured engine.
            with netguard.allowing(_("remote engine {address}").format(address=self.address), hosts={host}):
                sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise HostStartError(_("The engine at {address} cannot be reached: {reason}").format(
                address=self.address, reason=exc.strerror or exc)) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if pinned:
                sock = self._tls(sock, pinned)
            sock.settimeout(None)
        except (OSError, RemoteEngineError) as exc:
            sock.close()
            raise HostStartError(str(exc) if isinstance(exc, RemoteEngineError) else _(
                "The TLS handshake with the engine at {address} failed ({reason}): does it run with --tls?").format(
                address=self.address, reason=getattr(exc, "reason", None) or exc), permanent=True) from exc
        self._sock, self._inbox = sock, queue.Queue()
        self._writer = MessageWriter(sock.makefile("wb"))
        self._connected.set()
        threading.Thread(target=self._read_socket, args=(sock.makefile("rb"), self._inbox, self._connected),
                         name=f"{self.name}-reader", daemon=True).start()
        # The client speaks first: the engine says nothing before it has seen the right token.
        self._send(Hello(PROTOCOL_VERSION, token=self.token, settings=settings_to_dict(self.settings)))
        try:
            hello = self._wait_for(Hello, HELLO_TIMEOUT_S, stopping)
        except HostStartError as exc:
            if exc.permanent or stopping():  # the engine's own refusal (one line), or the user stopped
                raise
            raise HostStartError(_("The engine at {address} said nothing ({reason}): is it a studio engine, and "
                                   "does it run with --tls (then set its fingerprint in Settings → Engine)?").format(
                address=self.address, reason=str(exc))) from None
        if hello.version != PROTOCOL_VERSION:
            self._discard()
            raise HostStartError(_("Protocol version mismatch: the engine speaks {theirs}, the studio {mine}.").format(
                theirs=hello.version, mine=PROTOCOL_VERSION), permanent=True)
        ready = self._wait_for(Ready, 600.0, stopping)
        self.device = f"{ready.device} @ {self.address}"
        self._start_failures = 0
        return self.device

    def _tls(self, sock: socket.socket, pinned: str) -> socket.socket:
        """``sock`` wrapped in TLS; RemoteEngineError (before the token is sent) unless the certificate is pinned."""
        from studio.core.protocol.tls import check_pin, client_context

        tls = client_context().wrap_socket(sock)
        try:
            check_pin(tls, pinned, self.address)
        except RemoteEngineError:
            tls.close()
            raise
        return tls

    @staticmethod
    def _read_socket(stream: BinaryIO, inbox: Inbox, connected: threading.Event) -> None:
        try:
            while (message := read_message(stream)) is not None:
                inbox.put(("message", message))
        except ProtocolError as exc:
            inbox.put(("protocol", exc))
            connected.clear()
            return
        except (OSError, ValueError):
            pass
        connected.clear()
        inbox.put(("eof", None))

    def _reap(self) -> int | None:
        return None  # no process here: the engine machine's keeps running

    def kill(self) -> None:
        """Drop the connection (the engine stops this client's job and waits for the next client)."""
        sock, self._sock = self._sock, None
        self._connected.clear()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _discard(self) -> None:
        self.kill()
        self._writer = None

    # -- jobs ----------------------------------------------------------------------------------

    def run_job(self, job_id: int, spec: Spec, reporter: Reporter, cancel: CancelToken, *, title: str = "",
                grace_s: float = 5.0, on_preview: PreviewSink | None = None, preview_box: tuple[int, int] = (0, 0),
                preview_interval: float = 0.05) -> JobEnd:
        try:
            self._prepare(spec)
        except (RemoteEngineError, OSError) as exc:
            return JobEnd(FAILED, message=str(exc) if isinstance(exc, RemoteEngineError) else _(
                "An input of the job cannot be read: {reason}").format(reason=exc))
        self._received = {}
        try:
            return super().run_job(job_id, spec, reporter, cancel, title=title, grace_s=grace_s,
                                   on_preview=on_preview, preview_box=preview_box, preview_interval=preview_interval)
        finally:
            self._payload, self._files = b"", []

    def _prepare(self, spec: Spec) -> None:
        """The job's input files, read now: they travel inline with the job."""
        if spec.kind not in REMOTE_KINDS:
            raise RemoteEngineError(_("A remote engine runs image, text, upscale and faces jobs; run {kind} jobs "
                                      "with the local engine (Settings → Engine).").format(kind=spec.kind))
        chunks, files = [], []
        data_spec = spec_to_dict(spec)
        keys = input_keys(data_spec)
        if len(keys) > MAX_INPUTS:
            raise RemoteEngineError(_("A job for a remote engine carries at most {n} input images.").format(n=MAX_INPUTS))
        for field in keys:
            value = get_input(data_spec, field)
            if not value:
                continue
            data = Path(value).read_bytes()
            if len(data) > MAX_INPUT_BYTES:
                raise RemoteEngineError(_("{name} is too large to send to a remote engine.").format(
                    name=Path(value).name))
            chunks.append(data)
            files.append({"field": field, "size": len(data)})
        self._payload, self._files = b"".join(chunks), files

    def _send(self, message: Message) -> None:
        writer = self._writer
        if writer is None:
            raise OSError("no engine connection")
        if isinstance(message, RunJob):
            spec = dict(message.spec)
            for name in ("model", "upscale", "clip", "ip_adapter"):
                if isinstance(spec.get(name), str):
                    spec[name] = as_model_name(spec[name])  # a name, never this machine's path
            if spec.get("controls"):
                spec["controls"] = [{**u, "model": as_model_name(u.get("model", ""))} for u in spec["controls"]]
            for name in input_keys(spec):
                if get_input(spec, name):
                    set_input(spec, name, Path(get_input(spec, name)).name)  # the engine reads the inline copy
            message = replace(message, spec=spec, files=tuple(self._files), payload=self._payload)
        writer.send(message)

    def _handle(self, job_id: int, message: Message, reporter: Reporter,
                on_preview: PreviewSink | None) -> JobEnd | None:
        if isinstance(message, File):
            if message.job == job_id:
                self._store(message)
            return None
        if isinstance(message, Result) and message.job == job_id:
            result = dict(message.result)
            named = result.get("outputs")
            outputs = [self._received.get(str(o), "") for o in (named if isinstance(named, (list, tuple)) else [])]
            result["outputs"] = outputs
            if result.get("native"):
                result["native"] = self._received.get(str(result["native"]), "")
            if not all(outputs):
                return JobEnd(FAILED, message=_("The remote engine named a result it did not send."))
            message = replace(message, result=result)
        return super()._handle(job_id, message, reporter, on_preview)

    def _store(self, message: File) -> None:
        """Keep a result file under this studio's outputs folder (the name is cleaned and made unique here)."""
        folder = self.settings.outputs_folder(self.paths.outputs)
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_output_name(message.name)
        target = folder / name
        n = 1
        while target.exists():
            target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        atomic_write_bytes(target, message.payload)
        self._received[message.name] = str(target)


def make_client(paths: StudioPaths, settings: Settings, name: str) -> HostClient:
    """The lane's engine: a local host process, or the remote engine of Settings → Engine."""
    if settings.engine_address:
        return RemoteHostClient(paths, settings, settings.engine_address, settings.engine_token, name=name)
    return HostClient(paths, settings, name=name)
