"""Never lose a job: a studio process killed with SIGKILL mid-job loses nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.core.store.gallery import GalleryStore
from studio.core.store.queue import QueueStore
from tests.jobs.crash_child import SPECS
from tests.jobs.helpers import wait_final

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, proc, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "child exited"
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the child process")


def test_sigkill_mid_job_keeps_queue_outputs_and_history(qtbot, paths, make_pool, test_engines):
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root), OMP_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "tests.jobs.crash_child"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        marker = paths.outputs / "running-2"  # the blocking job writes it once it runs
        _wait_for(lambda: marker.exists(), proc)
        store = QueueStore(paths.queue_db)
        assert [j.state for j in store.list()] == ["done", "running", "queued", "queued"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    store = QueueStore(paths.queue_db)  # a fresh connection, as the next start would open
    first, blocked, third, fourth = store.list()
    assert store.recover() == [blocked.id]
    assert store.get(blocked.id).state == "interrupted" and store.get(blocked.id).retryable
    assert store.queued_ids() == [third.id, fourth.id]
    assert [store.get(j.id).spec for j in (first, blocked, third, fourth)] == SPECS

    done = store.get(first.id)
    assert done.state == "done" and Path(done.outputs[0]).is_file()
    assert Path(done.outputs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [entry] = GalleryStore(store.db).list()
    assert entry.job_id == first.id and entry.path == done.outputs[0] and entry.seed == 1
    leftovers = [p.name for p in paths.outputs.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []

    # The next start runs the queued jobs in their order; the interrupted one can be retried.
    pool = make_pool()
    wait_final(qtbot, pool, third.id, fourth.id)
    assert pool.job(third.id).finished <= pool.job(fourth.id).started
    retried = pool.retry(blocked.id).job_id
    qtbot.waitUntil(lambda: pool.job(retried).state == "running")
    pool.cancel(retried)
    wait_final(qtbot, pool, retried)
    assert [e.seed for e in pool.gallery.list()] == [4, 3, 1]
