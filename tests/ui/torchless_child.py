"""Child process of test_torchless_gui: the real window runs image, upscale, text and training jobs.

Run as ``python -m tests.ui.torchless_child SD_DIR LLM_DIR`` with ``AIGC_STUDIO_HOME`` set. Prints one
JSON line: each job's final state and which torch-side libraries this (GUI) process imported.
"""
from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtWidgets import QApplication

from studio.core.paths import StudioPaths
from studio.core.settings import Settings
from studio.core.specs.text import TextSpec
from studio.core.specs.training import TrainSpec
from studio.jobs.pool import WorkerPool
from studio.ui.main_window import MainWindow

HEAVY = ("torch", "diffusers", "transformers", "studio.host.dispatch")
HOST_COMMAND_ENV = "STUDIO_TEST_HOST_COMMAND"
"""Set by the test: the engine host command (JSON list) of its warm parent (tests.fixtures.host_zygote)."""


def pump_until(app: QApplication, predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return False


def main(sd_dir: str, llm_dir: str) -> int:
    if os.environ.get(HOST_COMMAND_ENV):  # hosts forked from the test session's warm parent (torch imported there)
        import studio.jobs.host_client as host_client

        command = json.loads(os.environ[HOST_COMMAND_ENV])
        host_client.host_command = lambda: list(command)
    app = QApplication(sys.argv[:1])
    paths, settings = StudioPaths.from_env(), Settings(device="cpu", scan_hf_cache=False)
    window = MainWindow(paths, settings)
    window.show()
    pool = WorkerPool(paths, settings, parent=window)
    window.attach_pool(pool)
    pool.start()

    pump_until(app, lambda: window.isVisible() and pool.lanes()["studio-worker-0"] is not None, 120)
    try:
        return _run(app, window, pool, sd_dir, llm_dir)
    finally:
        pool.shutdown(wait=True, timeout=60)


def _run(app: QApplication, window: MainWindow, pool: WorkerPool, sd_dir: str, llm_dir: str) -> int:
    ended: dict[int, str] = {}
    pool.job_changed.connect(lambda j: pool.job(j).is_final and ended.setdefault(j, pool.job(j).state))
    previews: list[int] = []
    pool.job_preview.connect(lambda j, _img: previews.append(j))
    # An image from the prompt editor (its Generate action), as a person makes one.
    editor = window.prompt_editor
    editor.set_model(sd_dir)
    editor.steps_spin.setValue(3)
    editor.width_spin.setValue(64)
    editor.height_spin.setValue(64)
    editor.batch_spin.setValue(1)
    editor.prompt_edit.setPlainText("a lighthouse at dusk")
    window.generate_action.trigger()
    image_job = window.queue_view.model.job_ids()[-1]
    # A training run in its own lane, text from a tiny LLM, at the same time.
    train_job = pool.submit(TrainSpec(family="gan", data="digits", out="torchless-gan", steps=6, batch=8, size=16,
                                      seed=1, sample_every=3, checkpoint_every=0,
                                      params={"features": 8, "latent_dim": 16, "log_every": 1, "limit": 64})).job_id
    text_job = pool.submit(TextSpec(prompt="Hello", model=llm_dir, max_new_tokens=4, seed=1)).job_id
    ok = pump_until(app, lambda: image_job in ended, 300)
    canvas_ok = ok and pump_until(app, lambda: (window.canvas.path() or "") == pool.job(image_job).outputs[0], 30)
    # Upscale the canvas image with the built-in upscaler, from the Upscale menu.
    window.upscale_tools.set_model("RealESRGAN animevideov3 x2")
    window.upscale_tools.upscale_action.trigger()
    pump_until(app, lambda: len(ended) >= 4, 300)
    upscaled = (window.canvas.path() or "").endswith("-x2.png") or pump_until(
        app, lambda: (window.canvas.path() or "").endswith("-x2.png"), 30)
    states = {kind: ended.get(j, pool.job(j).state) for kind, j in
              (("image", image_job), ("train", train_job), ("text", text_job))}
    others = [j for j in ended if j not in (image_job, train_job, text_job)]
    states["upscale"] = ended[others[0]] if others else "missing"
    report = {"states": states, "canvas": canvas_ok, "upscaled_on_canvas": upscaled,
              "image_previews": previews.count(image_job), "hosts": sorted(p for p in pool.lanes().values() if p),
              "loaded_here": [m for m in HEAVY if m in sys.modules]}
    print("REPORT " + json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
