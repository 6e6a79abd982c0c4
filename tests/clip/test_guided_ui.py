"""The Guided workspace in the real main window: live previews, the final image with its score, cancel."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.core.pngmeta import read_png_text
from tests.clip.conftest import save_tiny_clip
from tests.clip.test_guided import save_tiny_gan
from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    save_tiny_gan(paths.models / "tiny-gan")
    save_tiny_clip(paths.models / "tiny-clip")
    yield from started_studio(qtbot, paths, monkeypatch)


def test_guided_generation_from_the_window(studio, qtbot):
    ws = studio.guided_workspace
    with qtbot.waitSignal(studio.models_scanned, timeout=30_000):
        studio.rescan_models()
    studio.show_workspace("guided")
    assert studio.current_workspace() == "guided"
    models = [ws.model_combo.itemData(i) for i in range(ws.model_combo.count())]
    assert "tiny-gan" in models and "tiny-clip" not in models
    ws.model_combo.setCurrentIndex(ws.model_combo.findData("tiny-gan"))
    ws.clip_combo.setCurrentIndex(ws.clip_combo.findData("tiny-clip"))
    ws.prompt_edit.setText("a red square")
    ws.steps_box.setValue(8)
    ws.candidates_box.setValue(64)
    previews = []
    studio.pool.job_preview.connect(lambda job_id, image: previews.append(job_id))
    qtbot.mouseClick(ws.generate_button, Qt.MouseButton.LeftButton)
    assert not ws.generate_button.isEnabled() and ws.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: bool(ws.outputs), timeout=90_000)
    # Previews stream (throttled by the pool to what the window consumes, so not one per step).
    assert previews and ws.view.pixmap() is not None and not ws.view.pixmap().isNull()
    assert "CLIP score" in ws.message.text() and ws.progress.value() == 8
    entry = studio.pool.gallery.search("a red square", kind="guided")[0]
    assert entry.path == ws.outputs[0] and entry.score is not None
    assert "Starts searched: 64" in read_png_text(entry.path)["parameters"]  # the best of 64 started it

    ws.steps_box.setValue(2000)
    job = ws.generate()
    qtbot.waitUntil(lambda: ws.progress.value() >= 1, timeout=60_000)
    ws.cancel()
    qtbot.waitUntil(lambda: ws.job is None, timeout=30_000)
    assert ws.message.text() == "Cancelled." and job is not None and ws.generate_button.isEnabled()
    ws.prompt_edit.setText("")
    assert ws.generate() is None and "prompt" in ws.message.text()
