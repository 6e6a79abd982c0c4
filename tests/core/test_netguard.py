"""The network guard in this process: refused attempts name their caller and land in the audit log; loopback,
Unix sockets, pipes and multiprocessing keep working; allowed scopes and offline mode off are recorded."""
from __future__ import annotations

import json
import multiprocessing
import socket
import threading

import pytest

from studio.core import netguard
from studio.core.paths import StudioPaths

TEST_NET = "192.0.2.1"  # RFC 5737: documentation only, never routed


@pytest.fixture()
def guard(paths):
    netguard.install(paths, "test")
    yield paths
    netguard.uninstall()


def _log(paths: StudioPaths) -> list[dict]:
    return netguard.read_log(paths)


def test_an_outbound_connect_and_a_dns_lookup_are_refused_naming_the_caller(guard):
    with pytest.raises(netguard.NetworkRefused, match=rf"{TEST_NET}:80 tried by .*test_an_outbound_connect"):
        socket.create_connection((TEST_NET, 80), timeout=1)
    with pytest.raises(socket.gaierror, match="example.org:443"):  # what libraries catch for a failed look-up
        socket.getaddrinfo("example.org", 443)
    with pytest.raises(OSError):
        socket.gethostbyname("example.org")
    refused = [e for e in _log(guard) if e["event"] == "refused"]
    assert [(e["kind"], e["target"]) for e in refused] == [("connect", f"{TEST_NET}:80"), ("dns", "example.org:443"),
                                                           ("dns", "example.org")]
    assert all("test_netguard" in e["by"] and e["process"] == "test" for e in refused)
    assert len(netguard.session_records()) == 3


def test_loopback_unix_sockets_and_multiprocessing_keep_working_unrecorded(guard):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    threading.Thread(target=lambda: server.accept()[0].sendall(b"hi"), daemon=True).start()
    with socket.create_connection(server.getsockname(), timeout=5) as c:
        assert c.recv(2) == b"hi"
    server.close()
    assert socket.getaddrinfo("localhost", 80) and socket.getaddrinfo("127.0.0.1", 80)
    a, b = socket.socketpair()  # a Unix socket pair
    a.sendall(b"x")
    assert b.recv(1) == b"x"
    a.close(), b.close()
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=child.send, args=("from a child",))
    proc.start()
    assert parent.recv() == "from a child"
    proc.join(10)
    assert _log(guard) == [] and netguard.session_records() == []


def test_allowed_scopes_and_offline_off_are_recorded(guard):
    with netguard.allowing("remote engine 127.0.0.1:1", hosts={"127.0.0.1"}):
        assert socket.socket().connect_ex(("127.0.0.1", 1)) != 0  # nothing listens there: refused by the OS
    (guard.settings_file).write_text(json.dumps({"offline": False}))
    netguard._state.offline_cache = (0.0, True)
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((TEST_NET, 9))  # non-blocking: goes out (nothing answers) and returns at once
    s.close()
    events = [(e["event"], e["target"], e["purpose"]) for e in _log(guard)]
    assert events == [("allowed", "127.0.0.1:1", "remote engine 127.0.0.1:1"), ("made", f"{TEST_NET}:9", "")]
    with netguard.strict():  # the self-test's mode: offline whatever the settings say
        with pytest.raises(netguard.NetworkRefused):
            socket.create_connection((TEST_NET, 80), timeout=1)


def test_the_log_survives_garbage_and_counts_since_the_last_start(guard):
    with pytest.raises(OSError):
        socket.create_connection((TEST_NET, 1), timeout=1)
    netguard.record_start()
    with pytest.raises(OSError):
        socket.create_connection((TEST_NET, 2), timeout=1)
    with open(netguard.audit_path(guard), "a") as fh:
        fh.write("not json\n" + "[" * 50_000 + "\n" + '{"event": 5}\n\x00\xff\n')
    summary = netguard.summarise(_log(guard))
    assert summary.total["refused"] == 2 and summary.since_start["refused"] == 1 and summary.started


def test_network_log_on_the_command_line(guard, capsys):
    from studio.cli import main

    with pytest.raises(OSError):
        socket.create_connection((TEST_NET, 81), timeout=1)
    assert main(["network", "log"]) == 0
    out = capsys.readouterr().out
    assert "Since installation: 0 made, 0 allowed (downloads, remote engine), 1 refused." in out
    assert f"refused  connect  {TEST_NET}:81" in out and "test_network_log_on_the_command_line" in out
    assert main(["network", "log", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["refused"] == 1 and data["entries"][0]["target"] == f"{TEST_NET}:81"
    assert main(["network", "log", "--limit", "-1"]) == 1
