"""The app entry: the window is painted before torch is imported; translations load from .qm files."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_window_is_shown_before_torch_and_engine_becomes_ready(studio_home):
    env = dict(os.environ, AIGC_STUDIO_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    marks = {line.split()[1]: line for line in proc.stdout.splitlines() if line.startswith("STARTUP ")}
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "torch_loaded=False" in marks["window_shown"]  # `main.py` with no command opens the window
    assert "torch_loaded=False" in marks["engine_ready"]  # torch loaded in the engine process, not here
    assert float(marks["engine_ready"].split()[2]) > float(marks["window_shown"].split()[2])
    from studio.core.netguard import read_log
    from studio.core.paths import StudioPaths

    # The window ran under the network guard (its start is recorded), and neither it nor its engine tried to connect.
    assert [(e["event"], e["process"]) for e in read_log(StudioPaths(studio_home))] == [("start", "window")]


def test_gui_without_display_says_so_in_one_line(studio_home):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if sys.platform != "linux":
        pytest.skip("the display check is for Linux")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "gui"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "No display found" in lines[0]


def test_a_translation_file_translates_the_window(qtbot, paths, tmp_path):
    from PySide6.QtCore import QCoreApplication

    from studio.app import install_translators
    from studio.core.settings import Settings
    from studio.ui.main_window import MainWindow

    ts = tmp_path / "studio_zh_CN.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="zh_CN">\n'
                  '<context><name>PromptEditor</name><message><source>Generate</source>'
                  '<translation>生成</translation></message></context>\n'
                  '<context><name>MainWindow</name><message><source>Queue</source>'
                  '<translation>队列</translation></message></context>\n</TS>\n', encoding="utf-8")
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    subprocess.run([str(lrelease), str(ts), "-qm", str(tmp_path / "studio_zh_CN.qm")], check=True,
                   capture_output=True)
    app = QCoreApplication.instance()
    installed = install_translators(app, "zh_CN", folder=tmp_path)
    try:
        assert installed
        w = MainWindow(paths, Settings())
        qtbot.addWidget(w)
        assert w.prompt_editor.generate_button.text() == "生成"
        assert w.queue_dock.windowTitle() == "队列"
        assert w.prompt_editor.cancel_button.text() == "Cancel"  # untranslated strings stay English
        w.scanner.wait()
    finally:
        for t in installed:
            app.removeTranslator(t)
