"""Data augmentation from the Training workspace: a model's images become the dataset the form trains on."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.core.models.builtin_models import builtin_entries
from studio.core.models.registry import ModelEntry
from studio.ui.dataset_dialog import DatasetDialog


def test_make_a_dataset_from_a_gan_for_the_form(live, qtbot, paths):
    ws = live
    faces = next(e for e in builtin_entries() if e.type == "gan")
    ws.set_models([faces, ModelEntry("broken", "/m/x", "diffusers", status="broken")])
    QTest.mouseClick(ws.form.make_dataset_button, Qt.MouseButton.LeftButton)
    dialog = ws.findChild(DatasetDialog)
    assert dialog is not None and dialog.isVisible()
    assert [dialog.model_combo.itemData(i) for i in range(dialog.model_combo.count())] == [faces.name]
    assert not dialog.prompts_edit.isEnabled() and "without a prompt" in dialog.note.text()
    dialog.count_spin.setValue(3)
    dialog.name_edit.setText("faces-aug")
    with qtbot.waitSignal(dialog.made, timeout=60_000) as made:
        QTest.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    folder = Path(made.args[0])
    assert folder == paths.datasets / "faces-aug" and len(list(folder.glob("*.png"))) == 3
    assert ws.form.dataset() == str(folder)  # the form now trains on it
    assert "Dataset ready" in ws.note.text()

    QTest.mouseClick(ws.form.make_dataset_button, Qt.MouseButton.LeftButton)  # the same name again is refused
    dialog = [d for d in ws.findChildren(DatasetDialog) if d.isVisible()][-1]
    dialog.name_edit.setText("faces-aug")
    QTest.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already exists" in dialog.note.text(), timeout=30_000)
    assert dialog.make_button.isEnabled()
