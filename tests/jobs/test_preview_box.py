"""Previews follow the view's size while a job runs: each 'consumed' carries the size the view has now, and
the engine host scales the job's next previews to it (real host, the small test engines)."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from studio.core.specs.image import ImageSpec
from tests.jobs.engines import PREVIEW_SIZE
from tests.jobs.helpers import wait_final


def test_a_view_resized_mid_job_gets_the_next_previews_at_its_new_size(qtbot, pool):
    sizes: list[QSize] = []

    def painted(job_id: int, image: QImage) -> None:
        sizes.append(image.size())
        if len(sizes) == 2:
            pool.set_preview_box("image", 20, 16)  # the canvas got smaller while the job runs
        pool.preview_consumed(job_id)

    pool.set_preview_box("image", 400, 300)
    pool.job_preview.connect(painted)
    job = pool.submit(ImageSpec(prompt="previews", steps=400, seed=5)).job_id
    wait_final(qtbot, pool, job)
    assert pool.job(job).state == "done"
    assert sizes[:2] == [QSize(*PREVIEW_SIZE)] * 2  # the view was larger: previews at their own size
    assert len(sizes) > 3 and set(sizes[2:]) == {QSize(16, 16)}, sizes  # then scaled into 20×16, square kept
