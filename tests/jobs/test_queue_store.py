"""The SQLite queue on its own: order, atomic claims, editing, recovery, result + history together."""
from __future__ import annotations

import threading

import pytest

from studio.core.store.gallery import GalleryStore
from studio.core.store.queue import QueueStore
from studio.core.results import ImageResult, JobResult
from studio.core.specs.image import ImageSpec
from studio.core.specs.text import TextSpec


@pytest.fixture()
def store(paths):
    s = QueueStore(paths.queue_db)
    yield s
    s.close()


def test_jobs_are_claimed_in_submission_order_and_round_trip_their_spec(store):
    specs = [ImageSpec(prompt=f"p{i}", seed=i, loras=(("a", 0.5),)) for i in range(3)]
    ids = [store.add(s) for s in specs]
    assert store.queued_ids() == ids
    claimed = [store.next_queued() for _ in range(3)]
    assert [c.id for c in claimed] == ids
    assert all(c.state == "running" and c.started is not None for c in claimed)
    assert [c.spec for c in claimed] == specs
    assert store.next_queued() is None


def test_concurrent_claims_never_hand_out_a_job_twice(paths):
    first = QueueStore(paths.queue_db)
    ids = {first.add(ImageSpec(seed=i)) for i in range(40)}
    # Two stores = two connections, as two processes would have; plus two threads on each.
    stores = [first, QueueStore(paths.queue_db)]
    got: list[int] = []
    lock = threading.Lock()

    def claim(s):
        while (rec := s.next_queued()) is not None:
            with lock:
                got.append(rec.id)

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)


def test_move_reorders_only_queued_jobs(store):
    a, b, c, d = (store.add(ImageSpec(seed=i)) for i in range(4))
    assert store.next_queued().id == a  # a is running: it keeps its row place
    store.move(d, 0)
    assert store.queued_ids() == [d, b, c]
    store.move(d, 99)
    assert store.queued_ids() == [b, c, d]
    assert [j.id for j in store.list()] == [a, b, c, d]
    with pytest.raises(KeyError):
        store.move(a, 0)


def test_result_and_history_entries_are_written_together(store, paths):
    gallery = GalleryStore(store.db)
    job = store.add(ImageSpec(prompt="a lighthouse", model="tiny", seed=7))
    store.next_queued()
    out = paths.outputs / "x.png"
    out.write_bytes(b"png")
    entries = store.set_result(job, ImageResult(outputs=(str(out),), seed=7, model="tiny", warnings=("w",)))
    rec = store.get(job)
    assert rec.state == "done" and rec.outputs == (str(out),)
    assert rec.result() == ImageResult(outputs=(str(out),), seed=7, model="tiny", warnings=("w",))
    [entry] = gallery.for_job(job)
    assert entry.id == entries[0] and entry.path == str(out) and entry.seed == 7 and entry.model == "tiny"
    assert entry.spec == ImageSpec(prompt="a lighthouse", model="tiny", seed=7)


def test_a_failed_history_write_rolls_back_the_done_state(store, monkeypatch):
    import studio.core.store.queue as qs

    job = store.add(ImageSpec())
    store.next_queued()

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qs, "insert_entries", broken)
    with pytest.raises(OSError):
        store.set_result(job, JobResult(outputs=("/x.png",)))
    assert store.get(job).state == "running"  # not half-done: a retry of the write can still succeed


def test_recover_marks_running_jobs_interrupted_and_retry_requeues_them(store):
    a, b, c = (store.add(ImageSpec(seed=i)) for i in range(3))
    store.next_queued()
    reopened = QueueStore(store.db.path)
    assert reopened.recover() == [a]
    rec = reopened.get(a)
    assert rec.state == "interrupted" and rec.retryable and "Interrupted" in rec.error
    assert reopened.queued_ids() == [b, c]
    new = reopened.retry(a)
    assert reopened.get(new).retry_of == a and reopened.get(new).spec == rec.spec
    assert reopened.queued_ids() == [b, c, new]
    front = reopened.retry(a, front=True)
    assert reopened.queued_ids() == [front, b, c, new]


def test_cancel_queued_remove_and_clear_finished(store):
    a, b, c = (store.add(TextSpec(prompt=str(i))) for i in range(3))
    assert store.cancel_queued(b)
    assert not store.cancel_queued(b)  # already cancelled
    assert store.next_queued().id == a
    assert not store.cancel_queued(a)  # running: the pool cancels it cooperatively instead
    store.set_state(a, "failed", "Boom.", "Traceback ...")
    assert store.get(a).error == "Boom." and store.get(a).finished is not None
    assert store.clear_finished() == [a, b]
    assert [j.id for j in store.list()] == [c]
    assert store.remove(c) and not store.remove(c)
    with pytest.raises(KeyError):
        store.get(c)


def test_recover_leaves_jobs_of_a_live_second_studio_process_alone(store, paths):
    import os
    import subprocess
    import sys
    from pathlib import Path

    job = store.add(ImageSpec(seed=1))
    child_code = ("import sys, time; from studio.core.store.queue import QueueStore\n"
                  "s = QueueStore(sys.argv[1]); print(s.next_queued().id, flush=True); time.sleep(120)")
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", child_code, str(paths.queue_db)], cwd=root,
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(root)))
    try:
        assert child.stdout.readline().strip() == str(job)
        assert store.recover() == []  # the other studio still runs it
        assert store.get(job).state == "running"
    finally:
        child.kill()
        child.wait(timeout=30)
    assert store.recover() == [job]
    assert store.get(job).state == "interrupted"


def test_a_queue_file_from_before_the_owner_column_still_opens(paths):
    import sqlite3

    from studio.core.store.schema import QUEUE_SCHEMA as _SCHEMA

    old = _SCHEMA.replace(",\n    owner TEXT NOT NULL DEFAULT ''", "")
    assert "owner" not in old
    conn = sqlite3.connect(paths.queue_db)
    conn.executescript(old)
    conn.execute("INSERT INTO jobs(position, kind, spec_json, state, created) VALUES (1, 'image', ?, 'running', 0)",
                 ('{"kind": "image", "prompt": "old"}',))
    conn.commit()
    conn.close()
    store = QueueStore(paths.queue_db)
    assert store.recover() == [1]
    assert store.get(1).spec.prompt == "old"


def test_reorder_moves_put_any_selection_anywhere_through_the_store_move(paths):
    """The moves a drag (or `queue move`) makes with the store's single-job move land the chosen jobs as one
    block, in queue order, at the asked place among the others: checked on the real store for every case."""
    import itertools

    from studio.core.store.queue import QUEUED, reorder_moves

    store = QueueStore.open(paths.queue_db)
    queued = [store.add(ImageSpec(prompt=p)) for p in "abcde"]
    for n in range(1, 4):
        for moving in itertools.combinations(queued, n):
            for position in range(len(queued) - n + 1):
                for job_id, index in reorder_moves(queued, list(moving), position):
                    store.move(job_id, index)
                others = [j for j in queued if j not in moving]
                assert [r.id for r in store.list([QUEUED])] == others[:position] + list(moving) + others[position:]
                for index, job_id in enumerate(queued):  # back to the first order for the next case
                    store.move(job_id, index)
