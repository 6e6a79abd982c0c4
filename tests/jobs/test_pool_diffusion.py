"""End to end through the real tiny diffusion pipeline: two queued image jobs via the JobPool."""
from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtGui import QImage

from studio.core.pngmeta import read_png_parameters
from studio.core.specs.image import ImageSpec
from tests.jobs.helpers import Recorder, wait_final


def test_two_queued_image_jobs_run_in_order_with_previews_pngs_and_history(qtbot, make_pool, tiny_sd_dir,
                                                                          monkeypatch):
    from tests.fixtures.host_zygote import use_warm_hosts

    use_warm_hosts(monkeypatch)  # its engine host is forked from the session's warm parent (torch imported once)
    pool = make_pool()  # the real engines: no test engine routing
    rec = Recorder(pool)
    previews: dict[int, list[QImage]] = {}

    def on_preview(job_id: int, image: QImage) -> None:
        previews.setdefault(job_id, []).append(image)
        pool.preview_consumed(job_id)  # "painted" at once

    pool.job_preview.connect(on_preview)
    specs = [ImageSpec(prompt="a red lighthouse", model=str(tiny_sd_dir), seed=11, steps=3, width=64, height=64),
             ImageSpec(prompt="a blue boat", negative_prompt="fog", model=str(tiny_sd_dir), seed=12, steps=2,
                       width=64, height=64, scheduler="ddim")]
    handles = rec.watch(*(pool.submit(s) for s in specs))
    ids = [h.job_id for h in handles]
    wait_final(qtbot, pool, *ids, timeout=120000)
    qtbot.waitUntil(lambda: len(rec.of("finished")) == 2)

    first, second = (pool.job(i) for i in ids)
    assert (first.state, second.state) == ("done", "done"), (first.error, second.error)
    assert first.finished <= second.started
    assert [e[0] for e in rec.of("finished")] == ids
    assert [e[1].seed for e in rec.of("finished")] == [11, 12]  # typed ImageResults
    assert [e[0] for e in rec.of("job_ended")] == ids
    for job_id in ids:
        assert previews.get(job_id), f"no preview for job {job_id}"
        assert all(not q.isNull() and q.width() > 0 for q in previews[job_id])
    for job, spec in ((first, specs[0]), (second, specs[1])):
        png = Path(job.outputs[0])
        assert png.is_file() and Image.open(png).size == (64, 64)
        assert read_png_parameters(png) == spec  # the image alone reproduces its job
        assert job.result().seed == spec.seed and job.progress_done == job.progress_total == spec.steps
    history = pool.gallery.list()
    assert [(e.job_id, e.seed, e.path) for e in history] == [(second.id, 12, second.outputs[0]),
                                                              (first.id, 11, first.outputs[0])]
    assert [e.job_id for e in pool.gallery.search("lighthouse")] == [first.id]
    assert [e.job_id for e in pool.gallery.search(model="tiny-sd", seed=12)] == [second.id]
    qtbot.waitUntil(lambda: "tiny-sd" in rec.of("engine_status")[-1][0].loaded)
    pool.unload_models()
    qtbot.waitUntil(lambda: rec.of("engine_status")[-1][0].loaded == ())
