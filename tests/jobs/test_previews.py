"""Preview and progress throttling: a fast engine cannot flood a slow GUI with images."""
from __future__ import annotations

import io
import time
from types import SimpleNamespace

from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from studio.core.protocol.messages import WIRE_TYPES, Message, MessageWriter
from studio.core.specs.image import ImageSpec
from tests.jobs.engines import FAST_STEP_S
from tests.jobs.helpers import Recorder, wait_final

PAINT_MS = 40  # how long our pretend GUI takes to paint one preview


def test_slow_gui_receives_few_previews_from_200_and_never_a_backlog(qtbot, pool):
    rec = Recorder(pool)
    pending: list[int] = []  # previews delivered but not yet "painted"
    max_backlog = [0]

    def on_preview(job_id: int, image: QImage) -> None:
        pending.append(job_id)
        max_backlog[0] = max(max_backlog[0], len(pending))
        assert image.size().width() == 32 and not image.isNull()

        def painted() -> None:
            pending.remove(job_id)
            pool.preview_consumed(job_id)

        QTimer.singleShot(PAINT_MS, painted)

    pool.job_preview.connect(on_preview)
    steps = 200
    handle = rec.watch(pool.submit(ImageSpec(prompt="previews", steps=steps, seed=4)))
    job = handle.job_id
    wait_final(qtbot, pool, job)
    qtbot.waitUntil(lambda: len(rec.of("ended")) == 1)
    received = len(rec.of("job_preview"))
    assert len(rec.of("preview")) == received  # the job's handle got each one too
    sent = int((pool.paths.outputs / "previews-4.txt").read_text())
    assert 2 <= received < steps / 4, received
    assert received == sent  # nothing was dropped in transit: the engine was told to skip the rest
    assert max_backlog[0] == 1  # the GUI never had more than one preview waiting
    progress = [p for p in rec.of("job_progress") if p[0] == job]
    assert len(progress) < steps / 2 and progress[-1][1:3] == (steps, steps)
    assert steps * FAST_STEP_S > 0.3  # the engine ran long enough for several previews


class _Channel(MessageWriter):
    """The host's message writer, into memory: keeps the type of each message it sent."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO())
        self.sent: list[str] = []

    def send(self, message: Message) -> None:
        super().send(message)
        self.sent.append(WIRE_TYPES[type(message)])


def test_a_gui_that_never_acknowledges_still_gets_occasional_previews(monkeypatch):
    from studio.host import process

    clock = [0.0]
    monkeypatch.setattr(process, "time", SimpleNamespace(monotonic=lambda: clock[0], time=time.time))
    channel = _Channel()
    r = process.HostReporter(channel, job_id=5, previews=True, preview_box=(0, 0))
    img = Image.new("RGB", (8, 8), (255, 0, 0))
    for _ in range(100):
        clock[0] += 0.01
        r.preview(img)
    assert channel.sent.count("preview") == 1  # 1 s without the client acknowledging
    clock[0] += process.PREVIEW_TIMEOUT_S
    assert r.wants_preview()
    r.preview(img)
    assert channel.sent.count("preview") == 2
    r.consumed()
    clock[0] += process.PREVIEW_INTERVAL_S / 2
    assert not r.wants_preview()  # acknowledged, but the minimal interval holds
    clock[0] += process.PREVIEW_INTERVAL_S
    assert r.wants_preview()


def test_engine_warnings_reach_the_gui_and_the_log(qtbot, pool, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="studio.jobs")
    rec = Recorder(pool)
    handle = rec.watch(pool.submit(ImageSpec(prompt="count " + "x" * 5000, steps=2)))
    job = handle.job_id
    wait_final(qtbot, pool, job)
    qtbot.waitUntil(lambda: len(rec.of("job_log")) > 0 and len(rec.of("log")) > 0)
    [(job_id, message)] = rec.of("job_log")
    assert job_id == job and "only the first 4000" in message
    assert rec.of("log") == [(job, message)]
    assert any("only the first 4000" in r.getMessage() for r in caplog.records)
    assert pool.job(job).state == "done"
