"""Previews travel already scaled to what the canvas shows: the window tells the job pool the canvas's
size, the engine host scales each preview down to it before sending (never up)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from studio.core.protocol.frames import Frame
from studio.core.protocol.messages import decode


def _generate(window, qtbot, model_dir) -> tuple[int, list[QSize]]:
    """Queue one 64×64 image from the prompt editor; the sizes of the previews the host sent for it."""
    received: list[QSize] = []
    pool = window.pool
    pool.job_preview.connect(lambda _job, image: received.append(QImage(image).size()))
    editor = window.prompt_editor
    editor.set_model(str(model_dir))
    editor.steps_spin.setValue(2)
    editor.width_spin.setValue(64)
    editor.height_spin.setValue(64)
    editor.batch_spin.setValue(1)
    editor.prompt_edit.setPlainText("a red fox")
    editor.queue()
    job = window.queue_view.model.job_ids()[-1]
    qtbot.waitUntil(lambda: pool.job(job).is_final, timeout=240_000)
    assert pool.job(job).state == "done", pool.job(job).error
    return job, received


@pytest.mark.slow  # two real image jobs through a host: ~10 s on a quiet machine, more on a busy one
def test_previews_come_at_the_size_the_canvas_shows(studio, qtbot, tiny_sd_dir):
    canvas = studio.canvas
    canvas.view.setFixedSize(40, 30)  # a small canvas (docks pulled wide): a 64 px image is shown 30 px
    qtbot.waitUntil(lambda: canvas.shown_area() == QSize(40, 30) * canvas.devicePixelRatioF())
    area = canvas.shown_area()
    _job, small = _generate(studio, qtbot, tiny_sd_dir)
    assert small, "no preview arrived"
    side = min(area.width(), area.height())
    assert set(small) == {QSize(side, side)}, small  # scaled down by the host, square kept
    assert canvas.shown_size() == QSize(64, 64)  # and the canvas still lays it out at the image's size

    canvas.view.zoom_by(2)  # zoomed in, an image is shown larger than the view: previews come full size
    assert canvas.shown_area().isEmpty()
    _job, zoomed = _generate(studio, qtbot, tiny_sd_dir)
    assert zoomed and set(zoomed) == {QSize(64, 64)}, zoomed


def test_a_job_from_an_older_client_is_scaled_to_its_preview_max():
    old = Frame("job", {"job": 1, "spec": {}, "previews": True, "preview_max": 256})
    new = Frame("job", {"job": 1, "spec": {}, "previews": True, "preview_max": 640, "preview_box": [640, 360]})
    odd = Frame("job", {"job": 1, "spec": {}, "previews": True, "preview_max": 0, "preview_box": ["x", -1]})
    assert decode(old).preview_box == (256, 256)
    assert decode(new).preview_box == (640, 360)
    assert decode(odd).preview_box == (0, 0)  # unreadable: no limit rather than a failed job
