"""A frozen build has no ``python -m``: its studio starts each engine host as ``<the executable> engine host``,
which PyInstaller's bootloader runs as the bundle's runtime hook, then main.py (the entry script) with
``sys.frozen`` set. Here a stand-in executable does exactly that (no PyInstaller build needed) and a real
pool runs a job on it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from studio.core.specs.image import ImageSpec
from tests.jobs.helpers import wait_final

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_HOOK = ROOT / "packaging" / "rthooks" / "pyi_rth_aigc_studio.py"

STAND_IN = """#!{python}
# Stands in for the bundle's executable: what PyInstaller's bootloader does before the entry script.
import runpy
import sys

sys.frozen = True
sys.executable = {exe!r}
sys.path.insert(0, {root!r})  # the bundle carries the studio package (no PYTHONPATH from the studio)
runpy.run_path({hook!r}, run_name="__main__")
sys.argv[0] = sys.executable
runpy.run_path({main!r}, run_name="__main__")
"""


@pytest.fixture()
def frozen_executable(tmp_path, monkeypatch) -> Path:
    """A stand-in for the frozen executable; this (studio) process believes it is that frozen build."""
    exe = tmp_path / "bundle" / "AIGC Studio"
    exe.parent.mkdir()
    exe.write_text(STAND_IN.format(python=sys.executable, exe=str(exe), root=str(ROOT), hook=str(RUNTIME_HOOK),
                                   main=str(ROOT / "main.py")))
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    return exe


@pytest.mark.skipif(sys.platform == "win32", reason="a script stands in for the executable")
def test_a_frozen_build_starts_its_engine_host_through_main_py_and_runs_a_job(qtbot, frozen_executable,
                                                                             make_pool, test_engines, paths):
    from studio.jobs.host_client import host_command

    assert host_command() == [str(frozen_executable), "engine", "host"]
    pool = make_pool()
    job = pool.submit(ImageSpec(prompt="count", steps=2, seed=7)).job_id
    wait_final(qtbot, pool, job)
    rec = pool.job(job)
    assert rec.state == "done", rec.error
    assert Path(rec.outputs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pid = pool.lanes()["studio-worker-0"]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1] if Path(f"/proc/{pid}").exists() else []
    if argv:  # Linux: the host really is `<executable> engine host` (run through its #! interpreter)
        assert [a.decode() for a in argv[-3:]] == [str(frozen_executable), "engine", "host"]


@pytest.mark.skipif(sys.platform == "win32", reason="a script stands in for the executable")
def test_a_stray_print_before_the_host_speaks_fails_at_once_with_one_line(qtbot, frozen_executable, make_pool,
                                                                         test_engines, paths):
    """Something printed on the pipe before the host takes it over is refused at its first bytes (the frames'
    magic), not waited on until the start-up timeout."""
    import time

    text = frozen_executable.read_text().replace("sys.argv[0] = sys.executable",
                                                 "print('hi!', flush=True)\nsys.argv[0] = sys.executable")
    frozen_executable.write_text(text)
    pool = make_pool()
    started = time.monotonic()
    with qtbot.waitSignal(pool.engine_failed, timeout=40_000) as failed:
        job = pool.submit(ImageSpec(prompt="count", steps=2, seed=7)).job_id
    assert "not a studio message" in failed.args[0]  # the lane stops with one line after three quick tries
    assert time.monotonic() - started < 40  # not three 60 s waits for a hello
    assert pool.job(job).state == "queued"  # the job waits for a studio whose engine starts
