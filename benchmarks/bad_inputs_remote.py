"""The bad-input corpus's remote-engine cases: hostile clients against a real ``main.py engine serve`` on 127.0.0.1.

Each case is what a stranger (or a broken client) sends; the engine must answer with at most one refusal line
(never a greeting, a pid or a traceback), or drop the connection in silence, and keep serving. Kinds as in
``bad_inputs.py``: "one-line error" (one error frame, one line, no traceback), "ok" (dropped quietly, or the
client's own one-line refusal), "traceback" (a traceback reached the client or the engine's stderr, or the
engine died), "other" (anything else, e.g. memory grew with an unauthenticated frame).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.protocol.frames import (PROTOCOL_VERSION, Frame, ProtocolError, encode,  # noqa: E402
                                         frame_prefix, read_frame)

HANDSHAKE_S = 1.0


def _start(home: Path, *args: str) -> tuple[subprocess.Popen, int, str, str]:
    home.mkdir(parents=True)
    (home / "settings.json").write_text(json.dumps({"scan_hf_cache": False, "device": "cpu",
                                                    "engine_handshake_timeout_s": HANDSHAKE_S}))
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="",
               AIGC_STUDIO_LANG="en")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "engine", "serve", "--listen", "127.0.0.1:0",
                             *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stdout.readline() for _ in range(3 if "--tls" in args else 2)]
    port = int(lines[0].rsplit(":", 1)[1])
    fingerprint = lines[2].rsplit(": ", 1)[1].strip() if "--tls" in args else ""
    return proc, port, (home / "engine-token").read_text().strip(), fingerprint


def _connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.settimeout(10)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def _answer(sock: socket.socket, limit_s: float = 10.0) -> bytes:
    chunks, deadline = [], time.monotonic() + limit_s
    sock.settimeout(limit_s)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


def _frames(data: bytes) -> list[Frame]:
    stream, out = io.BytesIO(data), []
    try:
        while (frame := read_frame(stream)) is not None:
            out.append(frame)
    except ProtocolError:
        out.append(Frame("garbled"))
    return out


def _kind(data: bytes, want_job: int = -1) -> tuple[str, str]:
    """Classify what the engine sent a hostile client."""
    if b"Traceback" in data or b'File "' in data:
        return "traceback", "a traceback reached the client"
    frames = [f for f in _frames(data) if f.type not in ("status",)]
    if not frames:
        return "ok", "dropped in silence"
    if b'"pid"' in data and want_job == -1:
        return "other", "the pid reached an unauthenticated client"
    errors = [f for f in frames if f.type == "error" and f.fields.get("job") == want_job]
    if len(errors) == 1 and "\n" not in errors[0].fields["message"] and not errors[0].fields["traceback"]:
        return "one-line error", errors[0].fields["message"]
    return "other", ", ".join(f.type for f in frames)


def _hello(token: str) -> bytes:
    return encode(Frame("hello", {"version": PROTOCOL_VERSION, "settings": {}, "token": token}))


def _send_then_answer(port: int, data: bytes, source: str = "127.0.0.1") -> tuple[str, str]:
    sock = _connect(port, source)
    try:
        sock.sendall(data)
    except OSError:
        pass
    return _kind(_answer(sock))


def run(base: Path) -> list[tuple[str, str, str]]:
    """(case name, kind, detail) for every remote case."""
    import logging

    import psutil

    logging.getLogger("studio").addHandler(logging.NullHandler())  # the clients' own log lines are not output
    out: list[tuple[str, str, str]] = []
    proc, port, token, _ = _start(base / "engine-home")
    tls_proc, tls_port, tls_token, tls_fp = _start(base / "tls-home", "--tls")

    def case(name: str, fn: Callable[[], tuple[str, str]]) -> None:
        try:
            kind, detail = fn()
        except Exception as exc:  # noqa: BLE001 (the harness reports, it does not stop)
            kind, detail = "other", f"{type(exc).__name__}: {exc}"
        out.append((name, kind, detail))

    def oversized() -> tuple[str, str]:
        engine = psutil.Process(proc.pid)
        before = engine.memory_info().rss
        sock, sent = _connect(port), 0
        try:
            sock.sendall(frame_prefix(64, 256 << 20))
            while sent < 64 << 20:
                sock.sendall(b"\0" * (1 << 20))
                sent += 1 << 20
        except OSError:
            pass
        kind, detail = _kind(_answer(sock, 5))
        grown = (engine.memory_info().rss - before) >> 20
        return (kind, f"{detail}; RSS +{grown} MiB") if grown < 16 else ("other", f"RSS grew {grown} MiB")

    def silent(data: bytes) -> Callable[[], tuple[str, str]]:
        def fn() -> tuple[str, str]:
            sock = _connect(port)
            sock.sendall(data)
            t0 = time.monotonic()
            kind, detail = _kind(_answer(sock, HANDSHAKE_S + 5))
            return kind, f"{detail} after {time.monotonic() - t0:.1f} s"
        return fn

    def ninth() -> tuple[str, str]:
        held = [_connect(port, "127.0.0.20") for _ in range(8)]
        try:
            return _kind(_answer(_connect(port, "127.0.0.20"), 5))
        finally:
            for sock in held:
                sock.close()

    def sixth_wrong() -> tuple[str, str]:
        for _ in range(5):
            _answer(_send_raw(port, _hello("guess"), "127.0.0.21"))
        return _send_then_answer(port, _hello(token), "127.0.0.21")

    def authenticated_job(spec: dict) -> Callable[[], tuple[str, str]]:
        def fn() -> tuple[str, str]:
            sock = _connect(port, "127.0.0.22")
            sock.sendall(_hello(token))
            sock.settimeout(300)
            reader = sock.makefile("rb")
            while (frame := read_frame(reader)) is not None and frame.type != "ready":
                pass
            sock.sendall(encode(Frame("job", {"job": 7, "spec": spec, "previews": False, "preview_max": 0})))
            data = b""
            while (frame := read_frame(reader)) is not None and frame.type not in ("error", "result"):
                pass
            if frame is not None:
                data = encode(frame)
            sock.close()
            return _kind(data, want_job=7)
        return fn

    def client(fingerprint: str) -> tuple[str, str]:
        from studio.core.paths import StudioPaths
        from studio.core.settings import Settings
        from studio.jobs.host_client import HostStartError
        from studio.jobs.remote_client import RemoteHostClient

        c = RemoteHostClient(StudioPaths(base / "client-home"), Settings(engine_tls_fingerprint=fingerprint),
                             f"127.0.0.1:{tls_port}", tls_token)
        try:
            c.ensure_started()
            return "other", "connected"
        except HostStartError as exc:
            return ("one-line error" if "\n" not in str(exc) else "other"), str(exc)
        finally:
            c.close()

    try:
        case("pre-auth frame announcing 256 MB", oversized)
        case("HTTP request instead of frames", lambda: _send_then_answer(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        case("30 000-deep JSON hello", lambda: _send_then_answer(port, frame_prefix(60_000, 0) + b"[" * 30_000
                                                                 + b"]" * 30_000))
        case("hello without a token", lambda: _send_then_answer(port, encode(Frame("hello", {"version": 2}))))
        case("wrong token", lambda: _send_then_answer(port, _hello("not-the-token"), "127.0.0.23"))
        case("a job before the token", lambda: _send_then_answer(port, encode(Frame(
            "job", {"job": 1, "spec": {"kind": "image"}, "previews": False, "preview_max": 0}))))
        case("silent connection", silent(b""))
        case("half a frame prefix, then silence", silent(b"AIGC\0\0"))
        case("connection 9", ninth)
        case("6th wrong token from one peer", sixth_wrong)
        case("job naming a model by path", authenticated_job({"kind": "image", "prompt": "x", "model": "../../x"}))
        case("training job", authenticated_job({"kind": "train", "family": "gan", "data": "digits", "out": "m"}))
        case("job with wrong field types", authenticated_job({"kind": "image", "prompt": 5, "steps": "many"}))
        case("plain client to a TLS engine", lambda: client(""))
        case("wrong TLS fingerprint", lambda: client(":".join(["AB"] * 32)))
        case("engine still serves a right token", lambda: ("ok", "served") if _ready(port, token) else
             ("traceback", "the engine no longer serves"))
    finally:
        for p in (proc, tls_proc):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        errors = (proc.stderr.read() or "") + (tls_proc.stderr.read() or "")
        shutil.rmtree(base / "client-home", ignore_errors=True)
    if "Traceback" in errors:
        out.append(("engine stderr", "traceback", errors.strip().splitlines()[-1][:150]))
    return out


def damaged_tls(home: Path) -> None:
    """A studio home whose engine certificate and key are garbage (``engine serve --tls`` must say so in one line)."""
    (home / "engine-tls").mkdir()
    (home / "engine-tls" / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    (home / "engine-tls" / "key.pem").write_text("not a key\n")


def _send_raw(port: int, data: bytes, source: str) -> socket.socket:
    sock = _connect(port, source)
    sock.sendall(data)
    return sock


def _ready(port: int, token: str) -> bool:
    sock = _connect(port, "127.0.0.24")
    sock.sendall(_hello(token))
    sock.settimeout(300)
    reader = sock.makefile("rb")
    while (frame := read_frame(reader)) is not None:
        if frame.type == "ready":
            sock.close()
            return True
    sock.close()
    return False
