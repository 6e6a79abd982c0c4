"""Child process for the kill -9 test: a real JobPool whose second job blocks until killed.

Run as ``python -m tests.jobs.crash_child`` with ``AIGC_STUDIO_HOME`` set. It queues four
image jobs for the test engines: a quick one (finishes, writes a PNG and a history entry),
one that blocks, and two quick ones that stay queued behind it.
"""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication

from studio.core.paths import StudioPaths
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.jobs.pool import WorkerPool

SPECS = [ImageSpec(prompt="count quick first", steps=2, seed=1),
         ImageSpec(prompt="block until killed", seed=2),
         ImageSpec(prompt="count third", steps=2, seed=3),
         ImageSpec(prompt="count fourth", steps=2, seed=4)]


def main() -> int:
    # Its engine hosts run the test engine: the test sets AIGC_STUDIO_ENGINES, which they inherit.
    app = QCoreApplication(sys.argv)
    pool = WorkerPool(StudioPaths.from_env(), Settings(device="cpu", engine_prewarm=False))
    pool.start()
    ids = [pool.submit(s).job_id for s in SPECS]
    print("submitted", *ids, flush=True)
    return app.exec()  # runs until the parent kills us


if __name__ == "__main__":
    sys.exit(main())
