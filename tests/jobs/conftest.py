"""Fixtures for the queue tests: a real JobPool on the test's fresh studio home with the test engines."""
from __future__ import annotations

import pytest


TEST_ENGINES = {"image": "tests.jobs.engines:run", "text": "tests.jobs.engines:stream"}


def use_engines(monkeypatch, engines: dict[str, str]) -> None:
    """Route jobs to other engines: in this process (CLI in-process runs) and in every engine host
    started from now on (they read AIGC_STUDIO_ENGINES)."""
    import studio.host.dispatch as dispatch
    from studio.host.process import ENGINES_ENV

    for kind, target in engines.items():
        monkeypatch.setitem(dispatch.ENGINES, kind, target)
    import os

    current = dict(i.split("=", 1) for i in os.environ.get(ENGINES_ENV, "").split(",") if "=" in i)
    current.update(engines)
    monkeypatch.setenv(ENGINES_ENV, ",".join(f"{k}={v}" for k, v in current.items()))


@pytest.fixture()
def test_engines(monkeypatch):
    """Route image and text jobs to the small engines of tests/jobs/engines.py."""
    use_engines(monkeypatch, TEST_ENGINES)


@pytest.fixture()
def make_pool(qtbot, paths):
    """Factory for started pools; every pool is shut down (and its threads joined) at the end."""
    from studio.core.settings import Settings
    from studio.jobs.pool import WorkerPool

    pools = []

    def make(settings: Settings | None = None, start: bool = True) -> WorkerPool:
        # The test engines need no torch: hosts start in a fraction of a second without the prewarm.
        pool = WorkerPool(paths, settings or Settings(device="cpu", engine_prewarm=False))
        pools.append(pool)
        if start:
            pool.start()
        return pool

    yield make
    for pool in pools:
        pool.shutdown(wait=True, timeout=30)


@pytest.fixture()
def pool(make_pool, test_engines):
    return make_pool()

