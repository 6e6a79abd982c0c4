"""The LoRA picker under the prompt: installed LoRAs to add, and a weight slider per LoRA in use.

The prompt text is the one source of truth, as in A1111: adding a LoRA inserts ``<lora:name:1>``,
a slider rewrites that tag's weight in place (an undoable edit of the prompt), the ✕ removes it, and
typing or pasting a tag shows its row. The engine reads the tags (``ImageSpec.clean``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPlainTextEdit, QSlider,
                               QToolButton, QVBoxLayout, QWidget)

from studio.core.specs import prompt_loras
from studio.core.errors import SpecError
from studio.core.models.families import caps_of, family_label, lora_fits
from studio.core.models.registry import ModelEntry
from studio.ui import theme

SLIDER_SCALE = 100  # slider units per 1.0 of weight
WEIGHT_RANGE = (-1.0, 2.0)  # what the slider offers; the text may say more


def tag_name(entry: ModelEntry) -> str:
    """The name a tag uses for ``entry``: its file name without extension, as A1111 does."""
    return Path(entry.path).stem if entry.path else entry.name


class LoraRow:
    """One LoRA in use: name, slider, value, remove button (placed in the picker's grid)."""

    def __init__(self, picker: "LoraPicker", name: str, row: int) -> None:
        self.name = name
        self.label = QLabel(name)
        self.label.setToolTip(QCoreApplication.translate(
            "LoraPicker", "<lora:{0}:…> in the prompt").format(name))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"lora_slider_{name}")
        self.slider.setRange(int(WEIGHT_RANGE[0] * SLIDER_SCALE), int(WEIGHT_RANGE[1] * SLIDER_SCALE))
        self.slider.setSingleStep(5)
        self.slider.setPageStep(25)
        self.slider.setToolTip(QCoreApplication.translate(
            "LoraPicker", "Weight of {0}: 1 is full strength, 0 is off").format(name))
        self.value = QLabel()
        self.value.setMinimumWidth(picker.fontMetrics().horizontalAdvance("-0.00") + 4)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip(QCoreApplication.translate(
            "LoraPicker", "Remove {0} from the prompt").format(name))
        self.slider.valueChanged.connect(lambda v: picker.set_weight(name, v / SLIDER_SCALE))
        self.remove.clicked.connect(lambda: picker.remove(name))
        for col, w in enumerate((self.label, self.slider, self.value, self.remove)):
            picker.grid.addWidget(w, row, col)

    def show_weight(self, weight: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(weight * SLIDER_SCALE))
        self.slider.blockSignals(False)
        self.value.setText(f"{weight:g}")

    def delete(self) -> None:
        for w in (self.label, self.slider, self.value, self.remove):
            w.deleteLater()


class LoraPicker(QWidget):
    """Adds, weighs and removes ``<lora:…>`` tags in ``prompt_edit``."""

    lora_added = Signal(object)  # the ModelEntry of a LoRA added from the picker (or the model manager)

    def __init__(self, prompt_edit: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lora_picker")
        self.prompt_edit = prompt_edit
        self._rows: list[LoraRow] = []
        self._entries: list[ModelEntry] = []
        self._known = False  # the registry has answered (until then nothing is "not installed")
        self._model: ModelEntry | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.add_combo = QComboBox()
        self.add_combo.setObjectName("lora_combo")
        self.add_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.add_combo.setMinimumContentsLength(10)
        self.add_combo.activated.connect(self._on_add)
        top = QHBoxLayout()
        top.addWidget(self.add_combo, 1)
        layout.addLayout(top)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(theme.css("error", self))
        self.problem_label.hide()
        layout.addWidget(self.problem_label)
        self._fill_combo()
        prompt_edit.textChanged.connect(self.sync)

    # -- the list of installed LoRAs -------------------------------------------------------
    def set_loras(self, entries: Iterable[ModelEntry]) -> None:
        """The LoRAs the model registry found (unusable ones are left out)."""
        self._entries = [e for e in entries if e.type == "lora" and e.usable]
        self._known = True
        self._fill_combo()
        self.sync()

    def _fill_combo(self) -> None:
        self.add_combo.clear()
        if self._entries:
            self.add_combo.addItem(self.tr("Add a LoRA… ({0} installed)").format(len(self._entries)), "")
        else:
            self.add_combo.addItem(self.tr("No LoRA installed (train one, or add .safetensors to models/loras)"), "")
        for e in self._entries:
            family = family_label(e.family)
            self.add_combo.addItem(tag_name(e) + (f"  ({family})" if family else ""), tag_name(e))
            why = self.unfit_reason(e)
            self.add_combo.setItemData(self.add_combo.count() - 1, why or e.path, Qt.ItemDataRole.ToolTipRole)
            if why:  # listed, greyed out, with the reason as its tooltip
                self.add_combo.model().item(self.add_combo.count() - 1).setEnabled(False)
        self.add_combo.setEnabled(bool(self._entries))

    def set_model(self, entry: ModelEntry | None) -> None:
        """The model the prompt is for: LoRAs made for another base are greyed out."""
        self._model = entry
        self._fill_combo()

    def unfit_reason(self, lora: ModelEntry) -> str:
        """Why ``lora`` cannot go with the chosen model ('' when it can, or when it cannot be told)."""
        model = self._model
        if model is None:
            return ""
        if not caps_of(model).lora:  # the capability table (studio.core.models.families) says which models take LoRAs
            return self.tr("{0} takes no LoRAs (only Stable Diffusion models do)").format(model.title)
        if not lora_fits(model.family, lora.family):
            return self.tr("Made for {0}; {1} is {2}").format(family_label(lora.family), model.title,
                                                              family_label(model.family))
        return ""

    def names(self) -> list[str]:
        """Names a tag may use for the installed LoRAs (file name, or the model list's name)."""
        return [tag_name(e) for e in self._entries] + [e.name for e in self._entries]

    def _on_add(self, index: int) -> None:
        name = str(self.add_combo.itemData(index) or "")
        self.add_combo.setCurrentIndex(0)
        if name:
            self.add(name)

    # -- editing the prompt's tags ---------------------------------------------------------
    def add(self, name: str, weight: float = 1.0) -> None:
        """Insert ``<lora:name:weight>`` at the end of the prompt (or set its weight if present); say which
        LoRA was added (``lora_added``: a few-step LoRA proposes its settings)."""
        self.set_weight(name, weight)
        entry = next((e for e in self._entries if name in (tag_name(e), e.name)), None)
        if entry is not None:
            self.lora_added.emit(entry)

    def remove(self, name: str) -> None:
        self._rewrite(prompt_loras.set_weight(self.prompt_edit.toPlainText(), name, None))

    def set_weight(self, name: str, weight: float) -> None:
        self._rewrite(prompt_loras.set_weight(self.prompt_edit.toPlainText(), name, round(weight, 2)))

    def _rewrite(self, text: str) -> None:
        """Replace the prompt with ``text`` as one undoable edit (Ctrl+Z in the prompt brings it back)."""
        if text == self.prompt_edit.toPlainText():
            return
        cursor = QTextCursor(self.prompt_edit.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()

    # -- following the prompt ----------------------------------------------------------------
    def loras(self) -> list[tuple[str, float]]:
        """The LoRAs the prompt names now (empty while a tag cannot be read)."""
        try:
            return [(n, w) for _s, _e, n, w in prompt_loras.find_tags(self.prompt_edit.toPlainText())]
        except SpecError:
            return []

    def sync(self) -> None:
        """Show one row per tag in the prompt; say when a tag names a LoRA that is not installed."""
        try:
            tags = prompt_loras.merge((n, w) for _s, _e, n, w in
                                      prompt_loras.find_tags(self.prompt_edit.toPlainText()))
            problem = ""
        except SpecError as exc:
            tags, problem = (), str(exc)
        names = [n for n, _w in tags]
        if names != [r.name for r in self._rows]:
            for r in self._rows:
                r.delete()
            self._rows = [LoraRow(self, n, i) for i, n in enumerate(names)]
        for r, (_n, w) in zip(self._rows, tags):
            r.show_weight(w)
        installed = {n.lower() for n in self.names()}
        missing = [n for n in names if n.lower() not in installed]
        if not problem and missing and self._known:
            problem = self.tr("Not installed: {0}").format(", ".join(missing))
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
