"""The Faces workspace and the Upscale menu in the real main window, with a real JobPool and engines."""
from __future__ import annotations

import os
import stat

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
    fifo = tmp_path / "pipe.gif"  # a FIFO (or a device) is refused with a message, never written into
    os.mkfifo(fifo)
    assert ws.save_gif(str(fifo)) is None and "FIFO" in ws.message.text()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_the_gan_picker_lists_the_installed_gans_only(studio, qtbot):
    ws = studio.faces_workspace
    with qtbot.waitSignal(studio.models_scanned, timeout=30_000) as scanned:
        studio.rescan_models()
    gans = [e.name for e in scanned.args[0] if e.type == "gan" and e.usable]
    listed = [ws.model_combo.itemData(i) for i in range(ws.model_combo.count())]
    assert listed == gans and "Faces (DCGAN)" in listed
    assert not any("ESRGAN" in name for name in listed)  # an upscaler cannot be picked as a GAN
    assert not ws.model_combo.isEditable()


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
