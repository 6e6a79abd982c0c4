"""Preview and progress throttling: a fast engine cannot flood a slow GUI with images."""
from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QImage

from studio.core.specs.image import ImageSpec
from studio.jobs.reporter import QtReporter, pil_to_qimage
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


def test_a_gui_that_never_acknowledges_still_gets_occasional_previews(qtbot):
    clock = [0.0]
    r = QtReporter(clock=lambda: clock[0])
    got = []
    r.preview_ready.connect(lambda j, img: got.append(img))
    r.begin(5)
    img = Image.new("RGB", (8, 8), (255, 0, 0))
    for _ in range(100):
        clock[0] += 0.01
        r.preview(img)
    assert len(got) == 1  # 1 s without the GUI calling consumed()
    clock[0] += r.preview_timeout
    assert r.wants_preview()
    r.consumed(4)  # another job's acknowledgement does not count
    r.preview(img)
    assert len(got) == 2
    r.consumed(5)
    clock[0] += r.min_preview_interval / 2
    assert not r.wants_preview()  # acknowledged, but the minimal interval holds
    clock[0] += r.min_preview_interval
    assert r.wants_preview()


def test_pil_to_qimage_keeps_pixels_and_owns_its_memory():
    src = Image.new("RGB", (5, 3), (10, 20, 30))
    src.putpixel((4, 2), (200, 100, 50))
    q = pil_to_qimage(src)
    del src
    assert (q.width(), q.height()) == (5, 3)
    assert q.pixelColor(0, 0) == QColor(10, 20, 30) and q.pixelColor(4, 2) == QColor(200, 100, 50)
    rgba = pil_to_qimage(Image.new("RGBA", (2, 2), (1, 2, 3, 128)))
    assert rgba.pixelColor(1, 1).alpha() == 128
    grey = pil_to_qimage(Image.new("L", (2, 2), 77))
    assert grey.pixelColor(0, 1) == QColor(77, 77, 77)


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
