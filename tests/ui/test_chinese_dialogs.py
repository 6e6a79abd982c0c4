"""Every dialog, context menu and table row in zh_CN, opened offscreen and walked: no English left over.

The main window's own walk is in test_chinese_window.py; this one opens what a click opens: Download,
Evaluate, Grid, Content templates, Make a dataset, Settings (every page), About, the model manager's rows,
details and context menu, the queue's rows (every state) and context menus, the history's thumbnails.
"""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from studio.core.settings import Settings
from tests.ui.test_chinese_window import ALLOWED, HAN, WORD, leftover_english


@pytest.fixture()
def chinese(qtbot):
    """Qt's and the core's catalogues in zh_CN, as the app installs them for a Chinese user."""
    from studio.app import install_translators
    from studio.core.language import use_language

    app = QCoreApplication.instance()
    installed = install_translators(app, "zh_CN")
    use_language("zh_CN")
    yield installed
    for t in installed:
        app.removeTranslator(t)


def english(texts) -> list[str]:
    """Texts (each read on its own, e.g. one table cell) with English words outside the allow-list."""
    out = []
    for text in texts:
        if text and not HAN.search(text) and [m for m in WORD.findall(text.replace("&", "")) if m not in ALLOWED]:
            out.append(text.strip()[:80])
    return sorted(set(out))


def cells(view: QAbstractItemView, column: int, role=Qt.ItemDataRole.DisplayRole) -> list[str]:
    model = view.model()
    return [str(model.index(r, column).data(role) or "") for r in range(model.rowCount(QModelIndex()))]


@pytest.fixture()
def window(qtbot, paths, chinese):
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.ensure_workspaces()
    yield w
    w.scanner.wait()


def test_every_dialog_in_chinese(qtbot, window, paths):
    from studio.ui.dataset_dialog import DatasetDialog
    from studio.ui.download_dialog import DownloadDialog
    from studio.ui.evaluate_dialog import EvaluateDialog
    from studio.ui.grid_dialog import GridDialog
    from studio.ui.settings.dialog import SettingsDialog
    from studio.ui.settings.page import SettingsContext
    from studio.ui.text_templates_dialog import TemplatesDialog

    w = window
    entries = w.model_manager.registry.scan()
    dialogs = {
        "download (offline)": DownloadDialog(lambda: None, offline=True, parent=w),
        "download": DownloadDialog(lambda: None, offline=False, parent=w),
        "evaluate": EvaluateDialog(None, w),
        "grid": GridDialog(None, w.prompt_editor.spec, w),
        "templates": TemplatesDialog(w.text_workspace.templates, w),
        "dataset": DatasetDialog(None, entries, w),
        "settings": SettingsDialog(SettingsContext(paths, entries), w),
        "about": w.show_about(),
    }
    left = {}
    for name, dialog in dialogs.items():
        dialog.show()
        assert HAN.search(dialog.windowTitle()), (name, dialog.windowTitle())
        left[name] = leftover_english(dialog)
    # The template dialog shows each template's description and fields when picked.
    templates = dialogs["templates"]
    for i in range(templates.combo.count()):
        templates.combo.setCurrentIndex(i)
        left.setdefault("template fields", []).extend(leftover_english(templates))
    # The grid's axes name fields in Chinese; the CLI's names stay the data.
    grid = dialogs["grid"]
    assert grid.x_combo.currentData() == "steps" and grid.x_combo.currentText() == "步数"
    # The About box's rows: every label is Chinese but proper names (torch, Qt (PySide6) …).
    from studio.ui.about_dialog import about_rows

    left["about rows"] = english(label for label, _v in about_rows("cpu")
                                 if label not in ("torch", "diffusers", "transformers", "Qt (PySide6)"))
    # An evaluation's report: figure names and per-input columns in Chinese (the values are data).
    from studio.core.evaluation import EvaluationReport

    evaluate = dialogs["evaluate"]
    evaluate.show_report(EvaluationReport(count=2, clip_score=91.0, diversity=0.2, clip="Studio CLIP", items=(
        {"path": "/tmp/a.png", "prompt": "a red sneaker", "clip_score": 91.0, "width": 64, "height": 64},)))
    left["evaluate report"] = english([evaluate.summary.item(r, 0).text() for r in range(evaluate.summary.rowCount())]
                                      + [evaluate.items.horizontalHeaderItem(c).text()
                                         for c in range(evaluate.items.columnCount())])
    for d in dialogs.values():
        d.close()
    assert not any(left.values()), {k: v for k, v in left.items() if v}


def test_model_manager_rows_details_and_menu_in_chinese(qtbot, window, paths):
    import pickle

    from studio.ui.model_filter import COLUMNS

    # Problems a user's models folder holds: each row says why in Chinese.
    models = paths.models
    (models / "empty.safetensors").write_bytes(b"")
    (models / "notes.txt").write_text("not a model")
    (models / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    (models / "old.ckpt").write_bytes(pickle.dumps({"state_dict": {}}, protocol=2))
    (models / "evil.ckpt").write_bytes(b"cos\nsystem\n(S'echo'\ntR.")
    (models / "empty-folder").mkdir()
    mm = window.model_manager
    mm._on_scanned(mm.registry.scan())  # the built-in models, as the first showing lists them
    assert mm.proxy.rowCount() >= 10
    statuses = cells(mm.table, COLUMNS.index("status"))
    assert any(s.startswith("不安全") for s in statuses) and any(s.startswith("损坏") for s in statuses), statuses
    left = {}
    for col in ("type", "source"):
        left[col] = english(cells(mm.table, COLUMNS.index(col)))
    # A problem's reason may quote a file's own words (an error, a key): the words before them are Chinese.
    left["status"] = [t for t in statuses if not HAN.search(t.split("(")[0].split("（")[0])]
    assert "内置" in cells(mm.table, COLUMNS.index("source"))
    for r in range(mm.proxy.rowCount()):
        mm.table.selectRow(r)
        # The details table: the row labels are the studio's words; values are data (paths, class names).
        labels = [label for label, _v in mm.details.rows(mm.current_entry())]
        assert labels[0] in mm.details.toPlainText()
        left.setdefault("details", []).extend(english(labels))
        menu = mm.context_menu()
        left.setdefault("menu", []).extend(leftover_english(menu))
        menu.deleteLater()
    assert not any(left.values()), {k: v for k, v in left.items() if v}


def test_queue_rows_and_their_menus_in_chinese(qtbot, window):
    from studio.core.store.queue import CANCELLED, DONE, FAILED, INTERRUPTED, QUEUED, RUNNING, JobRecord
    from studio.core.specs.files import ConvertSpec
    from studio.core.specs.image import GanSpec, GridSpec, ImageSpec, UpscaleSpec
    from studio.core.specs.training import TrainSpec
    from studio.core.specs.serial import spec_to_json

    specs = [UpscaleSpec(image="/tmp/a.png", model="RealESRGAN x4plus"), TrainSpec(family="gan", out="digits"),
             GanSpec(seeds=(1, 2, 3)), ConvertSpec(path="/tmp/model.ckpt"), GridSpec(base={}, x="steps=4,8"),
             ImageSpec(prompt="")]
    now = time.time()
    records = [JobRecord(id=i + 1, position=i, kind=s.kind, title="English title", spec_json=spec_to_json(s),
                         state=state, created=now, started=now, finished=now + 3 if state == DONE else None,
                         progress_done=2, progress_total=4 if state != RUNNING or i else 0,
                         error="boom" if state == FAILED else "", traceback="Traceback" if state == FAILED else "",
                         outputs=("/tmp/a.png",) if state == DONE else ())
               for i, (s, state) in enumerate(zip(specs, (QUEUED, RUNNING, DONE, FAILED, CANCELLED, INTERRUPTED)))]
    view = window.queue_view
    view.model.set_records(records)
    from studio.ui.queue_model import COL_JOB, COL_PROGRESS, COL_STATE

    titles = cells(view.table, COL_JOB)
    assert titles[0].startswith("放大") and "English title" not in titles, titles
    left = {"titles": english(titles), "state": english(cells(view.table, COL_STATE)),
            "progress": english(t for t in cells(view.table, COL_PROGRESS) if t != "boom"),
            "tooltips": english(cells(view.table, COL_STATE, Qt.ItemDataRole.ToolTipRole))}
    for rec in records:
        menu = view.context_menu(rec)
        assert menu.actions(), rec.state
        left.setdefault("menus", []).extend(leftover_english(menu))
        menu.deleteLater()
    assert not any(left.values()), {k: v for k, v in left.items() if v}


def test_history_thumbnails_and_their_menu_in_chinese(qtbot, window, paths, tmp_path):
    from PIL import Image

    from studio.core.store.gallery import GalleryStore
    from studio.core.results import ImageResult
    from studio.core.specs.image import ImageSpec

    png = tmp_path / "red.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(png)
    store = GalleryStore.open(paths)
    store.add(ImageSpec(prompt="a red sneaker", seed=3), ImageResult(outputs=(str(png),), seed=3, model="m"))
    history = window.history
    history.bind(store)
    history.refresh()
    assert history.count() == 1
    item = history.list.item(0)
    menu = history.context_menu(item)
    left = leftover_english(history) + leftover_english(menu)
    assert "种子" in item.toolTip()
    menu.deleteLater()
    store.close()
    assert left == []
