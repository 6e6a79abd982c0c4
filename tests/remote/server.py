"""A real ``main.py engine serve`` on 127.0.0.1 for the remote-engine tests, and a raw client that speaks frames."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from studio.core.protocol.frames import PROTOCOL_VERSION, Frame, ProtocolError, encode, read_frame

ROOT = Path(__file__).resolve().parents[2]


def start_server(home: Path, *args: str, settings: dict | None = None) -> SimpleNamespace:
    """Start an engine serving ``home`` on a free loopback port; its address, token, process and log file."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.json").write_text(json.dumps({"scan_hf_cache": False, "device": "cpu", **(settings or {})}))
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", AIGC_STUDIO_LANG="en")
    proc = subprocess.Popen([sys.executable, "main.py", "engine", "serve", "--listen", "127.0.0.1:0", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for _ in range(3 if "--tls" in args else 2):
        lines.append(proc.stdout.readline())
    if not lines[0].startswith("engine listening on 127.0.0.1:"):
        proc.kill()
        raise AssertionError("".join(lines) + proc.stderr.read())
    port = int(lines[0].rsplit(":", 1)[1])
    fingerprint = lines[2].rsplit(": ", 1)[1].strip() if "--tls" in args else ""
    return SimpleNamespace(address=f"127.0.0.1:{port}", port=port, token=(home / "engine-token").read_text().strip(),
                           home=home, proc=proc, fingerprint=fingerprint, log=home / "logs" / "studio.log")


def stop_server(server: SimpleNamespace) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


def raw_connect(server: SimpleNamespace, source: str = "127.0.0.1", timeout: float = 10.0) -> socket.socket:
    """A plain TCP connection to the engine (from ``source``: another loopback address is another peer)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", server.port))
    return sock


def hello(token: str) -> bytes:
    return encode(Frame("hello", {"version": PROTOCOL_VERSION, "settings": {}, "token": token}))


def read_all(sock: socket.socket, limit_s: float = 10.0) -> bytes:
    """Everything the engine sends until it closes the connection (at most ``limit_s`` seconds)."""
    sock.settimeout(limit_s)
    chunks, deadline = [], time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def frames_of(data: bytes) -> list[Frame]:
    import io

    stream, out = io.BytesIO(data), []
    try:
        while (frame := read_frame(stream)) is not None:
            out.append(frame)
    except ProtocolError:
        pass
    return out


def log_text(server: SimpleNamespace, wanted: str, limit_s: float = 5.0) -> str:
    """The server's log once it holds ``wanted`` (or after ``limit_s``)."""
    deadline = time.monotonic() + limit_s
    text = ""
    while time.monotonic() < deadline:
        text = server.log.read_text(encoding="utf-8", errors="replace") if server.log.exists() else ""
        if wanted in text:
            break
        time.sleep(0.05)
    return text
