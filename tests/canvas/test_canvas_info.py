"""The canvas's file name line: a long name is shortened in the middle (its extension stays), never cut off,
and the tooltip has the whole path; a name that fits is shown whole with the image size."""
from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.ui.canvas import ImageCanvas

from tests.fixtures.studio_window import started_studio


def test_long_file_name_is_elided_in_the_middle_with_the_path_in_the_tooltip(qtbot, tmp_path):
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(560, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    image = QImage(512, 384, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    path = str(tmp_path / ("portrait_of_a_woman_in_a_red_dress_standing_by_the_window_" * 2 + "final.png"))
    canvas.show_image(image, path)
    label = canvas.info_label
    shown = label.shown_text()
    assert label.text().endswith("final.png · 512×384")  # callers read the whole text
    assert "…" in shown and shown.startswith("portr") and shown.endswith(".png")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.toolTip() == f"{path}\n512×384"
    # The row's buttons keep their room: the label is what gives way.
    assert canvas.save_button.isVisible() and canvas.zoom_label.geometry().right() <= canvas.width()

    canvas.show_image(image, str(tmp_path / "cat.png"))
    qtbot.waitUntil(lambda: label.shown_text() == "cat.png · 512×384")

    canvas.show_preview(7, image, step="3/20")
    assert label.toolTip() == ""  # a preview has no file
    assert canvas.drop_preview(7)
    assert label.text() == "cat.png · 512×384" and label.toolTip().startswith(str(tmp_path / "cat.png"))


def test_save_as_names_the_written_file(qtbot, tmp_path):
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    image = QImage(64, 48, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    opened = tmp_path / "opened.png"
    assert image.save(str(opened))
    canvas.show_image(image, str(opened))
    assert canvas.info_label.text() == "opened.png · 64×48"

    written = canvas.save_as(str(tmp_path / "copy.jpg"))
    assert written and Path(written).is_file()
    assert canvas.info_label.text() == "copy.jpg · 64×48"
    assert canvas.info_label.toolTip() == f"{written}\n64×48"
    assert canvas.path() == str(opened)  # a later PNG save still copies the output's bytes (its metadata)
    written = canvas.save_as(str(tmp_path / "copy.png"))
    assert canvas.info_label.text() == "copy.png · 64×48" and canvas.path() == written
    assert Path(written).read_bytes() == opened.read_bytes()


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    yield from started_studio(qtbot, paths, monkeypatch, size=(1000, 700))


def test_export_names_the_exported_file(studio, tmp_path):
    editor = studio.canvas_editor
    src = tmp_path / "photo.png"
    image = QImage(40, 30, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkRed)
    assert image.save(str(src))
    assert editor.open_file(str(src))
    assert studio.canvas.info_label.text() == "photo.png · 40×30"
    out = editor.export(str(tmp_path / "edited.webp"))
    assert out and Path(out).is_file()
    assert studio.canvas.info_label.text() == "edited.webp · 40×30"
    assert studio.canvas.info_label.toolTip() == f"{out}\n40×30"
