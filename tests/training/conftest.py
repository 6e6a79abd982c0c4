"""Fixtures for the training tests: a tiny captioned image folder and tiny text2img specs."""
from __future__ import annotations

from pathlib import Path

import pytest

COLOURS = {"red": (220, 30, 30), "blue": (30, 60, 220), "green": (30, 200, 60), "yellow": (230, 210, 30)}
TINY = {"channels": [8, 16], "heads": 2, "text_dim": 16, "text_layers": 1, "text_heads": 2, "warmup": 2,
        "sample_steps": 2, "log_every": 1, "ema_decay": 0.9}


def make_caption_folder(folder: Path, per_colour: int = 3, size: int = 16) -> Path:
    """Squares and discs in four colours, each with a same-stem .txt caption."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    for name, rgb in COLOURS.items():
        for k in range(per_colour):
            im = Image.new("RGB", (size, size), (0, 0, 0))
            d = ImageDraw.Draw(im)
            shape = "square" if k % 2 == 0 else "disc"
            box = (3 + k % 2, 3, size - 4, size - 4 - k % 2)
            (d.rectangle if shape == "square" else d.ellipse)(box, fill=rgb)
            im.save(folder / f"{name}_{k}.png")
            (folder / f"{name}_{k}.txt").write_text(f"a {name} {shape}", encoding="utf-8")
    return folder


@pytest.fixture()
def caption_folder(tmp_path) -> Path:
    return make_caption_folder(tmp_path / "data")


@pytest.fixture()
def tiny_params() -> dict:
    return dict(TINY)


@pytest.fixture()
def cpu_ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(), device="cpu")
