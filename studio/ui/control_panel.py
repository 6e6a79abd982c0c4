"""The Control dock: ControlNet units and the image prompt (IP-Adapter) of the next image or canvas edit.

Each unit has a ControlNet (the installed ones of the chosen model's family), an image (a file, the canvas
image, or the strokes painted with the canvas brush as a scribble), a preprocessor, a weight and the part
of the steps it guides (start–end). The control map it will use is shown beside it before generating.
The prompt editor adds :meth:`ControlPanel.spec_fields` to every spec it makes (text-to-image and the
canvas edits), and "reuse parameters" fills the panel from an image's spec.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable, Iterable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QScrollArea, QToolButton, QVBoxLayout, QWidget)

from studio.core.atomic import atomic_write_bytes
from studio.core.specs.control import (CANVAS_PREPROCESSORS, MAX_UNITS, PREPROCESSOR_LABELS, PREPROCESSORS,
                                  control_families, family_refusal)
from studio.core.errors import StudioError
from studio.core.models.families import PIPELINE_TYPES, caps_of
from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ControlUnit, ImageSpec

THUMB = 96


def _fraction_spin(value: float, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 1.0)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class ControlUnitRow(QFrame):
    """One ControlNet unit: model, image, preprocessor, weight, start–end, and its control map."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, panel: "ControlPanel") -> None:
        super().__init__()
        self.setObjectName("control_unit")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel = panel
        self.image_path = ""
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("control_model_combo")
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(8)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setToolTip(self.tr("Remove this unit"))
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        top = QHBoxLayout()
        top.addWidget(self.model_combo, 1)
        top.addWidget(self.remove_button)
        box.addLayout(top)

        self.file_button = QToolButton()
        self.file_button.setText(self.tr("Image…"))
        self.file_button.setToolTip(self.tr("Choose the control image from a file"))
        self.file_button.clicked.connect(self._choose_file)
        self.canvas_button = QToolButton()
        self.canvas_button.setText(self.tr("Canvas"))
        self.canvas_button.setToolTip(self.tr("Use the image on the canvas"))
        self.canvas_button.clicked.connect(self._from_canvas)
        self.scribble_button = QToolButton()
        self.scribble_button.setText(self.tr("Scribble"))
        self.scribble_button.setToolTip(self.tr("Use the strokes painted with the canvas brush as a scribble "
                                                "(paint them on an empty canvas or over an image)"))
        self.scribble_button.clicked.connect(self._from_scribble)
        sources = QHBoxLayout()
        for b in (self.file_button, self.canvas_button, self.scribble_button):
            sources.addWidget(b)
        sources.addStretch(1)
        box.addLayout(sources)

        self.preprocess_combo = QComboBox()
        self.preprocess_combo.setObjectName("control_preprocess_combo")
        self.preprocess_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preprocess_combo.setMinimumContentsLength(8)
        for key in PREPROCESSORS:
            self.preprocess_combo.addItem(self.panel.preprocessor_label(key), key)
        self.preprocess_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.weight_spin = QDoubleSpinBox()
        self.weight_spin.setRange(0.0, 2.0)
        self.weight_spin.setSingleStep(0.05)
        self.weight_spin.setValue(1.0)
        self.weight_spin.setToolTip(self.tr("How strongly the unit steers the image"))
        self.start_spin = _fraction_spin(0.0, self.tr("The fraction of the steps at which the unit starts guiding"))
        self.end_spin = _fraction_spin(1.0, self.tr("The fraction of the steps at which the unit stops guiding"))
        form = QGridLayout()
        form.addWidget(QLabel(self.tr("Preprocessor")), 0, 0)
        form.addWidget(self.preprocess_combo, 0, 1, 1, 3)
        form.addWidget(QLabel(self.tr("Weight")), 1, 0)
        form.addWidget(self.weight_spin, 1, 1)
        form.addWidget(QLabel(self.tr("Steps")), 2, 0)
        form.addWidget(self.start_spin, 2, 1)
        form.addWidget(QLabel("–"), 2, 2)
        form.addWidget(self.end_spin, 2, 3)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        box.addLayout(form)

        self.preview = QLabel()
        self.preview.setObjectName("control_preview")
        self.preview.setFixedSize(QSize(THUMB, THUMB))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("QLabel#control_preview { background: #202020; color: #d0d0d0; }")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        shown = QHBoxLayout()
        shown.addWidget(self.preview)
        shown.addWidget(self.note, 1)
        box.addLayout(shown)
        self.refresh()

    # -- sources -----------------------------------------------------------------------------------
    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Control image"), "", self.tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"))
        if path:
            self.set_image(path)

    def _from_canvas(self) -> None:
        image = self.panel.canvas_image()
        if image is None or image.isNull():
            self.set_note(self.tr("The canvas is empty: open or make an image first."), error=True)
            return
        self.set_image(self.panel.store(image, "canvas"))

    def _from_scribble(self) -> None:
        strokes = self.panel.scribble_image()
        if strokes is None or strokes.isNull():
            self.set_note(self.tr("Nothing is painted: paint the strokes on the canvas with the brush first."),
                          error=True)
            return
        self.preprocess_combo.setCurrentIndex(self.preprocess_combo.findData("scribble"))
        self.set_image(self.panel.store(strokes, "scribble"))

    # -- state -------------------------------------------------------------------------------------
    def set_image(self, path: str) -> None:
        self.image_path = path
        self.refresh()
        self.changed.emit()

    def set_note(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet("color: #c0392b;" if error else "color: gray;")
        self.note.setVisible(bool(text))

    def refresh(self) -> None:
        """Show the control map the unit will use (computed here for the model-free preprocessors)."""
        self.set_note("")
        pre = str(self.preprocess_combo.currentData())
        if not self.image_path:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("no image"))
            return
        if pre not in CANVAS_PREPROCESSORS:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self.tr("computed by the job"))
            self.set_note(Path(self.image_path).name)
            return
        try:
            shown = self.panel.control_map(self.image_path, pre)
        except StudioError as exc:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("")
            self.set_note(str(exc), error=True)
            return
        self.preview.setText("")
        self.preview.setPixmap(QPixmap.fromImage(shown).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        self.preview.setToolTip(self.image_path)

    def set_models(self, entries: list[ModelEntry], model: ModelEntry | None) -> None:
        """Offer the installed ControlNets; those of another family than ``model`` are greyed out."""
        current = self.model_combo.currentData()
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for e in entries:
            self.model_combo.addItem(e.title, e.name)
            refusal = family_refusal(model, e)
            if refusal:
                item = self.model_combo.model().item(self.model_combo.count() - 1)
                item.setEnabled(False)
                item.setToolTip(refusal)
        if current is not None:
            index = self.model_combo.findData(current)
            if index < 0:
                self.model_combo.addItem(str(current), current)
                index = self.model_combo.count() - 1
            self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)

    def unit(self) -> ControlUnit:
        return ControlUnit(model=str(self.model_combo.currentData() or ""), image=self.image_path,
                           weight=round(self.weight_spin.value(), 3), start=round(self.start_spin.value(), 3),
                           end=round(self.end_spin.value(), 3), preprocess=str(self.preprocess_combo.currentData()))

    def set_unit(self, unit: ControlUnit) -> None:
        index = self.model_combo.findData(unit.model)
        if index < 0:
            self.model_combo.addItem(unit.model, unit.model)
            index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)
        self.weight_spin.setValue(unit.weight)
        self.start_spin.setValue(unit.start)
        self.end_spin.setValue(unit.end)
        self.preprocess_combo.blockSignals(True)
        self.preprocess_combo.setCurrentIndex(max(0, self.preprocess_combo.findData(unit.preprocess)))
        self.preprocess_combo.blockSignals(False)
        self.image_path = unit.image if unit.image and Path(unit.image).is_file() else ""
        self.refresh()
        if unit.image and not self.image_path:
            self.set_note(self.tr("The control image {0} is gone: choose it again.").format(unit.image), error=True)
        elif not unit.image:
            self.set_note(self.tr("The image's parameters do not hold the control image: choose it."), error=True)


class ControlPanel(QWidget):
    """ControlNet units and the image prompt; see the module docstring."""

    changed = Signal()

    def __init__(self, cache: Path, canvas_image: Callable[[], QImage | None] = lambda: None,
                 scribble_image: Callable[[], QImage | None] = lambda: None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ControlPanel")
        self._cache = Path(cache) / "control"
        self.canvas_image = canvas_image
        self.scribble_image = scribble_image
        self._controlnets: list[ModelEntry] = []
        self._ip_adapters: list[ModelEntry] = []
        self._model: ModelEntry | None = None
        self.rows: list[ControlUnitRow] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(6, 6, 6, 6)
        scroll.setWidget(inner)
        outer.addWidget(scroll)

        self.title = QLabel(self.tr("ControlNet units"))
        self.title.setStyleSheet("font-weight: bold;")
        self.body.addWidget(self.title)
        self.units_box = QVBoxLayout()
        self.body.addLayout(self.units_box)
        self.none_label = QLabel()
        self.none_label.setWordWrap(True)
        self.none_label.setStyleSheet("color: gray;")
        self.body.addWidget(self.none_label)
        self.add_button = QPushButton(self.tr("Add ControlNet unit"))
        self.add_button.setObjectName("add_control_button")
        self.add_button.clicked.connect(lambda: self.add_unit())
        self.body.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)

        ip_title = QLabel(self.tr("Image prompt (IP-Adapter)"))
        ip_title.setStyleSheet("font-weight: bold;")
        self.body.addWidget(ip_title)
        self.ip_combo = QComboBox()
        self.ip_combo.setObjectName("ip_adapter_combo")
        self.ip_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.ip_combo.setMinimumContentsLength(8)
        self.ip_file_button = QToolButton()
        self.ip_file_button.setText(self.tr("Reference image…"))
        self.ip_file_button.clicked.connect(self._choose_ip_image)
        self.ip_clear_button = QToolButton()
        self.ip_clear_button.setText("✕")
        self.ip_clear_button.setToolTip(self.tr("No image prompt"))
        self.ip_clear_button.clicked.connect(lambda: self.set_ip_image(""))
        self.ip_weight_spin = QDoubleSpinBox()
        self.ip_weight_spin.setRange(0.0, 2.0)
        self.ip_weight_spin.setSingleStep(0.05)
        self.ip_weight_spin.setValue(0.6)
        self.ip_weight_spin.setToolTip(self.tr("How strongly the reference image steers the image"))
        self.ip_preview = QLabel(self.tr("no image"))
        self.ip_preview.setFixedSize(QSize(THUMB, THUMB))
        self.ip_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ip_preview.setStyleSheet("background: #202020; color: #d0d0d0;")
        self.body.addWidget(self.ip_combo)
        row = QHBoxLayout()
        row.addWidget(self.ip_file_button)
        row.addWidget(self.ip_clear_button)
        row.addStretch(1)
        self.body.addLayout(row)
        ip_grid = QGridLayout()
        ip_grid.addWidget(QLabel(self.tr("Weight")), 0, 0)
        ip_grid.addWidget(self.ip_weight_spin, 0, 1)
        ip_grid.addWidget(self.ip_preview, 1, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        ip_grid.setColumnStretch(1, 1)
        self.body.addLayout(ip_grid)
        self.ip_note = QLabel()
        self.ip_note.setWordWrap(True)
        self.ip_note.setStyleSheet("color: gray;")
        self.body.addWidget(self.ip_note)
        self.body.addStretch(1)
        self.ip_image = ""
        self._update_state()

    # -- helpers the rows use ----------------------------------------------------------------------
    def preprocessor_label(self, key: str) -> str:
        labels = {"none": self.tr("none (image as given)"), "canny": self.tr("Canny edges"),
                  "lineart": self.tr("line art / soft edges"), "scribble": self.tr("scribble"),
                  "depth": self.tr("depth (installed depth model)")}
        return labels.get(key, PREPROCESSOR_LABELS.get(key, key))

    @staticmethod
    def control_map(path: str, preprocess: str) -> QImage:
        from studio.jobs.control_preview import control_map

        return control_map(path, preprocess)

    def store(self, image: QImage, what: str) -> str:
        """Keep ``image`` as a PNG under the studio's cache (the spec names it; reuse finds it there)."""
        self._cache.mkdir(parents=True, exist_ok=True)
        path = self._cache / f"{secrets.token_hex(6)}-{what}.png"
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        atomic_write_bytes(path, bytes(data.data()))
        return str(path)

    # -- models ----------------------------------------------------------------------------------------
    def set_models(self, entries: Iterable[ModelEntry]) -> None:
        entries = list(entries)
        self._controlnets = [e for e in entries if e.type == "controlnet" and e.usable]
        self._ip_adapters = [e for e in entries if e.type == "ip_adapter" and e.usable]
        self._offer()

    def follow_model(self, entry: ModelEntry | None) -> None:
        """The chosen image model: ControlNets and IP-Adapters of other families are greyed out."""
        self._model = entry
        self._offer()

    def _offer(self) -> None:
        for row in self.rows:
            row.set_models(self._controlnets, self._model)
        current = self.ip_combo.currentData()
        self.ip_combo.clear()
        self.ip_combo.addItem(self.tr("Automatic (the model's family)"), "")
        for e in self._ip_adapters:
            self.ip_combo.addItem(e.title, e.name)
            if family_refusal(self._model, e):
                self.ip_combo.model().item(self.ip_combo.count() - 1).setEnabled(False)
        index = self.ip_combo.findData(current) if current is not None else 0
        self.ip_combo.setCurrentIndex(max(0, index))
        self._update_state()

    def _update_state(self) -> None:
        pipeline = self._model is not None and self._model.type in PIPELINE_TYPES
        caps = caps_of(self._model) if pipeline else None
        usable = caps is None or caps.controlnet
        if not usable:
            self.none_label.setText(self.tr("{0} cannot take ControlNet units: choose a model of one of these "
                                            "families: {1}.").format(self._model.title, control_families()))
        elif not self._controlnets:
            self.none_label.setText(self.tr("No ControlNet is installed: put ControlNet folders or .safetensors "
                                            "files of your model's family in your models folder."))
        elif caps is not None and caps.control_ops == ("txt2img",):
            self.none_label.setText(self.tr("With {0}, ControlNet units guide new images only (diffusers has no "
                                            "ControlNet pipeline for its edits).").format(self._model.title))
        else:
            self.none_label.setText("" if self.rows else self.tr("No unit: the prompt alone guides the image."))
        self.none_label.setVisible(bool(self.none_label.text()))
        self.add_button.setEnabled(usable and bool(self._controlnets) and len(self.rows) < MAX_UNITS)
        ip_usable = caps is None or caps.ip_adapter
        for w in (self.ip_combo, self.ip_file_button, self.ip_weight_spin):
            w.setEnabled(ip_usable)
        if not ip_usable:
            self.ip_note.setText(self.tr("{0} cannot take an image prompt: IP-Adapters work with SD 1.x and SDXL "
                                         "models.").format(self._model.title))
        else:
            self.ip_note.setText("" if self._ip_adapters else self.tr(
                "No IP-Adapter is installed: put an IP-Adapter .safetensors file with its image_encoder folder in "
                "your models folder."))
        self.ip_note.setVisible(bool(self.ip_note.text()))

    # -- units ---------------------------------------------------------------------------------------
    def add_unit(self, unit: ControlUnit | None = None) -> ControlUnitRow:
        row = ControlUnitRow(self)
        row.set_models(self._controlnets, self._model)
        if self._model is not None:  # the first ControlNet of the model's family
            fitting = [e for e in self._controlnets if not family_refusal(self._model, e)]
            if fitting:
                row.model_combo.setCurrentIndex(row.model_combo.findData(fitting[0].name))
        if unit is not None:
            row.set_unit(unit)
        row.remove_requested.connect(self.remove_unit)
        row.changed.connect(self.changed)
        self.rows.append(row)
        self.units_box.addWidget(row)
        self._update_state()
        self.changed.emit()
        return row

    def remove_unit(self, row: ControlUnitRow) -> None:
        if row in self.rows:
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()
        self._update_state()
        self.changed.emit()

    def clear_units(self) -> None:
        for row in list(self.rows):
            self.remove_unit(row)

    # -- the image prompt ------------------------------------------------------------------------------
    def _choose_ip_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Reference image"), "", self.tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)"))
        if path:
            self.set_ip_image(path)

    def set_ip_image(self, path: str) -> None:
        self.ip_image = path
        image = QImage(path) if path else QImage()
        if path and image.isNull():
            self.ip_image = ""
            self.ip_preview.setPixmap(QPixmap())
            self.ip_preview.setText(self.tr("unreadable"))
            return
        self.ip_preview.setText("" if path else self.tr("no image"))
        self.ip_preview.setPixmap(QPixmap.fromImage(image).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            if path else QPixmap())
        self.changed.emit()

    # -- specs ---------------------------------------------------------------------------------------------
    def spec_fields(self) -> dict[str, object]:
        """The ImageSpec fields of the panel (every spec the prompt editor makes carries them)."""
        self.ip_weight_spin.interpretText()
        return {"controls": tuple(row.unit() for row in self.rows), "ip_image": self.ip_image or None,
                "ip_weight": round(self.ip_weight_spin.value(), 3), "ip_adapter": str(self.ip_combo.currentData() or "")}

    def apply_spec(self, spec: ImageSpec) -> None:
        """Reuse parameters: the units and image prompt of ``spec``."""
        self.clear_units()
        for unit in spec.controls:
            self.add_unit(unit)
        self.ip_weight_spin.setValue(spec.ip_weight)
        index = self.ip_combo.findData(spec.ip_adapter)
        self.ip_combo.setCurrentIndex(max(0, index))
        self.set_ip_image(spec.ip_image if spec.ip_image and Path(spec.ip_image).is_file() else "")
