"""Fixtures for the Training workspace tests: a tiny captioned image folder and a workspace on a real JobPool."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest

from studio.core.settings import Settings

COLOURS = {"red": (220, 30, 30), "blue": (30, 30, 220), "green": (30, 200, 30), "yellow": (230, 220, 30)}
# A text-to-image model small enough to train a few steps per second on one CPU thread.
TINY_TEXT2IMG = {"channels": [16, 16], "text_dim": 32, "text_layers": 1, "heads": 4, "max_tokens": 8,
                 "sample_steps": 2, "warmup": 1}


@pytest.fixture()
def image_folder(tmp_path) -> Path:
    """8 captioned 24 px images (a coloured square each) and one file that is not an image."""
    from PIL import Image

    folder = tmp_path / "squares"
    folder.mkdir()
    for i, (name, rgb) in enumerate(list(COLOURS.items()) * 2):
        im = Image.new("RGB", (24, 24), (0, 0, 0))
        im.paste(rgb, (2 + i, 4, 14 + i, 20))
        im.save(folder / f"{i:02d}.png")
        (folder / f"{i:02d}.txt").write_text(f"a {name} square", encoding="utf-8")
    (folder / "broken.png").write_bytes(b"this is not a png")
    return folder


@pytest.fixture()
def workspace(qtbot, paths):
    """A TrainingWorkspace with no pool (form and panels only)."""
    from studio.ui.training_workspace import TrainingWorkspace

    ws = TrainingWorkspace(paths=paths, models=[])
    qtbot.addWidget(ws)
    ws.resize(1200, 800)
    ws.show()
    qtbot.waitExposed(ws)
    yield ws
    ws.wait()


@pytest.fixture()
def live(qtbot, paths, monkeypatch):
    """A TrainingWorkspace bound to a started JobPool whose worker runs the real training engine.

    Previews are throttled only by the paint handshake (as in the window tests).
    """
    import studio.jobs.pool as pool_module
    from studio.jobs.reporter import QtReporter
    from studio.ui.training_workspace import TrainingWorkspace

    from tests.fixtures.host_zygote import use_warm_hosts

    monkeypatch.setattr(pool_module, "QtReporter", functools.partial(QtReporter, min_preview_interval=0.0))
    use_warm_hosts(monkeypatch)  # the pool's hosts are forked from the session's warm parent
    pool = pool_module.WorkerPool(paths, Settings())
    ws = TrainingWorkspace(pool, paths, models=[])
    qtbot.addWidget(ws)
    ws.resize(1200, 800)
    ws.show()
    qtbot.waitExposed(ws)
    pool.start()
    yield ws
    pool.shutdown(wait=True, timeout=60)
    ws.wait()
