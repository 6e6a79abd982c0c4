"""Helpers shared by the queue tests."""
from __future__ import annotations


def wait_final(qtbot, pool, *job_ids: int, timeout: int = 20000) -> None:
    """Process Qt events until every job reached a final state (done, failed, cancelled, interrupted)."""
    qtbot.waitUntil(lambda: all(pool.job(j).is_final for j in job_ids), timeout=timeout)


class Recorder:
    """Collects every signal of a JobPool as (name, *args) tuples, in arrival order."""

    NAMES = ("job_added", "job_changed", "job_progress", "job_preview", "job_text", "job_metrics",
             "job_finished", "job_failed", "job_cancelled", "job_log", "engine_ready", "engine_status",
             "engine_failed")

    def __init__(self, pool) -> None:
        self.events: list[tuple] = []
        for name in self.NAMES:
            getattr(pool, name).connect(lambda *args, _n=name: self.events.append((_n, *args)))

    def of(self, name: str) -> list[tuple]:
        return [e[1:] for e in self.events if e[0] == name]
