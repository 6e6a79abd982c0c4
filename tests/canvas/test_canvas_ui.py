"""The canvas editor in the real main window: paint a mask with the mouse, undo it, inpaint through the pool."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from studio.core.pngmeta import read_png_text
from studio.ui.edit_tools import EDIT_CHAIN_KEY

from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    """The main window with a started JobPool (as the app wires them)."""
    yield from started_studio(qtbot, paths, monkeypatch, size=(1200, 800))


def _alpha(editor) -> np.ndarray:
    grey = editor.mask.alpha()
    w, h = grey.width(), grey.height()
    arr = np.frombuffer(bytes(grey.constBits()), np.uint8).reshape(h, grey.bytesPerLine())[:, :w]
    return arr.copy()


def _rgb(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(bytes(img.constBits()), np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, : 3 * img.width()].reshape(img.height(), img.width(), 3).astype(int)


def _drag(qtbot, editor, points) -> None:
    view = editor.view
    vp = view.viewport()
    pts = [view.mapFromScene(QPointF(x, y)) for x, y in points]
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])


def test_paint_undo_inpaint_export(studio, qtbot, tmp_path, tiny_sd_dir):
    editor = studio.canvas_editor
    src = tmp_path / "photo.png"
    rng = np.random.default_rng(0)
    original = (rng.random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(original).save(src)
    assert editor.open_file(str(src))
    assert studio.canvas.image().size().width() == 64 and len(editor.doc.versions) == 1
    studio.canvas.fit()

    editor.tools.brush_button.setChecked(True)
    editor.tools.size_slider.setValue(10)
    editor.tools.hardness_slider.setValue(100)
    _drag(qtbot, editor, [(10, 32), (20, 32), (32, 32), (44, 32), (54, 32)])
    alpha = _alpha(editor)
    assert alpha[32, 12:52].min() == 255  # the stroke's line is painted...
    assert alpha[:20].max() == 0 and alpha[45:].max() == 0  # ...and nothing far from it
    assert editor.mask.isVisible()
    assert editor.doc.undo_stack.count() == 2  # open + one stroke

    editor.tools.undo_button.click()
    assert _alpha(editor).max() == 0
    editor.tools.redo_button.click()
    assert np.array_equal(_alpha(editor), alpha)
    # The stroke's undo step holds only its rectangle, not the whole mask.
    stroke = editor.doc.undo_stack.command(1)
    assert stroke.rect.height() < 24 and stroke.nbytes < 2 * 64 * 64 * 4

    # `]` makes the brush bigger while the canvas has focus.
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_BracketRight)
    assert editor.tools.size_slider.value() > 10

    prompt = studio.prompt_editor
    prompt.set_model(str(tiny_sd_dir))
    prompt.steps_spin.setValue(2)
    editor.tools.strength_slider.setValue(100)
    editor.tools.blur_spin.setValue(0)
    editor.tools.inpaint_button.click()
    qtbot.waitUntil(lambda: len(editor.doc.versions) == 2, timeout=120_000)
    result = _rgb(editor.doc.current.image)
    outside = alpha == 0
    assert result.shape == original.shape
    assert np.array_equal(result[outside], original[outside])  # untouched outside the mask
    assert np.abs(result[~outside] - original[~outside]).mean() > 5
    assert editor.strip.count() == 2 and editor.strip.currentRow() == 1
    assert editor.strip.item(1).text() == "2. Inpaint"  # named as its button is (translated), not "inpaint"
    qtbot.waitUntil(lambda: studio.canvas.path() == editor.doc.current.path, timeout=10_000)

    out = editor.export(str(tmp_path / "edited.png"))
    chain = json.loads(read_png_text(out)[EDIT_CHAIN_KEY])
    assert [s["op"] for s in chain] == ["open", "inpaint"]
    editor.export(str(tmp_path / "edited.webp"))
    editor.export(str(tmp_path / "edited.jpg"))
    assert Image.open(tmp_path / "edited.webp").size == (64, 64) and Image.open(tmp_path / "edited.jpg").format == "JPEG"

    editor.tools.undo_button.click()  # the generated version is undoable too
    assert len(editor.doc.versions) == 1 and np.array_equal(_rgb(editor.doc.current.image), original)


def test_empty_mask_and_bad_file_tell_the_user(studio, qtbot, tmp_path):
    editor = studio.canvas_editor
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert not editor.open_file(str(tmp_path / "bad.png"))
    assert "not a readable image" in studio.status.currentMessage()
    Image.new("RGB", (32, 32), "white").save(tmp_path / "ok.png")
    assert editor.open_file(str(tmp_path / "ok.png"))
    assert editor.submit("inpaint") is None
    assert "mask is empty" in studio.status.currentMessage()


def test_outpaint_and_upscale_make_versions(studio, qtbot, tmp_path, tiny_sd_dir):
    editor = studio.canvas_editor
    Image.fromarray((np.random.default_rng(2).random((32, 32, 3)) * 255).astype(np.uint8)).save(tmp_path / "s.png")
    editor.open_file(str(tmp_path / "s.png"))
    studio.prompt_editor.set_model(str(tiny_sd_dir))
    studio.prompt_editor.steps_spin.setValue(2)
    editor.tools.outpaint_spins[2].setValue(16)
    editor.submit("outpaint")
    qtbot.waitUntil(lambda: len(editor.doc.versions) == 2, timeout=120_000)
    assert editor.doc.current.image.width() == 48 and editor.doc.current.image.height() == 32
    assert editor.mask.image.width() == 48  # the mask follows the new size
    studio.upscale_tools.set_model("RealESRGAN animevideov3 x2")
    editor.upscale()
    qtbot.waitUntil(lambda: len(editor.doc.versions) == 3, timeout=120_000)
    assert (editor.doc.current.image.width(), editor.doc.current.image.height()) == (96, 64)


def test_paste_eraser_invert_and_pan_while_painting(studio, qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication

    editor = studio.canvas_editor
    img = QImage(256, 128, QImage.Format.Format_RGB888)
    img.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(img)
    editor.paste()
    assert (editor.doc.current.image.width(), editor.mask.image.width()) == (256, 256 // 2 * 2)
    editor.tools.fill_button.click()
    assert _alpha(editor).min() == 255
    editor.tools.eraser_button.setChecked(True)
    assert not editor.tools.brush_button.isChecked()
    editor.tools.size_slider.setValue(20)
    editor.tools.hardness_slider.setValue(100)
    _drag(qtbot, editor, [(40, 64), (200, 64)])
    alpha = _alpha(editor)
    assert alpha[64, 50:190].max() == 0 and alpha[5, 5] == 255
    editor.tools.invert_button.click()
    assert _alpha(editor)[64, 100] == 255 and _alpha(editor)[5, 5] == 0
    assert editor.doc.undo_stack.count() == 4  # paste, fill, erase, invert

    studio.canvas.view.set_zoom(12.0)  # zoomed in: the middle button pans, and does not paint
    bar = studio.canvas.view.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 200, timeout=5000)
    bar.setValue(100)
    before_scroll, before_mask = bar.value(), _alpha(editor)
    vp = studio.canvas.view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 200))
    QTest.mouseMove(vp, QPoint(200, 200))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 200))
    assert bar.value() == before_scroll + 100
    assert np.array_equal(_alpha(editor), before_mask)
    editor.tools.undo_button.click()
    assert _alpha(editor)[5, 5] == 255  # invert undone


@pytest.mark.slow  # loads the real Studio Fashion (~10 s on an idle 2-core CPU)
def test_inpaint_in_the_window_with_the_studios_own_pixel_model(studio, qtbot, tmp_path, paths):
    """The Inpaint button with the built-in Studio Fashion: enabled, queued, outside the mask unchanged."""
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings

    editor, prompt = studio.canvas_editor, studio.prompt_editor
    studio.scanner.wait()
    prompt.set_models(ModelRegistry(paths, Settings()).scan())  # what the window's model scan lists
    prompt.set_model("studio-fashion")
    assert editor.tools.inpaint_button.isEnabled() and editor.tools.img2img_button.isEnabled()
    src = tmp_path / "shirt.png"
    original = (np.random.default_rng(2).random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(original).save(src)
    assert editor.open_file(str(src))
    prompt.prompt_edit.setPlainText("a blue dress")
    prompt.steps_spin.setValue(3)
    editor.tools.brush_button.setChecked(True)
    editor.tools.size_slider.setValue(20)
    editor.tools.hardness_slider.setValue(100)
    _drag(qtbot, editor, [(20, 32), (44, 32)])
    alpha = _alpha(editor)
    editor.tools.strength_slider.setValue(100)
    editor.tools.blur_spin.setValue(0)
    editor.tools.inpaint_button.click()
    qtbot.waitUntil(lambda: len(editor.doc.versions) == 2, timeout=120_000)
    result = _rgb(editor.doc.current.image)
    outside = alpha == 0
    assert outside.any() and (~outside).any()
    assert np.array_equal(result[outside], original[outside])
    assert np.abs(result[~outside] - original[~outside]).mean() > 5
