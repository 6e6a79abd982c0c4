"""A damaged queue database (garbage, truncated, wrong schema) is moved aside, kept, and replaced by a
fresh one holding every row SQLite could still read; the queue, the history and the window work after."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studio.core.store.queue import QueueStore
from studio.core.results import ImageResult
from studio.core.specs.image import ImageSpec

N_JOBS = 1200


def _filled_queue(paths) -> bytes:
    """A healthy queue file with N_JOBS jobs (one done, with a history entry); its bytes."""
    store = QueueStore(paths.queue_db)
    for i in range(N_JOBS):
        store.add(ImageSpec(prompt=f"lighthouse {i}", seed=i))
    store.set_result(1, ImageResult(outputs=(str(paths.outputs / "one.png"),), seed=0))
    store.close()  # checkpoints the WAL into the main file
    return paths.queue_db.read_bytes()


def _damage(paths, kind: str) -> None:
    data = _filled_queue(paths)
    for side in ("-wal", "-shm"):
        Path(str(paths.queue_db) + side).unlink(missing_ok=True)
    if kind == "garbage":
        paths.queue_db.write_bytes(bytes(range(256)) * 40)
    elif kind == "truncated":
        paths.queue_db.write_bytes(data[: len(data) // 2])
    else:  # wrong schema: another program's table under our name
        paths.queue_db.unlink()
        conn = sqlite3.connect(paths.queue_db)
        conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO jobs(name) VALUES ('not ours')")
        conn.commit()
        conn.close()


def _aside(paths) -> list[Path]:
    return sorted(p for p in paths.root.glob("queue-damaged-*.sqlite3"))


@pytest.mark.parametrize("kind", ["garbage", "truncated", "wrong-schema"])
def test_damaged_queue_is_kept_aside_and_every_command_works(paths, cli, kind):
    _damage(paths, kind)
    damaged = paths.queue_db.read_bytes()

    listed = cli("queue", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    notes = [line for line in listed.stderr.splitlines() if "queue database was damaged" in line]
    assert len(notes) == 1, listed.stderr
    [aside] = _aside(paths)
    assert aside.read_bytes() == damaged  # kept, byte for byte
    if kind == "truncated":  # the first half of the rows is still readable
        recovered = QueueStore(paths.queue_db).list()
        assert len(recovered) >= N_JOBS // 4 and recovered[0].spec.prompt == "lighthouse 0"
        assert "lighthouse 0" in listed.stdout

    again = cli("queue", "list")  # said once: the new file is healthy
    assert again.returncode == 0 and "database was damaged" not in again.stderr and len(_aside(paths)) == 1
    history = cli("history", "list")
    assert history.returncode == 0 and "Traceback" not in history.stderr
    if kind == "truncated":  # the recovered jobs can be edited (running 600 real jobs would take long)
        edited = cli("queue", "remove", "2")
        assert edited.returncode == 0 and "job 2 removed" in edited.stdout, edited.stderr
    else:
        ran = cli("queue", "run")
        assert ran.returncode == 0 and "no queued jobs" in ran.stdout, ran.stderr


def test_one_unreadable_row_does_not_break_the_list(paths, cli):
    store = QueueStore(paths.queue_db)
    good = store.add(ImageSpec(prompt="a fine job"))
    bad = store.add(ImageSpec(prompt="a bad job"))
    with store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET outputs_json = '[not json', info_json = '{\"x\":' WHERE id = ?", (bad,))
    store.close()
    listed = cli("queue", "list")
    assert listed.returncode == 0, listed.stderr
    assert "a fine job" in listed.stdout and "a bad job" in listed.stdout
    assert f"job {bad} has damaged stored data" in listed.stderr and "Traceback" not in listed.stderr
    as_json = cli("queue", "list", "--json")
    assert as_json.returncode == 0 and '"damaged"' in as_json.stdout
    assert [j.id for j in QueueStore(paths.queue_db).list()] == [good, bad]


def test_window_reaches_ready_on_a_damaged_queue(qtbot, paths, monkeypatch):
    from tests.fixtures.studio_window import started_studio

    _damage(paths, "truncated")
    gen = started_studio(qtbot, paths, monkeypatch)
    window = next(gen)
    try:
        assert "queue database was damaged" in window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: window.status.ready, timeout=60_000)
        assert window.pool.store.list()[0].spec.prompt == "lighthouse 0"
        assert len(_aside(paths)) == 1
        job = window.pool.submit(ImageSpec(prompt="after the repair", steps=1, width=64, height=64)).job_id
        assert window.pool.job(job).state in ("queued", "running", "done", "failed")
    finally:
        next(gen, None)
