"""Prompt tools in the window: Alt+Up/Down and Up on the first line walk the prompt history, the search
dialog, the autocomplete popup (vocabulary and wildcards), and a missing wildcard refused in one line."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.specs.image import ImageSpec


def _tools(window, qtbot):
    window.ensure_workspaces()
    qtbot.waitUntil(lambda: hasattr(window, "prompt_tools"), timeout=30_000)
    return window.prompt_tools


def test_history_keys_and_search(window, qtbot):
    tools = _tools(window, qtbot)
    for p in ("a blue coat", "a red sneaker"):
        tools.history.add(p)
    edit = window.prompt_editor.prompt_edit
    edit.setPlainText("my draft")
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert edit.toPlainText() == "a red sneaker"
    edit.moveCursor(edit.textCursor().MoveOperation.Start)
    QTest.keyClick(edit, Qt.Key.Key_Up)  # Up on the first line walks on
    assert edit.toPlainText() == "a blue coat"
    QTest.keyClick(edit, Qt.Key.Key_Down)  # walking: Down on the last line comes back
    QTest.keyClick(edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert edit.toPlainText() == "my draft"
    edit.undo()  # each step is one undo step
    assert edit.toPlainText() == "a red sneaker"

    dialog = tools.open_history()
    dialog.search.setText("coat")
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["a blue coat"]
    dialog.accept()
    assert edit.toPlainText() == "a blue coat"


def test_autocomplete_popup_and_wildcard_errors(window, qtbot, paths):
    (paths.wildcards / "colours.txt").write_text("red\nblue\n", encoding="utf-8")
    tools = _tools(window, qtbot)
    editor = window.prompt_editor
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings

    editor.set_models([e for e in ModelRegistry(paths, Settings()).scan() if e.name == "studio-fashion"])
    assert editor.assist.vocabulary() is not None  # Studio Fashion's words
    edit = editor.prompt_edit
    edit.clear()
    edit.setFocus()
    QTest.keyClicks(edit, "a red snea")
    qtbot.waitUntil(lambda: tools.completer.popup().isVisible(), timeout=5000)
    assert tools.model.stringList() == ["sneaker"]
    tools.insert_completion(tools.model.stringList()[0])
    assert edit.toPlainText() == "a red sneaker"
    QTest.keyClicks(edit, ", __co")
    qtbot.waitUntil(lambda: tools.model.stringList() == ["__colours__"], timeout=5000)
    tools.completer.popup().hide()

    # A missing wildcard: one line in the editor, nothing queued.
    ids = window.submit_specs([ImageSpec(prompt="a __nothing__ sneaker", seed=1)])
    assert ids == [] and "No wildcard file for __nothing__" in editor.message_label.text()
