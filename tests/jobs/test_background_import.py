"""Torch and the engines are imported by an engine host process, never by the GUI process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import sys, threading
importers = {}

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in ("torch", "studio.host.dispatch") and name not in importers:
            importers[name] = threading.current_thread() is threading.main_thread()
        return None

sys.meta_path.insert(0, Spy())
from PySide6.QtCore import QCoreApplication, QTimer
from studio.core.paths import StudioPaths
from studio.core.settings import Settings
from studio.jobs.pool import WorkerPool

app = QCoreApplication([])
pool = WorkerPool(StudioPaths.from_env(), Settings(device="cpu"))
assert "torch" not in sys.modules, "creating the pool imported torch"
ready = []
pool.engine_ready.connect(lambda dev: (ready.append(dev), app.quit()))
pool.start()
QTimer.singleShot(120000, app.quit)
app.exec()
pool.shutdown()
print("ready", ready, "gui-imports", sorted(importers.items()), "torch" in sys.modules)
"""


def test_engines_load_in_an_engine_process_not_in_the_gui_process(paths):
    env = dict(os.environ, AIGC_STUDIO_HOME=str(paths.root), OMP_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr
    assert "ready ['cpu'] gui-imports [] False" in out.stdout, \
        out.stdout + out.stderr
