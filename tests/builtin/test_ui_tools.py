"""The Faces workspace and the Upscale menu in the real main window, with a real JobPool and engines."""
from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from tests.builtin.conftest import astronaut
from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    """The main window with a started JobPool (as the app wires them)."""
    yield from started_studio(qtbot, paths, monkeypatch)


def test_faces_grid_and_walk_from_the_ui(studio, qtbot, tmp_path):
    ws = studio.faces_workspace
    studio.show_workspace("faces")
    assert studio.current_workspace() == "faces"
    ws.seed_box.set_seed(3)
    ws.count_box.setValue(4)
    ws.scale_box.setValue(2)
    qtbot.mouseClick(ws.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ws.outputs), timeout=90_000)
    assert ws.shown_size().width() == 2 * 128 + 3 * 2  # 2×2 grid of 64 px faces shown ×2
    assert not ws.save_gif_button.isEnabled()

    ws.walk_check.setChecked(True)
    ws.walk_seed_box.set_seed(11)
    ws.frames_box.setValue(6)
    ws.generate()
    qtbot.waitUntil(lambda: any(o.endswith(".gif") for o in ws.outputs), timeout=60_000)
    assert ws._movie is not None and ws._movie.frameCount() == 6
    assert ws.save_gif_button.isEnabled()
    saved = ws.save_gif(str(tmp_path / "walk.gif"))
    with Image.open(saved) as im:
        assert im.n_frames == 6 and im.size == (128, 128)


def test_bad_gan_model_shows_the_error(studio, qtbot):
    ws = studio.faces_workspace
    ws.model_edit.setText("RealESRGAN x4plus")
    ws.generate()
    qtbot.waitUntil(lambda: ws.job_id is None, timeout=60_000)
    assert "RealESRGAN x4plus" in ws.message.text() and "upscaler model, not a" in ws.message.text()
    assert ws.generate_button.isEnabled()


def test_upscale_the_canvas_image(studio, qtbot, tmp_path):
    tools = studio.upscale_tools
    assert tools.upscale_canvas() is None  # nothing on the canvas yet: a message, no job
    assert "Nothing to upscale" in studio.status.currentMessage()
    src = tmp_path / "photo.png"
    Image.fromarray(astronaut(24)).save(src)
    studio.show_file(str(src))
    qtbot.waitUntil(lambda: studio.canvas.path() == str(src), timeout=10_000)
    tools.set_model("RealESRGAN animevideov3 x2")
    studio.upscale_tools.upscale_action.trigger()
    qtbot.waitUntil(lambda: (studio.canvas.path() or "").endswith("-x2.png"), timeout=90_000)
    assert studio.canvas.image().width() == 48 and studio.canvas.image().height() == 48
