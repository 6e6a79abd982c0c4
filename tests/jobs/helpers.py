"""Helpers shared by the queue tests."""
from __future__ import annotations

HANDLE_SIGNALS = ("started", "progress", "preview", "text", "metrics", "log", "finished", "failed", "cancelled",
                  "ended")


def _id(job) -> int:
    return job if isinstance(job, int) else job.job_id


def wait_final(qtbot, pool, *jobs, timeout: int = 20000) -> None:
    """Process Qt events until every job (id or handle) reached a final state."""
    qtbot.waitUntil(lambda: all(pool.job(_id(j)).is_final for j in jobs), timeout=timeout)


class Recorder:
    """Collects the pool's signals as (name, *args) and, with :meth:`watch`, those of job handles as
    (signal name, job id, *args), in arrival order."""

    NAMES = ("job_added", "job_changed", "job_progress", "job_preview", "job_log", "job_ended", "engine_ready",
             "engine_status", "engine_failed")

    def __init__(self, pool) -> None:
        self.events: list[tuple] = []
        for name in self.NAMES:
            getattr(pool, name).connect(lambda *args, _n=name: self.events.append((_n, *args)))

    def watch(self, *handles):
        """Record every signal of ``handles`` (JobHandle); returns them (one handle: that handle)."""
        for h in handles:
            for name in HANDLE_SIGNALS:
                getattr(h, name).connect(lambda *args, _n=name, _j=h.job_id: self.events.append((_n, _j, *args)))
        return handles[0] if len(handles) == 1 else handles

    def of(self, name: str) -> list[tuple]:
        return [e[1:] for e in self.events if e[0] == name]
