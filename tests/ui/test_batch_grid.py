"""A batch ends as one grid on the canvas; a single image does not."""
from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from studio.ui.batch_grid import GAP, compose_grid


def test_compose_grid_places_images_row_by_row():
    colours = [QColor("red"), QColor("green"), QColor("blue")]
    images = []
    for c in colours:
        img = QImage(10, 8, QImage.Format.Format_RGB32)
        img.fill(c)
        images.append(img)
    grid = compose_grid(images)
    assert (grid.width(), grid.height()) == (2 * 10 + GAP, 2 * 8 + GAP)
    assert grid.pixelColor(5, 4) == colours[0] and grid.pixelColor(10 + GAP + 5, 4) == colours[1]
    assert grid.pixelColor(5, 8 + GAP + 4) == colours[2]


def test_a_batch_shows_a_grid_and_a_single_job_does_not(studio, qtbot):
    from studio.core.specs.image import GanSpec

    # Three jobs queued by one Generate (the prompt editor's Batch 3 goes through the same submit_specs);
    # the built-in 64 px GAN keeps the test fast.
    finished = []
    studio.pool.job_ended.connect(lambda job_id, state: state == "done" and finished.append(job_id))
    ids = studio.submit_specs([GanSpec(seeds=(s,)) for s in (1, 2, 3)])
    assert len(ids) == 3
    qtbot.waitUntil(lambda: studio.batch_grid.shown == 1, timeout=120_000)
    image = studio.canvas.image()
    assert sorted(finished) == ids
    assert (image.width(), image.height()) == (2 * 64 + GAP, 2 * 64 + GAP)  # 3 images of 64 px, 2 × 2 cells
    assert "grid of 3 images" in studio.canvas.info_label.text()
    assert studio.canvas.path() is None  # a view of the batch, not a file of its own

    studio.submit_specs([GanSpec(seeds=(4,))])
    qtbot.waitUntil(lambda: len(finished) == 4, timeout=60_000)
    studio.batch_grid.wait()
    assert studio.batch_grid.shown == 1
