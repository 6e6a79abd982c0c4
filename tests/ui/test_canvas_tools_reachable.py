"""Every canvas tool is on screen at the first-launch size (nothing behind a » overflow), and undo/redo
work from anywhere in the image workspace, while a focused text box keeps Ctrl+Z for its own text."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar


def _first_launch(window, qtbot):
    window.resize(1360, 860)
    window.reset_layout()
    qtbot.waitUntil(lambda: window.width() == 1360)
    qtbot.wait(50)


def test_every_canvas_tool_is_visible_at_1360x860(window, qtbot):
    _first_launch(window, qtbot)
    tools = window.canvas_editor.tools
    canvas = window.canvas
    buttons = [tools.open_button, tools.brush_button, tools.eraser_button, tools.fill_button, tools.clear_button,
               tools.invert_button, tools.undo_button, tools.redo_button, tools.export_button, tools.img2img_button,
               tools.inpaint_button, tools.upscale_button, tools.outpaint_button, tools.only_masked_check,
               tools.size_slider, tools.hardness_slider, tools.strength_slider, canvas.save_button, canvas.fit_button]
    area = QRect(QPoint(0, 0), canvas.size())
    for b in buttons:
        assert b.isVisible(), b.text() if hasattr(b, "text") else b
        rect = QRect(b.mapTo(canvas, QPoint(0, 0)), b.size())
        assert area.contains(rect), (getattr(b, "text", lambda: b.objectName())(), rect, area)
    assert not canvas.findChildren(QToolBar)  # no toolbar, so no » extension hiding anything
    assert canvas.view.height() >= 350  # the tool rows leave the image its room


def _image_with_two_edits(window):
    editor = window.canvas_editor
    img = QImage(128, 96, QImage.Format.Format_RGB888)
    img.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(img)
    editor.paste()
    editor.tools.fill_button.click()
    assert editor.doc.undo_stack.index() == 2
    return editor.doc.undo_stack


def test_undo_and_redo_from_anywhere_in_the_image_workspace(window, qtbot):
    _first_launch(window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    stack = _image_with_two_edits(window)
    for widget in (window.history, window.queue_view, window.canvas_editor.tools.fill_button):
        widget.setFocus()
        before = stack.index()
        QTest.keyClick(widget, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert stack.index() == before - 1, widget
        QTest.keyClick(widget, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        assert stack.index() == before, widget

    prompt = window.prompt_editor.prompt_edit
    prompt.setFocus()
    QTest.keyClicks(prompt, "abc")
    QTest.keyClick(prompt, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stack.index() == 2 and prompt.toPlainText() != "abc"  # the prompt's own undo, not the canvas's

    window.show_workspace("faces")
    QTest.keyClick(window.faces_workspace, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stack.index() == 2  # another workspace: the canvas is not touched
