"""Engine host processes, for real: a killed, stuck or garbled host costs one job, never the studio.

Every test runs real host processes (``python -m studio.host.process``) behind a real JobPool;
the small test engines of tests/jobs/engines.py run inside them.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from studio.core.protocol.frames import PROTOCOL_VERSION
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec
from tests.jobs.helpers import Recorder, wait_final

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LANE = "studio-worker-0"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _png_ok(path: str) -> bool:
    return Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sigkill_of_a_host_mid_job_fails_that_job_only_and_the_next_job_runs(qtbot, pool, paths):
    rec = Recorder(pool)
    first = pool.submit(ImageSpec(prompt="count", steps=2, seed=1)).job_id
    victim = rec.watch(pool.submit(ImageSpec(prompt="block", seed=2))).job_id
    after = pool.submit(ImageSpec(prompt="count", steps=2, seed=3)).job_id
    wait_final(qtbot, pool, first)
    qtbot.waitUntil(lambda: (paths.outputs / "running-2").exists(), timeout=20000)
    pid = pool.lanes()[LANE]
    os.kill(pid, signal.SIGKILL)
    wait_final(qtbot, pool, victim, after)

    killed = pool.job(victim)
    assert killed.state == "failed" and killed.retryable
    assert killed.error == ("The engine stopped unexpectedly (signal 9) while running “block”; "
                            "retry the job to run it again.")
    qtbot.waitUntil(lambda: (victim, killed.error) in rec.of("failed"))  # the job's own handle says so
    assert pool.job(after).state == "done" and _png_ok(pool.job(after).outputs[0])
    assert pool.job(first).state == "done" and _png_ok(pool.job(first).outputs[0])  # finished work intact
    assert [e.seed for e in pool.gallery.list()] == [3, 1]
    qtbot.waitUntil(lambda: pool.lanes()[LANE] not in (None, pid))  # a fresh host serves the lane
    assert not _alive(pid)
    retried = pool.retry(victim).job_id  # and the failed job can run again
    qtbot.waitUntil(lambda: pool.job(retried).state == "running")
    pool.cancel(retried)
    wait_final(qtbot, pool, retried)
    assert pool.job(retried).state == "cancelled"


def test_a_job_that_ignores_cancel_is_stopped_by_ending_its_host_after_the_grace_period(qtbot, make_pool,
                                                                                        test_engines, paths):
    pool = make_pool(Settings(device="cpu", engine_prewarm=False, cancel_grace_s=0.5))
    rec = Recorder(pool)
    stuck = rec.watch(pool.submit(ImageSpec(prompt="stubborn", seed=1))).job_id
    after = pool.submit(ImageSpec(prompt="count", steps=2, seed=2)).job_id
    qtbot.waitUntil(lambda: (paths.outputs / "running-1").exists(), timeout=20000)
    pid = pool.lanes()[LANE]
    qtbot.wait(700)
    assert pool.job(stuck).state == "running"  # it really does not stop by itself
    t0 = time.monotonic()
    pool.cancel(stuck)
    wait_final(qtbot, pool, stuck)
    waited = time.monotonic() - t0
    qtbot.waitUntil(lambda: rec.of("ended") == [(stuck, "cancelled")])
    assert pool.job(stuck).state == "cancelled" and rec.of("cancelled") == [(stuck,)]
    assert 0.45 <= waited < 5, waited  # the grace period, then the end of its host
    assert not _alive(pid)
    wait_final(qtbot, pool, after)
    assert pool.job(after).state == "done"  # the queue went on, on a fresh host
    assert pool.lanes()[LANE] != pid


def test_a_job_that_saw_its_cancel_may_finish_saving_beyond_the_grace_period(qtbot, make_pool, test_engines, paths):
    # A training that is writing its checkpoint after Cancel must not be killed halfway through it.
    pool = make_pool(Settings(device="cpu", engine_prewarm=False, cancel_grace_s=0.5))
    job = pool.submit(ImageSpec(prompt="wind-down", seed=3)).job_id
    qtbot.waitUntil(lambda: (paths.outputs / "running-3").exists(), timeout=20000)
    pid = pool.lanes()[LANE]
    pool.cancel(job)
    wait_final(qtbot, pool, job, timeout=30000)
    assert pool.job(job).state == "cancelled"
    assert (paths.outputs / "saved-3").read_text() == "checkpoint"  # its 2 s of saving were allowed
    assert pool.lanes()[LANE] == pid and _alive(pid)  # and its host was not ended


@pytest.mark.parametrize("how, reason", [
    ("malformed", "A malformed message was refused"),
    ("oversized", "An oversized message"),
    ("unknown", "Unknown message type 'format_disk'"),
    ("version", f"Protocol version mismatch: expected {PROTOCOL_VERSION}, got 99"),
    ("stray", "not a studio message"),
])
def test_a_host_that_breaks_the_protocol_is_restarted_and_its_job_fails_clearly(qtbot, pool, how, reason):
    qtbot.waitUntil(lambda: pool.lanes()[LANE] is not None, timeout=20000)
    pid = pool.lanes()[LANE]
    bad = pool.submit(ImageSpec(prompt=f"garble-{how}", steps=2, seed=1)).job_id
    good = pool.submit(ImageSpec(prompt="count", steps=2, seed=2)).job_id
    wait_final(qtbot, pool, bad, good)
    error = pool.job(bad).error
    assert pool.job(bad).state == "failed" and error.startswith("The engine sent a message the studio cannot read")
    assert reason in error and error.endswith(". It was restarted.")
    assert pool.job(good).state == "done"
    assert pool.lanes()[LANE] != pid and not _alive(pid)


def test_a_host_dying_at_every_start_stops_its_lane_with_a_message(qtbot, make_pool, test_engines, tmp_path,
                                                                   monkeypatch):
    fake = tmp_path / "fake-site"
    fake.mkdir()
    # A "torch" that crashes the process as it is imported: a broken native library, for real.
    (fake / "torch.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    monkeypatch.setenv("PYTHONPATH", str(fake))
    pool = make_pool(Settings(device="cpu", engine_prewarm=True, shared_lane=True), start=False)
    rec = Recorder(pool)
    job = pool.submit(ImageSpec(prompt="count", steps=2)).job_id
    pool.start()
    qtbot.waitUntil(lambda: bool(rec.of("engine_failed")), timeout=60000)
    [(message,)] = rec.of("engine_failed")
    assert message.startswith("The engine stopped 3 times in a row while starting; this lane is stopped")
    assert "signal 11" in message
    qtbot.wait(300)
    assert pool.job(job).state == "queued"  # nothing was lost: it runs once the engine can start
    assert pool.lanes() == {LANE: None}


@pytest.mark.slow
def test_a_gan_trains_in_its_own_lane_while_image_jobs_come_and_go(qtbot, make_pool, test_engines, monkeypatch):
    from studio.jobs.pool import WorkerPool

    monkeypatch.setattr(WorkerPool, "training_idle_close_s", 1.0)
    pool = make_pool()
    rec = Recorder(pool)
    train = rec.watch(pool.submit(TrainSpec(family="gan", data="digits", out="lane-gan", steps=1_000_000, batch=16, size=16,
                                  seed=1, sample_every=1000, checkpoint_every=0,
                                  params={"features": 8, "latent_dim": 16, "log_every": 1, "limit": 200}))).job_id
    qtbot.waitUntil(lambda: any(m[0] == train for m in rec.of("metrics")), timeout=120000)
    images = [pool.submit(ImageSpec(prompt="count", steps=5, seed=s)).job_id for s in (1, 2, 3)]
    steps_before = len(rec.of("metrics"))
    wait_final(qtbot, pool, *images, timeout=30000)
    assert [pool.job(i).state for i in images] == ["done"] * 3
    assert pool.job(train).state == "running"  # the training went on meanwhile ...
    assert pool.job(train).started < pool.job(images[0]).started  # (the images ran inside its run)
    qtbot.waitUntil(lambda: len(rec.of("metrics")) > steps_before, timeout=30000)  # ... and goes on
    lanes = pool.lanes()
    assert lanes["studio-training"] not in (None, lanes[LANE])  # two engine processes
    training_host = lanes["studio-training"]
    pool.cancel(train)
    wait_final(qtbot, pool, train, timeout=30000)
    assert pool.job(train).state == "cancelled"
    # A second after the last training, the training lane ends its host: its memory goes back to the system.
    qtbot.waitUntil(lambda: pool.lanes()["studio-training"] is None, timeout=10000)
    qtbot.waitUntil(lambda: not _alive(training_host), timeout=10000)
    assert pool.lanes()[LANE] is not None
