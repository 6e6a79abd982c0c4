"""The Training workspace's settings form: family, dataset, base model, hyper-parameters, output name.

Each family has defaults that train something recognisable on the bundled datasets
(``studio.core.models.training_families``, which the trainers and the CLI read too); choosing a family
applies them. Family-specific options (LoRA rank, VAE β, …) go into ``TrainSpec.params``.
The form never imports the engines: every family is listed, and a family whose trainer is not
installed fails as a job with a clear message.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Sequence

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from studio.core import datasets_info
from studio.core.errors import SpecError
from studio.core.models.families import PIPELINE_TYPES, caps_of
from studio.core.i18n import _
from studio.core.models.registry import TEXT_TYPES, ModelEntry
from studio.core.specs.training import TrainSpec
from studio.core.models.training_families import CHOICE_LABELS, COMMON_DEFAULTS, FAMILIES, Family, family
from studio.ui.spin_boxes import SeedSpinBox
from studio.ui.staged import finish

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._ -]{0,79}"
FOLDER_ITEM = "__folder__"
# Base models a LoRA can be trained on (the registry's types).
LM_BASE_TYPES = TEXT_TYPES  # a GGUF base is trained on a de-quantised copy (the form says so)
UNDERSTAND_BASE_TYPES = ("masked_lm", "text_classifier", "causal_lm", "gguf")  # a classifier's starting point


class TrainingForm(QWidget):
    """Everything a TrainSpec needs; ``spec()`` builds it (SpecError with a message when incomplete)."""

    changed = Signal()
    preview_requested = Signal()
    make_dataset_requested = Signal()

    def __init__(self, parent: QWidget | None = None, later: bool = False) -> None:
        """``later``: build only the frame now; the generator :attr:`parts` builds the rest, a part per ``next()``."""
        super().__init__(parent)
        self._models: list[ModelEntry] = []
        self._extra_widgets: dict[str, QWidget] = {}
        self._folder = ""
        self.parts = self._build()
        if not later:
            finish(self.parts)

    def _build(self) -> Iterator[None]:
        """The form in four parts (a few ms each)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        what = QGroupBox(self.tr("What to train"))
        form = QFormLayout(what)
        self.family_combo = QComboBox()
        self.family_combo.setObjectName("family_combo")
        for f in FAMILIES:
            self.family_combo.addItem(_(f.title), f.key)
            self.family_combo.setItemData(self.family_combo.count() - 1, _(f.description),
                                          role=Qt.ItemDataRole.ToolTipRole)
        self.family_combo.setToolTip(self.tr("The kind of model to train"))
        form.addRow(self.tr("Family"), self.family_combo)
        self.family_note = QLabel()
        self.family_note.setWordWrap(True)
        self.family_note.setObjectName("family_note")
        form.addRow(self.family_note)

        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("dataset_combo")
        self.dataset_combo.setToolTip(self.tr("A bundled dataset, or your own folder of images "
                                              "(captions in same-name .txt files)"))
        self.browse_button = QToolButton()
        self.browse_button.setText("…")
        self.browse_button.setToolTip(self.tr("Choose a folder of images (or a text file for a language-model LoRA)"))
        self.browse_button.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(self.browse_button)
        form.addRow(self.tr("Dataset"), row)
        self.flip_check = QCheckBox(self.tr("Random horizontal flips"))
        self.flip_check.setToolTip(self.tr("Also train on mirrored images (doubles a small folder; "
                                           "avoid for text or asymmetric subjects)"))
        form.addRow("", self.flip_check)
        self.preview_button = QPushButton(self.tr("Preview dataset"))
        self.preview_button.setObjectName("preview_button")
        self.preview_button.setToolTip(self.tr("Show a grid of the dataset's images before training"))
        self.preview_button.clicked.connect(self.preview_requested)
        self.make_dataset_button = QPushButton(self.tr("Make a dataset with a model…"))
        self.make_dataset_button.setObjectName("make_dataset_button")
        self.make_dataset_button.setToolTip(self.tr("Data augmentation: generate captioned images with a model "
                                                    "you have into a new dataset folder, then train on it"))
        self.make_dataset_button.clicked.connect(self.make_dataset_requested)
        form.addRow("", self.preview_button)
        form.addRow("", self.make_dataset_button)  # its own row: the panel stays narrow

        self.base_label = QLabel(self.tr("Base model"))
        self.base_combo = QComboBox()
        self.base_combo.setObjectName("base_combo")
        self.base_combo.setEditable(True)
        self.base_combo.setToolTip(self.tr("The model the LoRA adapts (a name from the model list or a folder)"))
        form.addRow(self.base_label, self.base_combo)
        self.base_note = QLabel(self.tr("A GGUF base is trained on a de-quantised float32 copy, made once (about 4 to "
                                        "8 times the file's size, in memory and on disk). Generating with the GGUF "
                                        "itself runs it natively with llama.cpp."))
        self.base_note.setObjectName("base_note")
        self.base_note.setWordWrap(True)
        self.base_note.hide()
        form.addRow("", self.base_note)
        self.out_edit = QLineEdit()
        self.out_edit.setObjectName("out_edit")
        self.out_edit.setValidator(QRegularExpressionValidator(QRegularExpression(NAME_PATTERN), self))
        self.out_edit.setPlaceholderText(self.tr("e.g. my-fashion-gan"))
        self.out_edit.setToolTip(self.tr("Name of the trained model in your models folder; checkpoints go to "
                                         "the training folder under the same name"))
        form.addRow(self.tr("Output name"), self.out_edit)
        layout.addWidget(what)
        yield

        hyper = QGroupBox(self.tr("Hyper-parameters"))
        hform = QFormLayout(hyper)
        self.steps_spin = self._int(1, 10_000_000, self.tr("Optimisation steps in total (one batch each)"))
        self.batch_spin = self._int(1, 4096, self.tr("Images per step: larger is smoother and uses more memory"))
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 1.0)
        self.lr_spin.setSingleStep(1e-4)
        self.lr_spin.setToolTip(self.tr("Learning rate: how far each step moves the weights; too high diverges"))
        self.size_combo = QComboBox()
        self.size_combo.setToolTip(self.tr("Training resolution in pixels (images are centre-cropped and resized)"))
        self.seed_spin = SeedSpinBox()
        self.seed_spin.setToolTip(self.tr("Seed for initial weights, batches and the fixed sample noise: the "
                                          "same seed repeats a run exactly"))
        self.sample_spin = self._int(0, 1_000_000, self.tr("Show a sample grid every N steps (0: never)"))
        self.ckpt_spin = self._int(0, 1_000_000, self.tr("Save a checkpoint every N steps (0: only at the end "
                                                         "or on cancel); Resume continues from it"))
        self.log_spin = self._int(1, 100_000, self.tr("Average the losses over N steps for each point of the plot"))
        self.fid_spin = self._int(0, 1_000_000, self.tr("Every N steps, measure FID and KID (CLIP features) of the "
                                                        "samples against the training data and plot them beside "
                                                        "the loss (0: never; needs a CLIP model)"))
        self.fid_spin.setObjectName("fid_every")
        for label, w in ((self.tr("Steps"), self.steps_spin), (self.tr("Batch size"), self.batch_spin),
                         (self.tr("Learning rate"), self.lr_spin), (self.tr("Resolution"), self.size_combo),
                         (self.tr("Seed"), self.seed_spin), (self.tr("Samples every"), self.sample_spin),
                         (self.tr("Checkpoint every"), self.ckpt_spin), (self.tr("Plot every"), self.log_spin),
                         (self.tr("FID/KID every"), self.fid_spin)):
            hform.addRow(label, w)
        self.fid_label = hform.labelForField(self.fid_spin)
        self.size_label = hform.labelForField(self.size_combo)
        layout.addWidget(hyper)
        yield

        self.extras_box = QGroupBox(self.tr("Family options"))
        self.extras_form = QFormLayout(self.extras_box)
        layout.addWidget(self.extras_box)
        self.params_edit = QLineEdit()
        self.params_edit.setObjectName("params_edit")
        self.params_edit.setPlaceholderText('{"channels": [32, 64]}')
        self.params_edit.setToolTip(self.tr("Advanced: more trainer options as JSON (they override the fields above)"))
        adv = QFormLayout()
        adv.addRow(self.tr("Extra (JSON)"), self.params_edit)
        layout.addLayout(adv)
        layout.addStretch(1)

        self.sample_spin.setValue(100)
        self.ckpt_spin.setValue(500)
        self.log_spin.setValue(10)
        for combo in (self.family_combo, self.dataset_combo, self.base_combo, self.size_combo):
            # Long folder paths and model names must not widen the form beyond its panel.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.family_combo.currentIndexChanged.connect(self._on_family)
        self.dataset_combo.activated.connect(self._on_dataset_activated)
        for w in (self.dataset_combo, self.base_combo, self.size_combo):
            w.currentIndexChanged.connect(self.changed)
        self.out_edit.textChanged.connect(self.changed)
        self.base_combo.currentTextChanged.connect(self._update_base_note)
        yield
        self.set_family("gan")
        self._on_family()

    def _int(self, lo: int, hi: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setToolTip(tip)
        spin.setAccelerated(True)
        return spin

    # -- family --------------------------------------------------------------------------------
    def family(self) -> Family:
        return family(str(self.family_combo.currentData()))

    def set_family(self, key: str) -> None:
        self.family_combo.setCurrentIndex(max(0, self.family_combo.findData(key)))

    def _on_family(self) -> None:
        """Apply the family's defaults (dataset kind, hyper-parameters, options)."""
        f = self.family()
        self.family_note.setText(_(f.description))
        self.steps_spin.setValue(f.steps)
        self.batch_spin.setValue(f.batch)
        self.lr_spin.setValue(f.lr)
        self.size_combo.clear()
        for s in f.sizes:
            self.size_combo.addItem(f"{s} px", s)
        self.size_combo.setCurrentIndex(max(0, self.size_combo.findData(f.size)))
        self.size_combo.setVisible(bool(f.sizes))
        if self.size_label is not None:
            self.size_label.setVisible(bool(f.sizes))
        self.flip_check.setVisible(not f.text_data)
        self.fid_spin.setVisible(not f.text_data)
        self.fid_label.setVisible(not f.text_data)
        self.base_label.setVisible(bool(f.needs_base))
        self.base_combo.setVisible(bool(f.needs_base))
        self._fill_datasets(f)
        self._fill_base()
        self._update_base_note()
        self._fill_extras(f)
        if not self.out_edit.text() or re.fullmatch(r"my-[a-z0-9_]+", self.out_edit.text()):
            self.out_edit.setText(f"my-{f.key.replace('_', '-')}")
        self.changed.emit()

    def _fill_datasets(self, f: Family) -> None:
        current = self.dataset()
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        if not f.text_data:
            model = self.dataset_combo.model()
            for d in datasets_info.BUNDLED:
                reason = datasets_info.unavailable_reason(d.name)
                self.dataset_combo.addItem(_(d.title), d.name)
                i = self.dataset_combo.count() - 1
                self.dataset_combo.setItemData(i, reason or _(d.description), role=Qt.ItemDataRole.ToolTipRole)
                if reason:  # listed, greyed out, with what to install in the tooltip
                    model.item(i).setEnabled(False)
        if self._folder:
            self.dataset_combo.addItem(self._folder, self._folder)
        self.dataset_combo.addItem(self.tr("Choose a folder…") if not f.text_data else self.tr("Choose a file…"),
                                   FOLDER_ITEM)
        keep = current if self.dataset_combo.findData(current) >= 0 and current != FOLDER_ITEM else f.dataset
        i = self.dataset_combo.findData(keep)
        if i < 0 or not self.dataset_combo.model().item(i).isEnabled():
            i = next((j for j in range(self.dataset_combo.count())
                      if self.dataset_combo.model().item(j).isEnabled()), 0)
        self.dataset_combo.setCurrentIndex(i)
        self.dataset_combo.blockSignals(False)

    def _on_dataset_activated(self, index: int) -> None:
        if self.dataset_combo.itemData(index) == FOLDER_ITEM:
            self._browse()

    def _browse(self) -> None:
        if self.family().text_data:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Training text"), "",
                                                  self.tr("Text, JSONL or CSV (*.txt *.jsonl *.json *.csv *.tsv)"))
        else:
            path = QFileDialog.getExistingDirectory(self, self.tr("Folder of training images"))
        if path:
            self.set_dataset(path)
        elif self.dataset() == FOLDER_ITEM:
            self.dataset_combo.setCurrentIndex(0)

    def set_dataset(self, name_or_path: str) -> None:
        """Select a bundled dataset by name, or add and select a folder / file path."""
        i = self.dataset_combo.findData(name_or_path)
        if i < 0:
            self._folder = name_or_path
            self.dataset_combo.insertItem(self.dataset_combo.count() - 1, name_or_path, name_or_path)
            i = self.dataset_combo.findData(name_or_path)
        self.dataset_combo.setCurrentIndex(i)

    def dataset(self) -> str:
        return str(self.dataset_combo.currentData() or "")

    # -- base models ---------------------------------------------------------------------------
    def set_models(self, models: Sequence[ModelEntry]) -> None:
        """The entries of a model scan; LoRA families pick their base from them."""
        self._models = list(models)
        self._fill_base()
        self._update_base_note()

    def models(self) -> list[ModelEntry]:
        """The models of the last scan."""
        return list(self._models)

    def _fill_base(self) -> None:
        need = self.family().needs_base
        types = {"image": PIPELINE_TYPES, "text": LM_BASE_TYPES, "understand": UNDERSTAND_BASE_TYPES}.get(need, ())
        current = self.base_combo.currentText()
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        for m in self._models:
            if m.type in types and m.usable and (need != "image" or caps_of(m).train_base):
                self.base_combo.addItem(m.title, m.name)  # the capability table says which are LoRA training bases
        if current:
            i = self.base_combo.findText(current)
            if i >= 0:
                self.base_combo.setCurrentIndex(i)
            else:
                self.base_combo.setEditText(current)
        self.base_combo.blockSignals(False)

    def _update_base_note(self, *_args: object) -> None:
        """Show the de-quantising note while the chosen base model is a GGUF file."""
        name = self.base()
        entry = next((m for m in self._models if getattr(m, "name", None) == name), None)
        gguf = getattr(entry, "type", "") == "gguf" or name.lower().endswith(".gguf")
        self.base_note.setVisible(bool(self.family().needs_base) and gguf)

    def base(self) -> str:
        text = self.base_combo.currentText().strip()
        i = self.base_combo.findText(text)
        return str(self.base_combo.itemData(i)) if i >= 0 and self.base_combo.itemData(i) else text

    # -- extras --------------------------------------------------------------------------------
    def _fill_extras(self, f: Family) -> None:
        while self.extras_form.rowCount():
            self.extras_form.removeRow(0)
        self._extra_widgets = {}
        for e in f.extras:
            w: QWidget
            if e.choices:
                w = QComboBox()
                for choice in e.choices:
                    w.addItem(_(CHOICE_LABELS[choice]) if choice in CHOICE_LABELS else choice, choice)
                w.setCurrentIndex(max(0, w.findData(e.default)))
            elif isinstance(e.default, bool):
                w = QCheckBox()
                w.setChecked(e.default)
            elif isinstance(e.default, str):
                w = QLineEdit(e.default)
            elif isinstance(e.default, float):
                w = QDoubleSpinBox()
                w.setDecimals(3)
                w.setRange(e.lo, e.hi)
                w.setSingleStep(0.05)
                w.setValue(e.default)
            else:
                w = QSpinBox()
                w.setRange(int(e.lo), int(e.hi))
                w.setValue(int(e.default))
            w.setToolTip(_(e.tooltip))
            self._extra_widgets[e.key] = w
            self.extras_form.addRow(_(e.label), w)
        self.extras_box.setVisible(bool(f.extras))

    def extra(self, key: str) -> QWidget:
        return self._extra_widgets[key]

    # -- the spec ------------------------------------------------------------------------------
    def out_name(self) -> str:
        return self.out_edit.text().strip()

    def params(self) -> dict[str, object]:
        """Family options + log interval + flips + the advanced JSON (which wins)."""
        f = self.family()
        params: dict[str, object] = {"log_every": self.log_spin.value()}
        if self.fid_spin.value() and not f.text_data:
            params["fid_every"] = self.fid_spin.value()
        if self.flip_check.isChecked() and not f.text_data:
            params["flip"] = True
        for key, w in self._extra_widgets.items():
            if isinstance(w, QCheckBox):
                params[key] = w.isChecked()
            elif isinstance(w, QComboBox):
                params[key] = w.currentData()
            elif isinstance(w, QLineEdit):
                if w.text().strip():
                    params[key] = w.text().strip()
            else:
                params[key] = w.value()
            if key in COMMON_DEFAULTS and params.get(key) == COMMON_DEFAULTS[key]:
                del params[key]  # a shared option at its default stays out of the spec (as in older specs)
        raw = self.params_edit.text().strip()
        if raw:
            try:
                extra = json.loads(raw)
            except ValueError as exc:
                raise SpecError(f"Extra parameters are not valid JSON ({exc.msg}).") from exc
            if not isinstance(extra, dict):
                raise SpecError('Extra parameters must be a JSON object, e.g. {"channels": [32, 64]}.')
            params.update(extra)
        return params

    def spec(self, resume: str = "") -> TrainSpec:
        """The TrainSpec the form describes (validated; SpecError says what is missing)."""
        f = self.family()
        data = self.dataset()
        if not data or data == FOLDER_ITEM:
            raise SpecError("Choose a dataset: a bundled one or a folder of images.")
        if datasets_info.bundled(data) is None and not Path(data).expanduser().exists():
            raise SpecError(f"The dataset {data} does not exist.")
        out = self.out_name()
        if not re.fullmatch(NAME_PATTERN, out):
            raise SpecError("Give the trained model a name (letters, digits, '-', '_', '.').")
        if f.needs_base and not self.base():
            raise SpecError("Choose the base model the LoRA adapts.")
        spec = TrainSpec(family=f.key, data=data, out=out, steps=self.steps_spin.value(),
                         batch=self.batch_spin.value(), lr=float(self.lr_spin.value()),
                         size=int(self.size_combo.currentData() or 0) or TrainSpec.size,
                         base=self.base() if f.needs_base else "", resume=resume, seed=self.seed_spin.seed(),
                         sample_every=self.sample_spin.value(), checkpoint_every=self.ckpt_spin.value(),
                         params=self.params())
        spec.validate()
        return spec

    def apply_spec(self, spec: TrainSpec) -> None:
        """Fill the form from a spec (e.g. the job being resumed)."""
        self.set_family(spec.family)
        self.set_dataset(spec.data)
        if spec.base:
            self.base_combo.setEditText(spec.base)
        self.out_edit.setText(spec.out)
        self.steps_spin.setValue(spec.steps)
        self.batch_spin.setValue(spec.batch)
        self.lr_spin.setValue(spec.lr)
        i = self.size_combo.findData(spec.size)
        if i >= 0:
            self.size_combo.setCurrentIndex(i)
        self.seed_spin.set_seed(spec.seed)
        self.sample_spin.setValue(spec.sample_every)
        self.ckpt_spin.setValue(spec.checkpoint_every)
        params = dict(spec.params or {})
        self.log_spin.setValue(int(params.pop("log_every", self.log_spin.value())))
        self.flip_check.setChecked(bool(params.pop("flip", False)))
        self.fid_spin.setValue(int(params.pop("fid_every", 0) or 0))
        fam = self.family()
        for key, w in self._extra_widgets.items():
            value = params.pop(key) if key in params else fam.default(key)  # left out: at its default
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(str(value))))
            elif isinstance(w, QLineEdit):
                w.setText(str(value))
            else:
                w.setValue(value)
        self.params_edit.setText(json.dumps(params) if params else "")
