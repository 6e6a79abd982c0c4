"""Fixtures for the training families: a tiny synthetic image folder, a recording reporter, a context."""
from __future__ import annotations

from pathlib import Path

import pytest


class Recorder:
    """Keeps metrics, previews and log lines; cancels the job once ``cancel_at`` steps are done."""

    def __init__(self, cancel=None, cancel_at: int = 0, previews: bool = True) -> None:
        self.metrics_rows: list[tuple[int, dict]] = []
        self.previews: list = []
        self.messages: list[str] = []
        self.progress_calls: list[tuple[int, int]] = []
        self._cancel, self._at, self._previews = cancel, cancel_at, previews

    def progress(self, done, total, message=""):
        self.progress_calls.append((done, total))
        if self._cancel is not None and done >= self._at:
            self._cancel.cancel()

    def wants_preview(self):
        return self._previews

    def preview(self, image):
        self.previews.append(image)

    def text(self, chunk):
        pass

    def metrics(self, step, values):
        self.metrics_rows.append((step, dict(values)))

    def log(self, message):
        self.messages.append(message)

    def series(self, key: str) -> list[float]:
        return [v[key] for _, v in self.metrics_rows if key in v]


def make_shapes_folder(folder: Path, n: int = 24, size: int = 32, rgb: bool = False, captions: bool = False) -> Path:
    """``n`` images of a bright square or disc on a dark ground (learnable in a few dozen steps)."""
    import random

    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(0)
    for i in range(n):
        im = Image.new("RGB" if rgb else "L", (size, size), (20, 20, 40) if rgb else 20)
        d = ImageDraw.Draw(im)
        r = size // 4
        cx, cy = rnd.randint(r, size - r), rnd.randint(r, size - r)
        fill = (230, 80, 40) if rgb else 235
        shape = "disc" if i % 2 else "square"
        (d.ellipse if shape == "disc" else d.rectangle)((cx - r, cy - r, cx + r, cy + r), fill=fill)
        im.save(folder / f"img{i:03d}.png")
        if captions:
            (folder / f"img{i:03d}.txt").write_text(f"a red {shape}", encoding="utf-8")
    return folder


@pytest.fixture()
def shapes_dir(tmp_path) -> Path:
    """24 grey 32 px shapes and one corrupt file (which must be skipped and reported)."""
    folder = make_shapes_folder(tmp_path / "shapes")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return folder


@pytest.fixture()
def ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")


@pytest.fixture()
def recorder():
    return Recorder()
