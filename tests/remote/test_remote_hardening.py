"""A remote engine against strangers, on a real ``main.py engine serve`` at 127.0.0.1: nothing is said before a
valid token, pre-auth frames are small, handshakes and idle clients time out, connections are capped, wrong
tokens are rate-limited per peer, errors travel as one line, and TLS with a pinned fingerprint."""
from __future__ import annotations

import socket
import time

import psutil
import pytest

from studio.core.protocol.frames import frame_prefix
from studio.core.progress import CancelToken, NullReporter
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.jobs.host_client import HostStartError
from studio.jobs.remote_client import RemoteHostClient
from tests.remote.server import (frames_of, hello, log_text, raw_connect, read_all, start_server, stop_server)

HANDSHAKE_S, IDLE_S = 1.0, 1.5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = start_server(tmp_path_factory.mktemp("hardened") / "engine-home",
                     settings={"engine_handshake_timeout_s": HANDSHAKE_S, "engine_idle_timeout_s": IDLE_S,
                               "engine_max_connections": 8})
    yield s
    stop_server(s)


def test_a_pre_auth_frame_over_64_kb_is_refused_at_its_prefix_and_memory_stays_flat(server):
    engine = psutil.Process(server.proc.pid)
    before = engine.memory_info().rss
    sock = raw_connect(server)
    sent = 0
    try:
        sock.sendall(frame_prefix(64, 256 << 20))  # announces 256 MB before any token
        block = b"\0" * (1 << 20)
        while sent < 64 << 20:  # and keeps sending: the engine must not buffer it
            sock.sendall(block)
            sent += len(block)
    except OSError:  # the engine closed the connection: what it should do
        pass
    answer = read_all(sock, 5)
    sock.close()
    grown = engine.memory_info().rss - before
    assert sent < 64 << 20, "the engine went on reading an oversized pre-auth frame"
    assert grown < 8 << 20, f"the engine's memory grew {grown >> 20} MiB"  # was 150 MiB for one connection
    assert b"pid" not in answer and b"hello" not in answer
    assert "before authentication: An oversized message" in log_text(server, "oversized")


def test_a_silent_connection_is_dropped_after_the_handshake_timeout_and_hears_nothing(server):
    sock = raw_connect(server)
    t0 = time.monotonic()
    answer = read_all(sock, 10)
    waited = time.monotonic() - t0
    sock.close()
    assert answer == b""  # no greeting, no pid, no version
    assert HANDSHAKE_S - 0.2 <= waited < HANDSHAKE_S + 3, waited
    assert "no valid token within the handshake timeout" in log_text(server, "handshake timeout")


def test_a_wrong_token_gets_one_refusal_line_and_no_greeting_or_pid(server):
    sock = raw_connect(server, source="127.0.0.3")
    sock.sendall(hello("not-" + server.token))
    answer = read_all(sock, 10)
    sock.close()
    [frame] = frames_of(answer)
    assert frame.type == "error" and "wrong token" in frame.fields["message"] and frame.fields["traceback"] == ""
    assert b"pid" not in answer and b'"hello"' not in answer and b"device" not in answer
    assert "refused 127.0.0.3: wrong token" in log_text(server, "127.0.0.3: wrong token")


def test_wrong_tokens_are_rate_limited_per_peer(server):
    for _ in range(5):
        sock = raw_connect(server, source="127.0.0.4")
        sock.sendall(hello("guess"))
        read_all(sock, 10)
        sock.close()
    sock = raw_connect(server, source="127.0.0.4")  # even the right token waits now
    sock.sendall(hello(server.token))
    [frame] = frames_of(read_all(sock, 10))
    sock.close()
    assert frame.type == "error" and "too many wrong tokens" in frame.fields["message"]
    assert "refused 127.0.0.4: 5 wrong tokens" in log_text(server, "127.0.0.4: 5 wrong tokens")
    other = raw_connect(server, source="127.0.0.5")  # another peer is not locked out
    other.sendall(hello("nope"))
    [frame] = frames_of(read_all(other, 10))
    other.close()
    assert "wrong token" in frame.fields["message"]


def test_connection_nine_is_refused_with_a_clear_line(server):
    held = [raw_connect(server, source="127.0.0.6") for _ in range(8)]
    try:
        for sock in held:  # the first eight are held (silently)
            sock.settimeout(0.1)
            with pytest.raises(socket.timeout):
                sock.recv(1)
        ninth = raw_connect(server, source="127.0.0.6")
        [frame] = frames_of(read_all(ninth, 5))
        ninth.close()
        assert frame.type == "error"
        assert "already serves 8 connections, its limit (engine_max_connections" in frame.fields["message"]
        assert "8 connections held" in log_text(server, "8 connections held")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)  # the engine notices the closed ones and frees their places


@pytest.mark.slow
def test_a_remote_error_is_one_line_without_traceback_and_an_idle_client_is_dropped(server, paths):
    client = RemoteHostClient(paths, Settings(device="cpu", scan_hf_cache=False), server.address, server.token)
    try:
        end = client.run_job(1, ImageSpec(prompt="x", model="no-such-model", steps=1, width=64, height=64),
                             NullReporter(), CancelToken())
        assert end.state == "failed" and end.message and "\n" not in end.message
        assert end.traceback == ""  # it stays in the engine's log
        assert "Traceback (most recent call last)" in log_text(server, "Traceback")
        assert "File \"" not in end.message
        deadline = time.monotonic() + IDLE_S + 5  # idle now: the engine drops it after engine_idle_timeout_s
        while client.poll_idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not client.running
        assert "(engine_idle_timeout_s)" in log_text(server, "engine_idle_timeout_s")
    finally:
        client.close()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory, tiny_sd_dir):
    import shutil

    home = tmp_path_factory.mktemp("tls") / "engine-home"
    shutil.copytree(tiny_sd_dir, home / "models" / "tiny-sd")
    s = start_server(home, "--tls")
    yield s
    stop_server(s)


def test_tls_certificate_is_made_once_and_its_fingerprint_printed(tls_server, tmp_path):
    from studio.core.protocol.tls import ensure_certificate, fingerprint_of, normalise_fingerprint
    from studio.core.paths import StudioPaths

    assert len(tls_server.fingerprint) == 95 and normalise_fingerprint(tls_server.fingerprint) == tls_server.fingerprint
    cert, key, again = ensure_certificate(StudioPaths(tls_server.home))  # kept: the same certificate
    assert again == tls_server.fingerprint and oct(key.stat().st_mode & 0o777) == "0o600"
    assert normalise_fingerprint(tls_server.fingerprint.replace(":", "").lower()) == tls_server.fingerprint
    assert fingerprint_of(b"x") != tls_server.fingerprint


def test_a_wrong_fingerprint_is_refused_before_the_token_is_sent(tls_server, paths):
    wrong = ":".join(["AB"] * 32)
    client = RemoteHostClient(paths, Settings(engine_tls_fingerprint=wrong), tls_server.address, tls_server.token)
    with pytest.raises(HostStartError, match="not the pinned AB:AB"):
        client.ensure_started()
    client.close()
    plain = RemoteHostClient(paths, Settings(), tls_server.address, tls_server.token)  # no TLS to a TLS engine
    with pytest.raises(HostStartError, match="--tls"):
        plain.ensure_started()
    plain.close()
    assert "authenticated" not in log_text(tls_server, "authenticated", limit_s=0.5)


@pytest.mark.slow
def test_tls_with_the_pinned_fingerprint_runs_an_image_job(tls_server, paths):
    settings = Settings(device="cpu", scan_hf_cache=False, engine_tls_fingerprint=tls_server.fingerprint.lower())
    client = RemoteHostClient(paths, settings, tls_server.address, tls_server.token)
    try:
        end = client.run_job(1, ImageSpec(prompt="a red square", model="tiny-sd", steps=2, width=64, height=64,
                                          seed=5), NullReporter(), CancelToken())
        assert end.state == "done", end.message
        assert isinstance(client._sock, __import__("ssl").SSLSocket)
        from PIL import Image

        assert Image.open(end.result.outputs[0]).size == (64, 64)
    finally:
        client.close()
