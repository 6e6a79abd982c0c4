"""Provable offline: the guard runs in engine hosts and in `self-test`, which fails when anything tried to connect
(a plugged-in engine that phones home), passes as shipped, and the audit log records the attempt."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from studio.core import netguard
from studio.core.progress import CancelToken, NullReporter
from studio.core.settings import Settings
from studio.core.specs.text import TextSpec
from studio.jobs.host_client import HostClient
from tests.remote.server import ROOT

PLUGIN = "tests.remote.connecting"


def _selftest(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", AIGC_STUDIO_LANG="en", **env_extra)
    return subprocess.run([sys.executable, "main.py", "self-test", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=280)


def test_an_engine_host_refuses_a_connection_and_names_who_tried(paths, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_ENGINES", f"text={PLUGIN}:run_loud")
    client = HostClient(paths, Settings(engine_prewarm=False))
    try:
        end = client.run_job(1, TextSpec(prompt="hi", model="x"), NullReporter(), CancelToken())
    finally:
        client.close()
    assert end.state == "failed"
    assert "refused a network connection to 192.0.2.7:443 tried by tests.remote.connecting._phone_home" in end.message
    [entry] = netguard.read_log(paths)
    assert (entry["event"], entry["process"], entry["kind"]) == ("refused", "engine host", "connect")


@pytest.mark.slow
def test_self_test_passes_as_shipped_and_fails_when_a_plugin_connects(paths):
    shipped = _selftest({}, "--only", "scan")
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "PASS scan" in shipped.stdout and "PASS network" in shipped.stdout
    assert netguard.read_log(paths) == []
    plugged = _selftest({"AIGC_STUDIO_ENGINES": f"text={PLUGIN}:run_quiet"}, "--only", "text")
    out = plugged.stdout + plugged.stderr
    assert plugged.returncode == 1, out
    assert "PASS text" in out  # the plug-in hid its failure from the job ...
    assert "FAIL network" in out and "192.0.2.7:443 by tests.remote.connecting._phone_home" in out  # ... not from this
    [entry] = netguard.read_log(paths)  # the user's audit log has it (the self-test's own home is gone)
    assert entry["event"] == "refused" and entry["target"] == "192.0.2.7:443" and entry["process"] == "self-test"
