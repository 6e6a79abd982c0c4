"""The queue and history from the command line: `queue run` serves jobs queued elsewhere."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.core.store.queue import QueueStore
from studio.core.specs.image import ImageSpec

ROOT = Path(__file__).resolve().parents[2]


def _env(paths, test_engine: bool = False) -> dict:
    # `queue run` runs jobs in an engine host process: it reads the test engine from the environment.
    extra = {"AIGC_STUDIO_ENGINES": "image=tests.jobs.engines:run"} if test_engine else {}
    return dict(os.environ, AIGC_STUDIO_HOME=str(paths.root), OMP_NUM_THREADS="1", **extra)


def cli(paths, *args: str, test_engine: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=_env(paths, test_engine),
                          capture_output=True, text=True, timeout=300)


def test_queue_run_serves_jobs_queued_elsewhere_and_history_finds_them(paths):
    # The test engine: the real diffusion pipeline through the pool is covered by test_pool_diffusion.
    store = QueueStore(paths.queue_db)
    a = store.add(ImageSpec(prompt="count a red lighthouse", model="lamp", seed=5, steps=2))
    b = store.add(ImageSpec(prompt="count a green field", model="lamp", seed=6, steps=2))
    listed = cli(paths, "queue", "list")
    assert listed.returncode == 0 and "a red lighthouse" in listed.stdout and "queued" in listed.stdout

    run = cli(paths, "queue", "run", test_engine=True)
    assert run.returncode == 0, run.stderr
    assert f"job {a} done" in run.stdout and f"job {b} done" in run.stdout
    assert [j.state for j in store.list()] == ["done", "done"]
    assert all(Path(j.outputs[0]).is_file() for j in store.list())

    found = cli(paths, "history", "list", "lighthouse", "--json")
    assert found.returncode == 0, found.stderr
    [entry] = json.loads(found.stdout)
    assert entry["job_id"] == a and entry["seed"] == 5 and entry["model"] == "lamp"
    assert entry["spec"]["prompt"] == "count a red lighthouse"
    by_seed = json.loads(cli(paths, "history", "list", "--seed", "6", "--json").stdout)
    assert [e["job_id"] for e in by_seed] == [b]

    deleted = cli(paths, "history", "delete", str(entry["id"]), "--files")
    assert deleted.returncode == 0 and not Path(entry["path"]).exists()
    assert cli(paths, "history", "delete", str(entry["id"])).returncode == 1
    assert cli(paths, "queue", "run").stdout.strip() == "no queued jobs"


def test_queue_edit_commands(paths):
    store = QueueStore(paths.queue_db)
    a, b = store.add(ImageSpec(prompt="one")), store.add(ImageSpec(prompt="two"))
    assert cli(paths, "queue", "cancel", str(a)).returncode == 0
    r = cli(paths, "queue", "cancel", str(a))
    assert r.returncode == 1 and "is cancelled, not queued" in r.stderr
    r = cli(paths, "queue", "retry", str(a))
    assert r.returncode == 0 and "queued again as job 3" in r.stdout
    assert cli(paths, "queue", "clear").stdout.strip() == "1 finished job(s) removed"
    assert cli(paths, "queue", "remove", str(b)).returncode == 0
    assert [j["id"] for j in json.loads(cli(paths, "queue", "list", "--json").stdout)] == [3]
    r = cli(paths, "queue", "retry", "99")
    assert r.returncode == 1 and "there is no job 99" in r.stderr


def test_queue_move_reorders_like_a_drag_and_refuses_running_jobs(paths):
    store = QueueStore(paths.queue_db)
    a, b, c, d = (store.add(ImageSpec(prompt=p)) for p in "abcd")
    r = cli(paths, "queue", "move", str(d), str(b), "--to", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"queued jobs in order: {b}, {d}, {a}, {c}"
    assert QueueStore(paths.queue_db).queued_ids() == [b, d, a, c]
    store.next_queued()  # b runs
    r = cli(paths, "queue", "move", str(b), "--to", "3")
    assert r.returncode == 1 and f"job {b} is running: only queued jobs can be moved" in r.stderr
    assert QueueStore(paths.queue_db).queued_ids() == [d, a, c]


def test_ctrl_c_interrupts_the_running_job_and_keeps_the_rest_queued(paths):
    store = QueueStore(paths.queue_db)
    blocked = store.add(ImageSpec(prompt="block", seed=1))
    waiting = store.add(ImageSpec(prompt="count", seed=2))
    proc = subprocess.Popen([sys.executable, "main.py", "queue", "run"], cwd=ROOT, env=_env(paths, True),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (paths.outputs / "running-1").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"job {blocked} interrupted" in out and "1 job(s) still queued" in err
    assert store.get(blocked).state == "interrupted" and store.get(waiting).state == "queued"
