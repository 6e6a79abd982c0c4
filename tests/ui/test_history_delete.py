"""History: delete moves files to the trash with Undo, a search with no result says so."""
from __future__ import annotations

import json
import os

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.store.gallery import GalleryStore
from studio.core.results import JobResult
from studio.core.specs.image import ImageSpec


class Trash:
    """The real freedesktop trash Send2Trash writes to, in a temporary $XDG_DATA_HOME."""

    def __init__(self, root):
        self.root = root

    def names(self) -> list[str]:
        folder = self.root / "Trash" / "files"
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture()
def strip(qtbot, paths, monkeypatch, tmp_path):
    from studio.ui.history_strip import HistoryStrip

    import send2trash.plat_other as plat  # reads $XDG_DATA_HOME once, at import: point it at this test's folder

    xdg = str(tmp_path / "xdg").encode()
    monkeypatch.setattr(plat, "XDG_DATA_HOME", xdg)
    monkeypatch.setattr(plat, "HOMETRASH_B", xdg + b"/Trash")
    monkeypatch.setattr(plat, "HOMETRASH", str(tmp_path / "xdg" / "Trash"))
    trash = Trash(tmp_path / "xdg")
    gallery = GalleryStore.open(paths)
    files = []
    for i, prompt in enumerate(("a red dress", "a blue shirt", "a green boot")):
        f = paths.outputs / f"img{i}.png"
        Image.new("RGB", (8, 8), (i * 80, 0, 0)).save(f)
        gallery.add(ImageSpec(prompt=prompt, seed=i), JobResult(outputs=(str(f),)))
        files.append(f)
    w = HistoryStrip(paths)
    qtbot.addWidget(w)
    w.bind(gallery)
    w.show()
    w.trash, w.files = trash, files
    yield w
    w.release_deleted()
    gallery.close()


def _prompts(strip):
    return [strip.entry(strip.list.item(i)).prompt for i in range(strip.list.count())]


def test_delete_holds_the_file_and_undo_brings_everything_back(strip, paths, qtbot):
    assert _prompts(strip) == ["a green boot", "a blue shirt", "a red dress"]
    strip.list.setCurrentRow(1)
    strip.list.setFocus()
    QTest.keyClick(strip.list, Qt.Key.Key_Delete)
    assert _prompts(strip) == ["a green boot", "a red dress"]
    assert not strip.files[1].exists() and strip.trash.names() == []  # held, not yet in the system trash
    assert strip.undo_button.isVisible() and "1 image" in strip.undo_label.text()
    assert strip.gallery.count("blue") == 0

    qtbot.mouseClick(strip.undo_button, Qt.MouseButton.LeftButton)
    assert _prompts(strip) == ["a green boot", "a blue shirt", "a red dress"]  # same place, same entry
    assert strip.files[1].read_bytes()[:4] == b"\x89PNG" and not strip.undo_button.isVisible()
    assert strip.gallery.search("blue")[0].seed == 1


def test_the_file_goes_to_the_system_trash_when_undo_ends(strip, paths):
    strip.list.item(0).setSelected(True)
    strip.list.item(2).setSelected(True)
    assert strip.delete_selected() == 2
    assert strip.trash.names() == []
    strip.release_deleted()  # the undo window ended (timer, next deletion or closing the window)
    assert strip.trash.names() == ["img0.png", "img2.png"]  # recoverable from the desktop's trash
    assert not list((paths.cache / "deleted").iterdir())
    assert _prompts(strip) == ["a blue shirt"] and not strip.undo_button.isVisible()


def test_a_deletion_interrupted_by_a_crash_reaches_the_trash_next_time(strip, paths, qtbot):
    from studio.ui.history_strip import HistoryStrip

    strip.list.setCurrentRow(0)
    strip.delete_selected()
    strip._deleted = []  # the process died before the undo window ended
    again = HistoryStrip(paths)
    qtbot.addWidget(again)
    again.bind(strip.gallery)
    assert strip.trash.names() == ["img2.png"]


def test_a_search_without_results_says_so(strip, qtbot):
    strip.search_edit.setText("zebra")
    qtbot.waitUntil(lambda: strip.stack.currentWidget() is strip.empty_label, timeout=3000)
    assert strip.empty_label.isVisible() and "No images match “zebra”" in strip.empty_label.text()
    strip.search_edit.setText("dress")
    qtbot.waitUntil(lambda: strip.stack.currentWidget() is strip.list, timeout=3000)
    assert _prompts(strip) == ["a red dress"]


def test_cli_history_delete_files_go_to_the_trash(strip, paths):
    from studio.cli import main

    entry = strip.gallery.search("blue")[0]
    assert main(["history", "delete", str(entry.id), "--files"]) == 0
    assert strip.gallery.count("blue") == 0 and not strip.files[1].exists()
    assert strip.trash.names() == ["img1.png"]


def _add_row(strip, path, prompt):
    """A history row naming ``path``, as a tampered database could."""
    strip.gallery.add(ImageSpec(prompt=prompt, seed=9), JobResult(outputs=(str(path),)))
    strip.refresh()
    return strip.gallery.search(prompt)[0]


def _select(strip, entry_id):
    for i in range(strip.list.count()):
        strip.list.item(i).setSelected(strip.entry(strip.list.item(i)).id == entry_id)


def test_a_row_pointing_outside_the_outputs_is_refused_and_the_file_survives(strip, paths, tmp_path, qtbot):
    outside = tmp_path / "precious.png"
    Image.new("RGB", (8, 8)).save(outside)
    escaping_link = paths.outputs / "escape.png"  # inside outputs, but a link to the file outside
    escaping_link.symlink_to(outside)
    dotdot = paths.outputs / os.path.relpath(outside, paths.outputs)  # "outputs/../../precious.png"
    for path, prompt in ((outside, "a tampered row"), (escaping_link, "a linked row"), (dotdot, "a dotted row")):
        entry = _add_row(strip, path, prompt)
        _select(strip, entry.id)
        assert strip.delete_selected() == 0
        assert outside.read_bytes()[:4] == b"\x89PNG" and escaping_link.is_symlink()
        assert strip.gallery.get(entry.id).path == str(path)  # the row is left alone
        assert "is not in the studio's outputs folder" in strip.undo_label.text() and strip.undo_label.isVisible()
        assert not strip.undo_button.isVisible() and strip.trash.names() == []


def test_cli_refuses_a_row_pointing_outside_the_outputs(strip, paths, tmp_path, capsys):
    from studio.cli import main

    outside = tmp_path / "precious.png"
    Image.new("RGB", (8, 8)).save(outside)
    entry = _add_row(strip, outside, "a tampered row")
    assert main(["history", "delete", str(entry.id), "--files"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not in the studio's outputs folder" in err[0]
    assert outside.exists() and strip.gallery.get(entry.id).path == str(outside) and strip.trash.names() == []


def test_the_settings_output_folder_is_an_outputs_folder_too(strip, paths, tmp_path):
    from studio.core.settings import Settings, save_settings

    custom = tmp_path / "my-images"
    custom.mkdir()
    save_settings(paths.settings_file, Settings(output_dir=str(custom)))
    made = custom / "made.png"
    Image.new("RGB", (8, 8)).save(made)
    entry = _add_row(strip, made, "a custom folder image")
    _select(strip, entry.id)
    assert strip.delete_selected() == 1 and not made.exists()
    strip.release_deleted()
    assert strip.trash.names() == ["made.png"]
