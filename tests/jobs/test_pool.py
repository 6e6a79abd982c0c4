"""The worker pool end to end with small real engines: order, cancel, failures, removal, shutdown.

Each submit returns a JobHandle: its own signals carry that job's events (with typed results)."""
from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from studio.core.errors import SpecError
from studio.core.specs.image import ImageSpec
from studio.core.specs.text import TextSpec
from tests.jobs.helpers import Recorder, wait_final


def test_jobs_run_in_order_and_report_progress(qtbot, pool):
    rec = Recorder(pool)
    handles = rec.watch(*(pool.submit(ImageSpec(prompt="count", steps=4, seed=s, width=64, height=64))
                          for s in (3, 1, 2)))
    ids = [h.job_id for h in handles]
    wait_final(qtbot, pool, *ids)
    qtbot.waitUntil(lambda: len(rec.of("ended")) == 3)
    assert [e[0] for e in rec.of("finished")] == ids
    assert [(e[0], e[1]) for e in rec.of("ended")] == [(i, "done") for i in ids]
    results = [e[1] for e in rec.of("finished")]
    assert [r.seed for r in results] == [3, 1, 2] and all(r.model == "test-engine" for r in results)
    assert pool.job(ids[0]).result() == results[0]  # the store gives back the same typed result
    # A handle's signals carry its own job only: each got its own progress, nothing else's.
    assert {e[0] for e in rec.of("progress")} == set(ids)
    assert all(h.state == "done" for h in handles) and pool.handle(ids[0]) is None
    jobs = [pool.job(i) for i in ids]
    assert [j.state for j in jobs] == ["done"] * 3
    assert jobs[0].finished <= jobs[1].started and jobs[1].finished <= jobs[2].started
    for j in jobs:
        assert Path(j.outputs[0]).is_file()
        assert (j.progress_done, j.progress_total) == (4, 4)
    # The last progress signal of each job always arrives, with an ETA of 0 at the end.
    last = {}
    for job_id, done, total, eta in rec.of("job_progress"):
        last[job_id] = (done, total, eta)
    assert all(last[i][:2] == (4, 4) and last[i][2] == 0.0 for i in ids)
    assert [e.seed for e in pool.gallery.list()] == [2, 1, 3]
    qtbot.waitUntil(lambda: rec.of("engine_ready") == [("cpu",)])
    status = rec.of("engine_status")[-1][0]
    assert status.device == "cpu" and status.memory_bytes > 0 and status.loaded == ()


def test_submit_rejects_an_invalid_spec_with_a_clear_message(pool):
    with pytest.raises(SpecError, match="multiple of 8"):
        pool.submit(ImageSpec(width=100))
    assert pool.jobs() == []


def test_cancel_a_queued_job_at_once(qtbot, pool):
    rec = Recorder(pool)
    blocker = pool.submit(ImageSpec(prompt="block", seed=1)).job_id
    queued = rec.watch(pool.submit(ImageSpec(prompt="count", seed=2))).job_id
    pool.cancel(queued)
    assert pool.job(queued).state == "cancelled"  # synchronously, before any event loop turn
    assert rec.of("cancelled") == [(queued,)] and rec.of("ended") == [(queued, "cancelled")]
    assert rec.of("job_ended") == [(queued, "cancelled")]
    qtbot.waitUntil(lambda: pool.job(blocker).state == "running")
    pool.cancel(blocker)
    wait_final(qtbot, pool, blocker)
    assert pool.job(queued).started is None and pool.job(queued).outputs == ()


@pytest.mark.parametrize("how", ["block", "raise-cancel"])
def test_cancel_a_running_job_is_cancelled_not_failed(qtbot, pool, paths, how):
    rec = Recorder(pool)
    prompt = "block" if how == "block" else "raise-cancel"
    running, after = (h.job_id for h in rec.watch(pool.submit(ImageSpec(prompt=prompt, steps=500, seed=1)),
                                                   pool.submit(ImageSpec(prompt="count", steps=2, seed=2))))
    qtbot.waitUntil(lambda: len(rec.of("job_progress")) > 0)
    assert pool.running_jobs() == [running] and rec.of("started") == [(running,)]
    pool.cancel_current()
    wait_final(qtbot, pool, running, after)
    qtbot.waitUntil(lambda: len(rec.of("finished")) == 1)
    assert pool.job(running).state == "cancelled" and pool.job(running).error == ""
    assert rec.of("cancelled") == [(running,)] and rec.of("failed") == []
    assert pool.job(after).state == "done"  # the worker went on with the queue
    assert pool.gallery.count() == 1


def test_engine_exception_fails_the_job_logs_the_traceback_and_the_next_job_runs(qtbot, pool, caplog):
    caplog.set_level(logging.ERROR, logger="studio.jobs")
    rec = Recorder(pool)
    bad, good = (h.job_id for h in rec.watch(pool.submit(ImageSpec(prompt="boom", seed=1)),
                                             pool.submit(ImageSpec(prompt="count", steps=2, seed=2))))
    wait_final(qtbot, pool, bad, good)
    qtbot.waitUntil(lambda: len(rec.of("finished")) > 0)
    failed = pool.job(bad)
    assert failed.state == "failed"
    assert failed.error == "RuntimeError: the test engine exploded on purpose"
    assert rec.of("failed") == [(bad, failed.error)]
    assert "Traceback" in failed.traceback and "tests/jobs/engines.py" in failed.traceback
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback" in logged and "exploded on purpose" in logged
    assert pool.job(good).state == "done"
    retried = rec.watch(pool.retry(bad))
    wait_final(qtbot, pool, retried)
    qtbot.waitUntil(lambda: (retried.job_id, "failed") in rec.of("ended"))
    assert pool.job(retried.job_id).state == "failed" and pool.job(retried.job_id).retry_of == bad


def test_unknown_engine_is_a_failure_with_a_message(qtbot, make_pool, test_engines, monkeypatch):
    from studio.core.specs.image import UpscaleSpec
    from tests.jobs.conftest import use_engines

    use_engines(monkeypatch, {"upscale": "studio.engines.no_such_engine:run"})  # read by the hosts at start
    pool = make_pool()
    job = pool.submit(UpscaleSpec(image="x.png")).job_id
    wait_final(qtbot, pool, job)
    assert pool.job(job).error == "The upscale engine is not available in this build."


def test_streamed_text_is_coalesced_but_complete(qtbot, pool):
    rec = Recorder(pool)
    job = rec.watch(pool.submit(TextSpec(prompt="count to 2000", max_new_tokens=2000))).job_id
    wait_final(qtbot, pool, job)
    qtbot.waitUntil(lambda: len(rec.of("finished")) > 0)
    chunks = [c for j, c in rec.of("text") if j == job]
    expected = "".join(f"t{i} " for i in range(2000))
    assert "".join(chunks) == expected == pool.job(job).text == rec.of("finished")[0][1].text
    assert len(chunks) < 2000 / 4  # not one queued signal per token
    assert pool.gallery.search("t1999")[0].text == expected


def test_remove_a_running_job_cancels_it_then_drops_the_row(qtbot, pool):
    rec = Recorder(pool)
    job = rec.watch(pool.submit(ImageSpec(prompt="block", seed=1))).job_id
    qtbot.waitUntil(lambda: pool.job(job).state == "running")
    pool.remove(job)
    qtbot.waitUntil(lambda: pool.jobs() == [])
    assert rec.of("cancelled") == [(job,)] and rec.of("job_ended") == [(job, "cancelled")]
    with pytest.raises(KeyError):
        pool.job(job)


def test_shutdown_marks_the_running_job_interrupted_and_keeps_the_queue(qtbot, make_pool, test_engines):
    pool = make_pool()
    running = pool.submit(ImageSpec(prompt="block", seed=1)).job_id
    waiting = pool.submit(ImageSpec(prompt="count", seed=2)).job_id
    qtbot.waitUntil(lambda: pool.job(running).state == "running")
    t0 = time.monotonic()
    pool.shutdown(wait=True, timeout=20)
    assert time.monotonic() - t0 < 5
    assert pool.job(running).state == "interrupted" and pool.job(running).retryable
    assert pool.job(waiting).state == "queued"
    # Next start: the queued job runs; the interrupted one waits for the user to retry it. The restored
    # job has no handle in memory until someone asks for one; then it reports like any other.
    again = make_pool(start=False)
    assert again.handle(running) is None  # interrupted: final, its record says so
    restored = again.handle(waiting)
    assert restored is not None and restored.kind == "image" and again.handle(waiting) is restored
    rec = Recorder(again)
    rec.watch(restored)
    again.start()
    wait_final(qtbot, again, waiting)
    qtbot.waitUntil(lambda: rec.of("ended") == [(waiting, "done")])
    assert again.job(waiting).state == "done" and again.job(running).state == "interrupted"
    assert rec.of("finished")[0][1].seed == 2


def test_paused_pool_keeps_jobs_queued_until_resumed(qtbot, make_pool, test_engines):
    pool = make_pool(start=False)
    pool.set_paused(True)
    pool.start()
    job = pool.submit(ImageSpec(prompt="count", steps=2)).job_id
    qtbot.wait(300)
    assert pool.job(job).state == "queued"
    pool.set_paused(False)
    wait_final(qtbot, pool, job)
    assert pool.job(job).state == "done"


def test_two_workers_share_the_queue(qtbot, make_pool, test_engines):
    from studio.core.settings import Settings

    pool = make_pool(Settings(device="cpu", engine_prewarm=False, workers_per_device=2))
    blocker = pool.submit(ImageSpec(prompt="block", seed=1)).job_id
    quick = pool.submit(ImageSpec(prompt="count", steps=2, seed=2)).job_id
    wait_final(qtbot, pool, quick)  # ran on the second worker while the first is busy
    assert pool.job(blocker).state == "running"
    pool.cancel(blocker)
    wait_final(qtbot, pool, blocker)
    assert pool.job(blocker).state == "cancelled"


def test_moving_a_queued_job_changes_the_run_order(qtbot, make_pool, test_engines):
    pool = make_pool()
    pool.set_paused(True)
    a, b, c = (pool.submit(ImageSpec(prompt="count", steps=1, seed=s)).job_id for s in (1, 2, 3))
    with qtbot.waitSignal(pool.jobs_reordered):
        pool.move(c, 0)
    assert [j.id for j in pool.jobs()] == [c, a, b]
    pool.set_paused(False)
    wait_final(qtbot, pool, a, b, c)
    order = sorted((a, b, c), key=lambda j: pool.job(j).started)
    assert order == [c, a, b]


def test_a_job_claimed_as_the_worker_stops_is_interrupted_not_run_to_the_end(qtbot, make_pool, test_engines, paths):
    from studio.jobs.worker import Worker

    pool = make_pool(start=False)
    job = pool.submit(ImageSpec(prompt="count", seed=5, steps=50)).job_id
    worker = Worker(pool.store, paths, pool.settings)
    worker.stop()  # shutdown lands after the worker loop's stop check, before it claimed the job
    worker._run_job(pool.store.next_queued())
    assert pool.job(job).state == "interrupted" and pool.job(job).retryable
    assert not worker.client.running  # no engine was started for a job that cannot run
