"""Fixtures for the queue tests: a real JobPool on the test's fresh studio home with the test engines."""
from __future__ import annotations

import pytest


@pytest.fixture()
def test_engines(monkeypatch):
    """Route image and text jobs to the small engines of tests/jobs/engines.py."""
    import studio.engines.dispatch as dispatch

    monkeypatch.setitem(dispatch.ENGINES, "image", "tests.jobs.engines:run")
    monkeypatch.setitem(dispatch.ENGINES, "text", "tests.jobs.engines:stream")


@pytest.fixture()
def make_pool(qtbot, paths):
    """Factory for started pools; every pool is shut down (and its threads joined) at the end."""
    from studio.core.settings import Settings
    from studio.jobs.pool import JobPool

    pools = []

    def make(settings: Settings | None = None, start: bool = True) -> JobPool:
        pool = JobPool(paths, settings or Settings(device="cpu"))
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

