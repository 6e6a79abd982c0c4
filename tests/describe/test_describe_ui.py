""""Describe this image" in the window: the canvas button and the history's context menu fill the prompt editor."""
from __future__ import annotations

import pytest

from tests.fixtures.studio_window import started_studio


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch, size=(1200, 800))


def test_canvas_describe_button_writes_an_editable_prompt(studio, qtbot, fashion_pngs):
    qtbot.waitUntil(lambda: hasattr(studio, "image_describer"), timeout=30_000)
    editor, prompt = studio.canvas_editor, studio.prompt_editor
    prompt.prompt_edit.setPlainText("my own words")
    png = str(fashion_pngs[0][0])
    assert editor.open_file(png)
    assert editor.tools.describe_button.isVisibleTo(studio)
    with qtbot.waitSignal(studio.image_describer.described, timeout=120_000) as got:
        editor.tools.describe_button.click()
    text = got.args[0]
    assert text.startswith(("a ", "an ")) and prompt.prompt_edit.toPlainText() == text
    assert "Studio CLIP" in prompt.message_label.text()
    assert not prompt.prompt_edit.isReadOnly()
    prompt.prompt_edit.undo()  # one undo step brings the user's prompt back
    assert prompt.prompt_edit.toPlainText() == "my own words"

    # The history's context menu (same engine host, warm).
    from studio.core.store.gallery import GalleryStore
    from studio.core.results import ImageResult
    from studio.core.specs.image import ImageSpec

    png = str(fashion_pngs[2][0])
    GalleryStore.open(studio.paths).add(ImageSpec(prompt="x"), ImageResult(outputs=(png,)))
    studio.history.refresh()
    qtbot.waitUntil(lambda: studio.history.count() == 1, timeout=10_000)
    menu = studio.history.context_menu(studio.history.list.item(0))
    action = next(a for a in menu.actions() if a.text() == "Describe this image")
    with qtbot.waitSignal(studio.image_describer.described, timeout=120_000) as got:
        action.trigger()
    assert studio.prompt_editor.prompt_edit.toPlainText() == got.args[0]
