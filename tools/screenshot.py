#!/usr/bin/env python3
"""Take a screenshot of the studio window, optionally after a generation queued through the UI.

    .venv/bin/python tools/screenshot.py --home /tmp/shot-home --out /tmp/studio.png \
        [--prompt "a red t-shirt" [--model NAME_OR_FOLDER] [--steps 20] [--size 64] [--batch 2]] \
        [--workspace image|text] [--root] [--timeout 300]

Without $DISPLAY it starts ``Xvfb :99`` (and stops it at the end), so the real xcb platform
draws the window as a person would see it. ``--root`` grabs the whole X screen with
ImageMagick's ``import`` (floating docks and menus included) instead of ``QWidget.grab()``.
Look at the PNG after every UI change.
"""
from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_xvfb(display: str = ":99", size: str = "1600x1000x24") -> subprocess.Popen | None:
    """Start Xvfb on ``display`` unless a server already runs there; returns the process we started."""
    if Path(f"/tmp/.X11-unix/X{display.lstrip(':')}").exists():
        os.environ["DISPLAY"] = display
        return None
    if not shutil.which("Xvfb"):
        raise SystemExit("Xvfb is not installed (apt-get install xvfb), and $DISPLAY is unset.")
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", size, "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{display.lstrip(':')}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    return proc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="studio home to run with (created if missing)")
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("--prompt", help="queue a generation with this prompt through the UI first")
    ap.add_argument("--negative", default="")
    ap.add_argument("--model", help="model name or folder (default: the picker's first)")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--size", type=int, help="width and height in pixels")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workspace", default="image", help="workspace tab to show in the shot")
    ap.add_argument("--lang", default=None, help="the studio's language, e.g. zh_CN or en (default: the locale)")
    ap.add_argument("--theme", choices=("light", "dark", "system"), help="colours (default: the home's setting)")
    ap.add_argument("--window-size", default="1400x900")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the generation")
    ap.add_argument("--root", action="store_true", help="grab the whole X screen with `import`")
    ap.add_argument("--guided", metavar="PROMPT", help="run CLIP-guided generation with this prompt in the Guided "
                                                       "workspace first (--model picks the GAN/VAE)")
    ap.add_argument("--understand", metavar="TEXT", help="run TEXT through the Text workspace's Understand tab "
                    "(fill mask or classify, with --model or the first such model) and wait for the table")
    ap.add_argument("--describe", metavar="IMAGE", help="open IMAGE on the canvas and press Describe; wait for the "
                                                        "prompt (after --prompt's generation, when both are given)")
    ap.add_argument("--chat", help="send this message in the Text workspace and wait for the answer first "
                                   "(greedy, at most 120 new tokens, so the shot is repeatable)")
    ap.add_argument("--open", choices=("settings", "models", "evaluate", "grid", "templates", "about", "dataset",
                                       "download", "restart", "model-menu", "chinese-models", "queue-log"),
                    help="open a dialog before the shot: Settings, the model manager, Evaluate, Comparison grid, "
                         "Content templates, About, Make a dataset, Download, the language restart question, or "
                         "the model manager's context menu")
    ap.add_argument("--evaluate-prompts", metavar="P1|P2",
                    help="with --open evaluate: generate one image per prompt (| between them) with --model or the "
                         "first listed model, score them, and shoot the report")
    ap.add_argument("--settings-page", metavar="MODULE",
                    help="with --open settings: show this page (its module under studio.ui.settings, e.g. content_filter)")
    ap.add_argument("--mid", help="also save a shot here mid-run (half the steps done, live preview)")
    args = ap.parse_args(argv)

    os.environ["AIGC_STUDIO_HOME"] = str(Path(args.home).resolve())
    Path(args.home).mkdir(parents=True, exist_ok=True)
    xvfb = None
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        xvfb = start_xvfb()
    try:
        return _shoot(args)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)


def _shoot(args: argparse.Namespace) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    from studio.app import install_translators, make_app, start_backend
    from studio.core.paths import StudioPaths
    from studio.core.settings import load_settings
    from studio.ui.event_wait import wait_until
    from studio.ui.main_window import MainWindow
    from studio.ui.theme import apply_theme

    from studio.cli.common import setup_logging

    setup_logging()  # engine logs go to the studio's log file, as in the app
    app = make_app([sys.argv[0]])
    paths = StudioPaths.from_env()
    settings = load_settings(paths.settings_file)
    translators = install_translators(app, args.lang, setting=settings.language)  # noqa: F841
    apply_theme(app, args.theme or settings.theme)
    window = MainWindow(paths, settings)
    w, h = (int(v) for v in args.window_size.split("x"))
    window.resize(w, h)
    window.move(0, 0)
    window.show()

    def pump(seconds: float, until=lambda: False) -> bool:
        return wait_until(until, seconds)

    # Without a window manager nothing activates the window, and window shortcuts (Ctrl+Enter)
    # only fire in the active window.
    window.raise_()
    window.activateWindow()
    pump(3.0, window.isActiveWindow)
    scanned: list = []
    window.models_scanned.connect(scanned.append)
    pool = start_backend(window)
    pump(30, lambda: bool(scanned))
    status = "no generation"
    if args.prompt is not None:
        editor = window.prompt_editor
        if args.model:
            editor.set_model(args.model)
        if args.steps:
            editor.steps_spin.setValue(args.steps)
        if args.size:
            editor.width_spin.setValue(args.size)
            editor.height_spin.setValue(args.size)
        editor.seed_spin.set_seed(args.seed)
        editor.batch_spin.setValue(args.batch)
        editor.negative_edit.setPlainText(args.negative)
        editor.prompt_edit.clear()
        editor.prompt_edit.setFocus()
        if args.prompt.isascii():
            QTest.keyClicks(editor.prompt_edit, args.prompt)
        else:  # QTest types ASCII keys only; a Chinese prompt arrives as an input method would commit it
            editor.prompt_edit.insertPlainText(args.prompt)
        ended: list[str] = []
        pool.job_ended.connect(lambda i, state: ended.append(
            f"failed: {pool.job(i).error}" if state == "failed" else state))
        progress: list[tuple[int, int]] = []
        pool.job_progress.connect(lambda i, done, total, eta: progress.append((done, total)))
        QTest.keyClick(editor.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        queued = len(window.queue_view.model.job_ids())
        if not queued:
            print("warning: Ctrl+Enter queued nothing (window not active?); clicking Generate", file=sys.stderr)
            editor.generate_button.click()
            queued = len(window.queue_view.model.job_ids())
        if args.mid:
            pump(args.timeout, lambda: bool(ended) or any(t and d * 2 >= t for d, t in progress))
            pump(0.2)
            Path(args.mid).parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(args.mid)
            print(f"{args.mid} (mid-run)")
        pump(args.timeout, lambda: len(ended) >= max(1, queued))
        status = ", ".join(ended) or "timed out"
        window.history.wait_for_thumbnails()
    if args.guided:
        guided = window.workspace("guided")
        window.show_workspace("guided")
        if args.model:
            guided.model_combo.setCurrentIndex(max(0, guided.model_combo.findData(args.model)))
        guided.prompt_edit.setText(args.guided)
        guided.seed_box.set_seed(args.seed)
        if args.steps:
            guided.steps_box.setValue(args.steps)
        guided.generate()
        pump(args.timeout, lambda: guided.job is None)
        status = "done" if guided.outputs else "failed: " + guided.message.text()
    if args.describe:
        window.show_workspace("image")
        window.canvas_editor.open_file(args.describe)
        got: list[str] = []
        pump(60, lambda: window.pool is not None and hasattr(window, "image_describer"))
        window.image_describer.described.connect(got.append)
        window.canvas_editor.tools.describe_button.click()
        pump(args.timeout, lambda: bool(got) or window.image_describer.job is None)
        status = "described: " + (got[0] if got else window.prompt_editor.message_label.text())
    if args.chat:
        text = window.workspace("text")
        window.show_workspace("text")
        answered: list = []
        text.answer_finished.connect(lambda *a: answered.append(a))
        text.controls.temperature.setValue(0.0)
        text.controls.max_new_tokens.setValue(120)
        text.chat_input.setPlainText(args.chat)
        text.send()
        pump(args.timeout, lambda: bool(answered))
        status = "answered" if answered else "timed out"
    if args.understand:
        text = window.workspace("text")
        window.show_workspace("text")
        panel = text.understand
        text.modes.setCurrentWidget(panel)
        pump(60, lambda: panel.model_combo.count() > 0)
        if args.model:
            panel.model_combo.setCurrentIndex(max(0, panel.model_combo.findData(args.model)))
        panel.text_edit.setPlainText(args.understand.replace("\\n", "\n"))
        panel.run()
        pump(args.timeout, lambda: panel.job is None and panel.table.rowCount() > 0)
        status = "understood" if panel.table.rowCount() else "timed out"
        args.workspace = "text"
    window.show_workspace(args.workspace)
    opened = None
    if args.open == "settings":
        page = None
        if args.settings_page:
            from studio.ui.settings import PAGES

            module, name = next((m, c) for m, c in PAGES if m.rsplit(".", 1)[1] == args.settings_page)
            page = getattr(importlib.import_module(module), name)
        opened = window.open_settings(page)
    elif args.open == "models":
        window.open_model_manager()
        opened = getattr(window, "model_manager", None)
    elif args.open == "evaluate":
        opened = window.open_evaluate([])
        if args.evaluate_prompts and opened is not None:  # "Generate from prompts" with the first listed model
            opened.set_source("generate")
            opened.prompts_edit.setPlainText(args.evaluate_prompts.replace("|", "\n"))
            opened.per_prompt_spin.setValue(1)
            if args.model:
                opened.model_combo.setCurrentIndex(max(0, opened.model_combo.findData(args.model)))
            opened.start()
            pump(args.timeout, lambda: opened.report is not None or opened.run_button.isEnabled())
            status = "evaluated" if opened.report is not None else "failed: " + opened.status.text()
    elif args.open == "grid":
        opened = window.open_grid()
    elif args.open == "templates":
        from studio.ui.text_templates_dialog import TemplatesDialog

        window.show_workspace("text")
        opened = TemplatesDialog(window.workspace("text").templates, window)
        opened.open()
    elif args.open == "about":
        opened = window.show_about()
    elif args.open == "dataset":
        window.show_workspace("training")
        opened = window.workspace("training").make_dataset()
    elif args.open == "download":
        window.open_model_manager()
        opened = window.model_manager.open_download_dialog()
    elif args.open == "chinese-models":  # the Text workspace's "Chinese-capable models…" button
        window.show_workspace("text")
        window.workspace("text").open_chinese_models()
        opened = window.workspace("text").download_dialog
    elif args.open == "restart":
        opened = window.offer_restart()
    elif args.open == "queue-log":  # the last queue row's tooltip: its state, the job's log lines, its files
        from PySide6.QtWidgets import QToolTip

        view = window.queue_view
        index = view.model.index(view.model.rowCount() - 1, 0)
        rect = view.table.visualRect(index)
        QToolTip.showText(view.table.viewport().mapToGlobal(rect.center()), view.model.data(
            index, Qt.ItemDataRole.ToolTipRole), view.table)
    elif args.open == "model-menu":  # the model manager's context menu on its first row
        manager = window.open_model_manager()
        pump(10, lambda: manager.proxy.rowCount() > 0)
        manager.table.selectRow(0)
        opened = manager.context_menu()
        rect = manager.table.visualRect(manager.proxy.index(0, 0))
        opened.popup(manager.table.viewport().mapToGlobal(rect.center()))
    pump(1.0)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.root and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", str(out)], check=True)
    else:
        _grab_with(window, opened).save(str(out))
    print(f"{out} ({status})")
    QTimer.singleShot(0, window.close)
    pump(0.5)
    pool.shutdown(wait=True, timeout=30)
    return 0 if not status.startswith(("failed", "timed out")) else 1


def _grab_with(window, opened):
    """The window's picture with a separate top-level window (dialog) painted where it is on screen,
    so a dialog shows up without an X server (``QWidget.grab`` sees one window only)."""
    from PySide6.QtGui import QPainter

    shot = window.grab()
    if opened is None or not opened.isVisible() or opened.window() is window:
        return shot
    pos = opened.frameGeometry().topLeft() - window.frameGeometry().topLeft()
    painter = QPainter(shot)
    painter.drawPixmap(pos, opened.grab())
    painter.end()
    return shot


if __name__ == "__main__":
    sys.exit(main())
