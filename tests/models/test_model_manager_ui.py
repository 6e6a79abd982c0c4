"""pytest-qt: the model manager dock identifies, hashes (with progress), filters, feeds the picker, unloads."""
from __future__ import annotations

import hashlib
import shutil

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from studio.core.settings import Settings
from studio.ui.model_manager import ModelManager
from tests.models.conftest import sd_checkpoint_shapes, write_st


@pytest.fixture()
def dock(qtbot, paths):
    d = ModelManager(paths, Settings())
    qtbot.addWidget(d)
    d.show()
    with qtbot.waitSignal(d.scan_finished, timeout=20000):
        pass
    yield d
    d.shutdown()


def _drop(widget, files):
    """What a file manager does: drag enter (accepted), then drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    assert QApplication.sendEvent(widget, enter) and enter.isAccepted()
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_drop_identifies_and_hashes_with_progress(qtbot, dock, tmp_path, paths):
    f = write_st(tmp_path / "incoming" / "my-checkpoint.safetensors", sd_checkpoint_shapes("sd2"))
    seen = []
    dock.hash_progress.connect(lambda p, d, t: seen.append((d, t)))
    with qtbot.waitSignal(dock.hashed, timeout=20000) as hashed:
        _drop(dock, [f])
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    assert hashed.args[1] == sha and (paths.models / "my-checkpoint.safetensors").is_file()
    assert seen and seen[-1][0] == seen[-1][1]
    assert dock.progress.value() == dock.progress.maximum()
    e = dock.entry_for(str(paths.models / "my-checkpoint.safetensors"))
    assert (e.type, e.family, e.details["autov2"]) == ("sd_single_file", "sd2", sha[:10])
    row = dock.row_of(e.path)
    assert dock.model.item(row, 6).text() == sha[:10]
    dock.select(e.path)
    assert sha in dock.details.toPlainText() and "1024" in dock.details.toPlainText()


def test_filter_search_and_problems(qtbot, dock, paths):
    write_st(paths.models / "style.safetensors", {"emb_params": (1, 768)})
    (paths.models / "broken.safetensors").write_bytes(b"\xff" * 20)
    with qtbot.waitSignal(dock.scan_finished, timeout=20000):
        dock.rescan()
    names = lambda: {dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())}  # noqa: E731
    dock.kind.setCurrentIndex(dock.kind.findData("addon"))
    assert names() == {"style"}
    dock.kind.setCurrentIndex(dock.kind.findData("problems"))
    assert "broken" in names() and "style" not in names()
    dock.kind.setCurrentIndex(0)
    dock.search.setText("esrgan x4plus")
    assert names() == {"RealESRGAN x4plus", "RealESRGAN x4plus-anime"}
    assert dock.offline_label.isVisible() and "downloads are disabled" in dock.offline_label.text()


def test_imported_model_appears_in_the_prompt_editor_picker(qtbot, paths, tiny_sd_dir, tmp_path):
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    d = w.open_model_manager()
    assert w.findChild(ModelManager) is d and d.isVisible() and w.current_workspace() == "models"
    src = tmp_path / "my-pipeline"
    shutil.copytree(tiny_sd_dir, src)
    combo = w.prompt_editor.model_combo
    with qtbot.waitSignal(d.hashed, timeout=30000):
        d.import_paths([src])
    qtbot.waitUntil(lambda: combo.findData("my-pipeline") >= 0, timeout=20000)
    d.shutdown()
    w.scanner.wait()


def test_loaded_models_are_shown_and_unloaded(qtbot, paths, tiny_sd_dir, monkeypatch):
    """A real pool generates with the tiny pipeline; the dock lists it as loaded; Unload all frees it."""
    from studio.core.specs.image import ImageSpec
    from studio.jobs.pool import WorkerPool
    from tests.fixtures.host_zygote import use_warm_hosts

    use_warm_hosts(monkeypatch)  # the pool's host is forked from the session's warm parent (torch imported once)
    shutil.copytree(tiny_sd_dir, paths.models / "tiny")
    pool = WorkerPool(paths, Settings())
    pool.start()
    try:
        d = ModelManager(paths, Settings(), pool=lambda: pool)
        qtbot.addWidget(d)
        with qtbot.waitSignal(pool.job_ended, timeout=120000, check_params_cb=lambda _id, state: state == "done"):
            pool.submit(ImageSpec(prompt="a shoe", model="tiny", steps=2, width=64, height=64, seed=1))
        items = lambda: [d.loaded_list.item(i).text() for i in range(d.loaded_list.count())]  # noqa: E731
        qtbot.waitUntil(lambda: any("tiny" in t for t in items()), timeout=20000)
        with qtbot.waitSignal(pool.engine_status, timeout=20000,
                              check_params_cb=lambda s: not s.loaded):
            d.unload_button.click()
        qtbot.waitUntil(lambda: items() == ["(nothing loaded)"], timeout=5000)
        d.shutdown()
    finally:
        pool.shutdown(wait=True, timeout=30)


def test_in_chinese_a_code_running_pickle_says_so_and_only_a_plain_one_offers_convert(qtbot, dock, paths, tmp_path):
    """The window decides from the entry's facts (details["dangerous"]), not from the English reason text."""
    import torch

    from studio.core.language import use_language
    from tests.models.conftest import write_malicious

    evil = write_malicious(paths.models / "evil.ckpt", tmp_path / "PWNED", zip_format=False)
    plain = paths.models / "plain.ckpt"
    torch.save({"state_dict": {"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(2)}}, str(plain))
    use_language("zh_CN")
    try:
        with qtbot.waitSignal(dock.scan_finished, timeout=20000):
            dock.rescan()
        bad, good = dock.entry_for(str(evil)), dock.entry_for(str(plain))
        assert bad.status == good.status == "unsafe"
        assert bad.reason.startswith("危险：加载它会执行代码") and "Delete" not in bad.reason
        assert good.reason.startswith("pickle 格式：加载它可能执行任意代码")
        dock.select(bad.path)
        assert not dock.convert_button.isEnabled()
        dock.select(good.path)
        assert dock.convert_button.isEnabled()
    finally:
        use_language("en")
    assert not (tmp_path / "PWNED").exists()
