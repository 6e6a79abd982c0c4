"""Canvas editing: brush latency on a 2048×2048 image and the memory of 20 undo steps.

Runs the real main window (offscreen unless $DISPLAY/QT_QPA_PLATFORM say otherwise) with the
canvas editor, opens a 2048² image, and drags the brush with synthetic mouse events. Frame time
= one mouse move handled + the viewport repainted synchronously (what a person waits for per
frame). Memory: 20 strokes on different places; the undo stack's pixel bytes are compared with
what 20 full mask copies would cost. Figures are printed (and written as JSON with ``--json``).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/canvas.py [--side 2048] [--moves 200] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _drag_times(editor, points, QTest, Qt) -> list[float]:
    from PySide6.QtCore import QPointF

    view, vp = editor.view, editor.view.viewport()
    pts = [view.mapFromScene(QPointF(x, y)) for x, y in points]
    times = []
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    vp.repaint()
    for p in pts[1:]:
        t0 = time.perf_counter()
        QTest.mouseMove(vp, p)
        vp.repaint()  # synchronous paint of the dirty region: the frame the user sees
        times.append((time.perf_counter() - t0) * 1000)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    return times


def _stats(times: list[float]) -> dict:
    s = sorted(times)
    return {"median_ms": round(statistics.median(s), 2), "p95_ms": round(s[int(0.95 * (len(s) - 1))], 2),
            "max_ms": round(s[-1], 2), "moves": len(s)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=2048)
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="canvas-bench-")
    os.environ["AIGC_STUDIO_HOME"] = home

    import numpy as np
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    side = args.side
    y, x = np.mgrid[0:side, 0:side]
    img = np.stack([x * 255 // side, y * 255 // side, (x + y) * 127 // side], -1).astype(np.uint8)
    src = Path(home) / "big.png"
    Image.fromarray(img).save(src)
    window = MainWindow(StudioPaths(Path(home)), Settings())
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    editor = window.canvas_editor
    assert editor.open_file(str(src))
    editor.tools.brush_button.setChecked(True)
    editor.tools.hardness_slider.setValue(60)
    app.processEvents()
    results: dict = {"side": side}
    for zoom_name, setup in (("fit", window.canvas.fit), ("1:1", window.canvas.view.actual_size)):
        setup()
        app.processEvents()
        for brush in (64, 256):
            editor.tools.size_slider.setValue(brush)
            centre = side / 2
            # A circle-ish stroke around the centre, ~6 image px per move at 1:1 (a fast hand moves more).
            step = 6 if zoom_name == "1:1" else 20
            pts = [(centre + 300 * math.cos(i * step / 300), centre + 300 * math.sin(i * step / 300))
                   for i in range(args.moves + 1)]
            results[f"brush{brush}_{zoom_name}"] = _stats(_drag_times(editor, pts, QTest, Qt))
            editor.doc.undo_stack.undo()
    editor.doc.undo_stack.clear()
    rss0 = _rss_mb()
    editor.tools.size_slider.setValue(64)
    window.canvas.fit()
    rng = np.random.default_rng(0)
    for i in range(20):  # 20 short strokes (≈ 200×70 px each) at random places
        x0, y0 = rng.integers(100, side - 300, size=2)
        _drag_times(editor, [(x0 + k * 15, y0 + k * 2) for k in range(11)], QTest, Qt)
    full = 20 * 2 * side * side * 4
    results["undo_20_strokes"] = {
        "undo_pixel_bytes_mb": round(editor.doc.undo_bytes() / 2**20, 2),
        "full_copies_would_be_mb": round(full / 2**20, 1),
        "rss_growth_mb": round(_rss_mb() - rss0, 1),
        "steps": editor.doc.undo_stack.count(),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
