"""Crafted PNGs ("Open PNG…", "reuse parameters", `generate image --from-png`): linear-time parsing with
size and depth limits; every failure is one line in the window and the CLI."""
from __future__ import annotations

import time

import pytest

from studio.core.errors import SpecError
from studio.core.pngmeta import read_png_parameters
from tests.hostile.pngs import crafted, png_bytes, redos_parameters, text

FAILING = {"huge-text": "larger than 1 MB", "ztxt-bomb": "larger than 1 MB", "deep-json": "nested too deeply",
           "nan-json": "finite number", "wrong-types": "wrong type", "bomb-image": "no generation parameters",
           "not-png": "not a readable image", "truncated": "no generation parameters",
           "huge-size": "must be between"}


def _parse_seconds(tmp_path, n: int) -> float:
    path = tmp_path / f"redos-{n}.png"
    path.write_bytes(png_bytes([text("parameters", redos_parameters(n))]))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        read_png_parameters(path)
        best = min(best, time.perf_counter() - t0)
    return best


def test_redos_png_parses_in_linear_time(tmp_path):
    # The old A1111 regex took 7.4 s on a 185-byte PNG and minutes on 200 KB: quadratic in the length.
    small, large = _parse_seconds(tmp_path, 6_000), _parse_seconds(tmp_path, 48_000)
    assert large < 0.050  # a complexity guard with a generous bound (the old parser: minutes)
    assert large < 16 * max(small, 1e-4)  # 8× the text: linear ~8×, quadratic 64×


@pytest.mark.parametrize("name", sorted(FAILING))
def test_crafted_png_is_one_clear_error(tmp_path, name):
    path = crafted(tmp_path, (name,))[name]
    t0 = time.perf_counter()
    with pytest.raises(SpecError, match=FAILING[name]) as info:
        read_png_parameters(path)
    assert time.perf_counter() - t0 < 2.0
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_nan_in_a1111_text_keeps_the_default(tmp_path):
    spec = read_png_parameters(crafted(tmp_path, ("nan-cfg",))["nan-cfg"])
    assert spec.guidance == 7.5 and spec.steps == 5 and spec.prompt == "a cat"


def test_cli_from_png_refuses_crafted_files_with_one_line(tmp_path, cli):
    files = crafted(tmp_path / "pngs")
    for name in ("ztxt-bomb", "deep-json", "huge-text"):
        r = cli("generate", "image", "--from-png", str(files[name]), "--out", str(tmp_path / "x.png"))
        assert r.returncode == 1, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and FAILING[name] in lines[0], r.stderr
    assert not (tmp_path / "x.png").exists()


def test_window_open_png_shows_one_line(qtbot, paths, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, message: shown.append(message))
    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    files = crafted(tmp_path)
    for name in ("redos", "ztxt-bomb", "deep-json", "bomb-image"):
        t0 = time.perf_counter()
        spec = w.history.open_png(str(files[name]))
        assert time.perf_counter() - t0 < 1.0
        if name == "redos":
            assert spec is not None and w.prompt_editor.spec().prompt.startswith("p")
        else:
            assert spec is None and FAILING[name] in shown[-1] and "\n" not in shown[-1]
    w.scanner.wait()
