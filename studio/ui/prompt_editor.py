"""The prompt editor: everything that makes an ImageSpec, and the buttons that queue it.

``generate_requested`` carries the list of specs to queue (one per batch item, seeds
seed, seed+1, ...). The seed field shows the seed last used, as A1111 does, so it can be copied or
locked to make that image again. Unlocked, each Generate draws a new random seed first, unless the user
chose one since (typed, the dice, reused parameters); locked, the field's seed is used every time.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Mapping

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout,
                               QLabel, QPlainTextEdit, QPushButton, QSizePolicy, QSpinBox, QToolButton,
                               QVBoxLayout, QWidget)

from studio.core.models.builtin_models import UPSCALERS, canonical_upscaler
from studio.core.errors import SpecError
from studio.core.models.families import caps_of, family_label
from studio.core.models.few_step import display_name, recommendation
from studio.core.i18n import _
from studio.core.models.caps import DIFFUSION_TYPES, entry_ignores, schedulers_for
from studio.core.models.match import ModelRef, find_installed, missing_message
from studio.core.models.recommended import recommended_image_spec, sampling_settings
from studio.core.models.registry import ModelEntry
from studio.core.specs.samplers import SPACING_LABELS
from studio.core.specs.base import MAX_STEPS, random_seed
from studio.core.specs.samplers import SCHEDULER_LABELS, SCHEDULERS, TIMESTEP_SPACINGS
from studio.core.specs.image import ImageSpec
from studio.core.specs.prompt_loras import with_tags
from studio.ui import theme
from studio.ui.icons import icon
from studio.ui.lora_picker import LoraPicker
from studio.ui.prompt_assist import PromptAssist
from studio.ui.prompt_highlighter import PromptHighlighter
from studio.ui.spin_boxes import SeedSpinBox, SizeSpinBox
from studio.ui.staged import Turns

MAX_BATCH = 64
PROMPT_MODEL_TYPES = DIFFUSION_TYPES  # what the text-to-image engine runs


class PromptEdit(QPlainTextEdit):
    """A multi-line prompt box with weight highlighting; Tab moves focus instead of inserting."""

    def __init__(self, lines: int, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.highlighter = PromptHighlighter(self.document(), theme.is_dark(self))
        self._lines = lines
        # The prompt takes the spare height; the negative prompt stays near its few lines.
        self.setSizePolicy(QSizePolicy.Policy.Expanding,
                           QSizePolicy.Policy.Expanding if lines > 3 else QSizePolicy.Policy.Preferred)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light/dark theme switched
            self.highlighter.set_dark(theme.is_dark(self))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = QFontMetrics(self.font()).lineSpacing()
        return QSize(super().sizeHint().width(), line * self._lines + 12)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(80, QFontMetrics(self.font()).lineSpacing() * 2 + 12)


class PromptEditor(QWidget):
    """Prompt, negative prompt, model, seed, steps, guidance, size, scheduler, upscaler and batch count."""

    generate_requested = Signal(list)  # list[ImageSpec]
    model_changed = Signal(str)  # the chosen model's name (or folder), e.g. for the canvas edit buttons
    cancel_requested = Signal()
    open_model_manager_requested = Signal()
    spec_applied = Signal(object)  # the ImageSpec "reuse parameters" filled the editor from (the Control dock too)

    def __init__(self, parent: QWidget | None = None, turns: Turns | None = None) -> None:
        """``turns``: the window's start-up turns (the vocabulary chips come a few a turn among them)."""
        super().__init__(parent)
        self.setObjectName("PromptEditor")
        self._models_known = False
        self._fields_family: str | None = None
        """The family whose settings the sampling fields hold (None before the first model is chosen)."""
        self.spec_extras: Callable[[], dict] = dict
        """More ImageSpec fields for every spec the editor makes (the Control dock's units and image prompt)."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        # Model picker, and what to do when there is none.
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("model_combo")
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(12)
        self.model_combo.activated.connect(lambda _i: self._apply_recommended(self.model()))
        self.model_combo.currentIndexChanged.connect(lambda _i: self._update_model_state())
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_switched())
        self._entries: dict[str, ModelEntry] = {}
        self.browse_model_button = QToolButton()
        self.browse_model_button.setText("…")
        self.browse_model_button.setToolTip(self.tr("Use a diffusers model folder from disk"))
        self.browse_model_button.clicked.connect(self._browse_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.browse_model_button)

        self.no_model_box = QFrame()
        self.no_model_box.setObjectName("no_model_box")
        self.no_model_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.no_model_box.setStyleSheet("#no_model_box { background: #fff4e5; border: 1px solid #f0b45c; "
                                        "border-radius: 4px; }")
        box = QVBoxLayout(self.no_model_box)
        self.no_model_label = QLabel(self.tr("No image model installed — open the model manager"))
        self.no_model_label.setWordWrap(True)
        self.no_model_label.setStyleSheet("color: #7a4a00;")
        self.open_manager_button = QPushButton(self.tr("Open model manager…"))
        self.open_manager_button.clicked.connect(self.open_model_manager_requested)
        box.addWidget(self.no_model_label)
        box.addWidget(self.open_manager_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.no_model_box.hide()
        self.scanning_label = QLabel(self.tr("Looking for models…"))
        self.scanning_label.setStyleSheet("color: gray;")

        self.prompt_edit = PromptEdit(5, self.tr("Describe the image… e.g. a lighthouse at dusk, (oil painting:1.2)"))
        self.prompt_edit.setObjectName("prompt_edit")
        self.lora_picker = LoraPicker(self.prompt_edit)
        self.lora_picker.lora_added.connect(self._apply_lora_recommended)  # an LCM-LoRA proposes LCM's settings
        self.assist = PromptAssist(self.prompt_edit, turns=turns)  # vocabulary chips, warnings, "Expand prompt"
        self.negative_edit = PromptEdit(3, self.tr("What to avoid… e.g. blurry, [text]"))
        self.negative_edit.setObjectName("negative_edit")

        self.width_spin = SizeSpinBox()
        self.width_spin.setObjectName("width_spin")
        self.height_spin = SizeSpinBox()
        self.height_spin.setObjectName("height_spin")
        self.swap_button = QToolButton()
        self.swap_button.setText("⇄")
        self.swap_button.setToolTip(self.tr("Swap width and height"))
        self.swap_button.clicked.connect(self._swap_size)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_spin, 1)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin, 1)
        size_row.addWidget(self.swap_button)

        self.steps_spin = QSpinBox()
        self.steps_spin.setObjectName("steps_spin")
        self.steps_spin.setRange(1, MAX_STEPS)
        self.guidance_spin = QDoubleSpinBox()
        self.guidance_spin.setObjectName("guidance_spin")
        self.guidance_spin.setRange(0.0, 50.0)
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setDecimals(1)
        steps_row = QHBoxLayout()
        steps_row.addWidget(self.steps_spin, 1)
        steps_row.addWidget(QLabel(self.tr("CFG")))
        steps_row.addWidget(self.guidance_spin, 1)

        self.scheduler_combo = QComboBox()
        self.scheduler_combo.setObjectName("scheduler_combo")
        for key in SCHEDULERS:
            self.scheduler_combo.addItem(SCHEDULER_LABELS.get(key, key), key)
        # Where the steps fall: Turbo/Lightning models are sampled with trailing timesteps.
        self.spacing_combo = QComboBox()
        self.spacing_combo.setObjectName("spacing_combo")
        self.spacing_combo.setToolTip(self.tr("Timestep spacing: where the steps fall (Turbo, Lightning and Hyper-SD "
                                              "models want trailing)"))
        for key in TIMESTEP_SPACINGS:
            self.spacing_combo.addItem(_(SPACING_LABELS[key]), key)
        sampler_row = QHBoxLayout()
        sampler_row.addWidget(self.scheduler_combo, 1)
        sampler_row.addWidget(self.spacing_combo, 1)

        # Small models (Studio Fashion draws 64 px) are pleasant on the canvas only when upscaled.
        self.upscale_combo = QComboBox()
        self.upscale_combo.setObjectName("upscale_combo")
        self.upscale_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.upscale_combo.setMinimumContentsLength(12)
        self.upscale_combo.setToolTip(self.tr("Upscale each new image after generating (the native image is "
                                              "kept beside it as *-native.png)"))
        self.upscale_combo.addItem(self.tr("None"), "")
        for info in UPSCALERS:
            self.upscale_combo.addItem(info.name.removeprefix("RealESRGAN "), info.name)
            self.upscale_combo.setItemData(self.upscale_combo.count() - 1, info.name, Qt.ItemDataRole.ToolTipRole)

        self.seed_spin = SeedSpinBox()
        self.seed_spin.setObjectName("seed_spin")
        self.seed_spin.setToolTip(self.tr("The seed of the last image (copy it, or lock it to make that image again)"))
        self.dice_button = QToolButton()
        self.dice_button.setIcon(icon("dice"))
        self.dice_button.setToolTip(self.tr("New random seed"))
        self.dice_button.clicked.connect(self.roll_seed)
        self._seed_used = False  # the shown seed was used by the last Generate (unlocked: draw anew next time)
        self.seed_spin.valueChanged.connect(lambda _v: setattr(self, "_seed_used", False))
        self.lock_button = QToolButton()
        self.lock_button.setCheckable(True)
        self.lock_button.toggled.connect(self._update_lock_icon)
        self._update_lock_icon(False)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.dice_button)
        seed_row.addWidget(self.lock_button)

        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batch_spin")
        self.batch_spin.setRange(1, MAX_BATCH)
        self.batch_spin.setToolTip(self.tr("How many images to queue; each gets the next seed"))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(self.tr("Model"), model_row)
        form.addRow(self.scanning_label)
        form.addRow(self.no_model_box)
        form.addRow(self.tr("Prompt"), self.prompt_edit)
        form.addRow("", self.assist)
        form.addRow(self.tr("LoRAs"), self.lora_picker)
        form.addRow(self.tr("Negative"), self.negative_edit)
        form.addRow(self.tr("Size"), size_row)
        form.addRow(self.tr("Steps"), steps_row)
        form.addRow(self.tr("Sampler"), sampler_row)
        form.addRow(self.tr("Upscale result"), self.upscale_combo)
        form.addRow(self.tr("Seed"), seed_row)
        form.addRow(self.tr("Batch"), self.batch_spin)
        outer.addLayout(form, 1)

        self.message_label = QLabel()
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        outer.addWidget(self.message_label)

        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setObjectName("generate_button")
        self.generate_button.setToolTip(self.tr("Queue the image (Ctrl+Enter)"))
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(32)
        self.generate_button.setStyleSheet("QPushButton#generate_button { font-weight: bold; }")
        self.generate_button.clicked.connect(self.queue)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setToolTip(self.tr("Cancel the running job (Esc)"))
        self.cancel_button.setMinimumHeight(32)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        outer.addLayout(buttons)

        self.apply_spec(ImageSpec(seed=random_seed()))
        self._update_model_state()

    # -- models ---------------------------------------------------------------------------
    def set_models(self, entries: Iterable[ModelEntry]) -> None:
        """Fill the picker with the usable text-to-image models; keep the current choice when possible."""
        entries = list(entries)
        self.lora_picker.set_loras(entries)
        current = self.model()
        self.model_combo.blockSignals(True)  # one model switch below, not one per item while the list fills
        self.model_combo.clear()
        self._entries = {}
        for e in entries:
            if e.usable and e.type in PROMPT_MODEL_TYPES:
                self._entries[e.name] = e
                self.model_combo.addItem(str(e.details.get("title") or e.name), e.name)
                self.model_combo.setItemData(self.model_combo.count() - 1, e.path, Qt.ItemDataRole.ToolTipRole)
        self.model_combo.blockSignals(False)
        first_models = not self._models_known
        self._models_known = True
        # Keep the choice if it is still listed, or is a folder picked from disk that still exists.
        if current and (self.model_combo.findData(current) >= 0 or Path(current).is_absolute()
                        and Path(current).exists()):
            self.set_model(current)
        elif first_models and self.model_combo.count():
            self._apply_recommended(self.model())
        self._model_switched()
        self._update_model_state()

    def _apply_recommended(self, name: str) -> None:
        """Use the settings a model recommends (studio models ship them in studio_model.json)."""
        entry = self._entries.get(name)
        details = entry.details if entry is not None else {}
        rec = details.get("recommended") or {}
        caps = caps_of(entry) if entry is not None else None
        family = entry.family if entry is not None else None
        crossed = family is not None and self._fields_family is not None and family != self._fields_family
        if family is not None:
            self._fields_family = family
        message = self.tr("Using the settings {0} recommends.").format(self.model_combo.currentText())
        if caps is not None and caps.flow:  # a 2024–26 family: its own steps, CFG and size (FLUX.1 schnell: its own)
            rec = rec or {"steps": caps.steps, "guidance": caps.cfg}
            details = {**details, "default_size": details.get("default_size") or caps.size}
        elif not rec and crossed and entry is not None and entry.type in DIFFUSION_TYPES:
            # Another family's settings (FLUX.1's 1024 px, CFG 3.5) would not suit this one: its usual ones,
            # as the CLI takes them (a choice made within one family is kept).
            usual = recommended_image_spec(entry, "", 0)
            rec = {"steps": usual.steps, "guidance": usual.guidance, "scheduler": usual.scheduler}
            details = {**details, "default_size": details.get("default_size") or usual.width}
            message = self.tr("Using the usual settings for {0} models.").format(family_label(entry.family))
        # The upscaler follows the model: a 512 px model chosen after Studio Fashion is not upscaled ×4.
        self.set_upscaler(str(rec.get("upscale") or ""))
        if not rec and not details.get("default_size"):
            return
        self._apply_sampling(rec)
        size = details.get("default_size")
        if isinstance(size, int) and size > 0:
            self.width_spin.setValue(size)  # snapped into the allowed range
            self.height_spin.setValue(size)
        self.show_message(message)

    def _apply_sampling(self, rec: Mapping[str, object]) -> None:
        """Steps, CFG, sampler and timestep spacing from a recommendation (what it states only)."""
        values = sampling_settings(rec)
        if "steps" in values:
            self.steps_spin.setValue(values["steps"])
        if "guidance" in values:
            self.guidance_spin.setValue(values["guidance"])
        index = self.scheduler_combo.findData(values.get("scheduler"))
        if index >= 0:
            self.scheduler_combo.setCurrentIndex(index)
        index = self.spacing_combo.findData(values.get("timestep_spacing"))
        if index >= 0:
            self.spacing_combo.setCurrentIndex(index)

    def _apply_lora_recommended(self, entry: ModelEntry) -> None:
        """A few-step LoRA added from the picker (LCM-LoRA, Lightning, Hyper-SD…) sets what it recommends."""
        source, rec = recommendation([entry])
        if source is None:
            return
        self._apply_sampling(rec)
        self.show_message(self.tr("Using the settings {0} recommends.").format(display_name(source)))

    def model_entry(self) -> ModelEntry | None:
        """The registry entry of the chosen model (None for a folder picked from disk)."""
        return self._entries.get(self.model())

    def _model_switched(self) -> None:
        self._offer_samplers(self.model_entry())
        self.assist.set_model(self.model_entry())
        self.prompt_edit.setPlaceholderText(self.assist.placeholder())
        self.model_changed.emit(self.model())

    def _offer_samplers(self, entry: ModelEntry | None) -> None:
        """Only the samplers that work with ``entry`` (no Karras sigmas on a cosine schedule)."""
        current = self.scheduler_combo.currentData()
        offered = schedulers_for(entry)
        if [self.scheduler_combo.itemData(i) for i in range(self.scheduler_combo.count())] == list(offered):
            return
        self.scheduler_combo.blockSignals(True)
        self.scheduler_combo.clear()
        for key in offered:
            self.scheduler_combo.addItem(SCHEDULER_LABELS.get(key, key), key)
        self.scheduler_combo.blockSignals(False)
        index = self.scheduler_combo.findData(current)
        self.scheduler_combo.setCurrentIndex(max(0, index))
        hidden = [SCHEDULER_LABELS.get(k, k) for k in SCHEDULERS if k not in offered]
        self.scheduler_combo.setToolTip(self.tr("Not offered for this model: {0}").format(", ".join(hidden))
                                        if hidden else "")

    def upscaler(self) -> str:
        """The upscaler run on each new image ('' for none)."""
        return str(self.upscale_combo.currentData() or "")

    def set_upscaler(self, name: str) -> None:
        """Choose ``name`` (built-ins by short name too, e.g. "animevideov3-x4"); '' for none."""
        name = canonical_upscaler(name) if name else ""
        index = self.upscale_combo.findData(name)
        if index < 0:  # the user's own upscaler, from a reused image
            self.upscale_combo.addItem(Path(name).name, name)
            index = self.upscale_combo.count() - 1
        self.upscale_combo.setCurrentIndex(index)

    def model(self) -> str:
        """The chosen model's name (or folder path for one picked from disk); '' when none."""
        data = self.model_combo.currentData()
        return str(data) if data else ""

    def set_model(self, name_or_path: str) -> None:
        """Select ``name_or_path``; a model not in the list is added (reuse of an older image)."""
        if not name_or_path:
            return
        index = self.model_combo.findData(name_or_path)
        if index < 0:  # the same model may be listed under its name while the spec has its path
            for i in range(self.model_combo.count()):
                if self.model_combo.itemData(i, Qt.ItemDataRole.ToolTipRole) == name_or_path:
                    index = i
                    break
        if index < 0:
            label = Path(name_or_path).name if ("/" in name_or_path or "\\" in name_or_path) else name_or_path
            self.model_combo.addItem(label, name_or_path)
            self.model_combo.setItemData(self.model_combo.count() - 1, name_or_path, Qt.ItemDataRole.ToolTipRole)
            index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)
        self._update_model_state()

    def _update_model_state(self) -> None:
        entry = self._entries.get(self.model())
        self.lora_picker.set_model(entry)
        self._offer_inputs(entry_ignores(entry))
        has = self.model_combo.count() > 0
        self.scanning_label.setVisible(not self._models_known and not has)
        self.model_combo.setVisible(has)
        self.no_model_box.setVisible(self._models_known and not has)
        self.generate_button.setEnabled(has)

    def _offer_inputs(self, ignored: frozenset[str]) -> None:
        """Disable the inputs the chosen model takes no notice of (an unconditional DDPM), saying why."""
        why = self.tr("This model draws without a prompt, at its own size (unconditional): only the seed, "
                      "steps and sampler change its images")
        # A family without a negative prompt or CFG (FLUX.1, SANA-Sprint) says so on that field alone.
        partial = {"negative_prompt": self.tr("This model takes no negative prompt"),
                   "guidance": self.tr("This model's guidance is distilled into it: CFG changes nothing"),
                   "timestep_spacing": self.tr("This model is flow-matching: it runs its own scheduler, which has "
                                               "no timestep spacing to choose")}
        for name, widgets in (("prompt", (self.prompt_edit,)), ("negative_prompt", (self.negative_edit,)),
                              ("guidance", (self.guidance_spin,)), ("loras", (self.lora_picker,)),
                              ("size", (self.width_spin, self.height_spin, self.swap_button)),
                              ("timestep_spacing", (self.spacing_combo,))):
            for w in widgets:
                if w.property("offered_tip") is None:
                    w.setProperty("offered_tip", w.toolTip())
                w.setEnabled(name not in ignored)
                tip = why if "prompt" in ignored else partial.get(name, why)
                w.setToolTip(tip if name in ignored else str(w.property("offered_tip")))
        # A greyed spacing box shows what runs (the model's own); the person's choice returns with an SD model.
        spacing = self.spacing_combo
        if "timestep_spacing" in ignored and spacing.currentIndex() > 0:
            spacing.setProperty("offered_index", spacing.currentIndex())
            spacing.setCurrentIndex(0)
        elif "timestep_spacing" not in ignored and spacing.property("offered_index") is not None:
            spacing.setCurrentIndex(int(spacing.property("offered_index")))
            spacing.setProperty("offered_index", None)
        # A greyed negative field says why in its placeholder too (FLUX.1), where a tooltip is not seen.
        negative_tip = partial["negative_prompt"]
        if self.negative_edit.property("offered_placeholder") is None:
            self.negative_edit.setProperty("offered_placeholder", self.negative_edit.placeholderText())
        self.negative_edit.setPlaceholderText(
            (why if "prompt" in ignored else negative_tip) if "negative_prompt" in ignored
            else str(self.negative_edit.property("offered_placeholder")))
        placeholder = self.prompt_edit.placeholderText()
        if "prompt" in ignored and placeholder != why:
            self.prompt_edit.setProperty("offered_placeholder", placeholder)
            self.prompt_edit.setPlaceholderText(why)
        elif "prompt" not in ignored and placeholder == why:  # put back what was there (set by others)
            self.prompt_edit.setPlaceholderText(str(self.prompt_edit.property("offered_placeholder") or ""))

    def _browse_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a diffusers model folder"))
        if folder:
            self.set_model(folder)

    # -- seed -------------------------------------------------------------------------------
    def roll_seed(self) -> None:
        self.seed_spin.set_seed(random_seed())

    def mark_seed_used(self) -> None:
        """The shown seed has been used: an unlocked seed is drawn anew at the next Generate."""
        self._seed_used = True

    def seed_locked(self) -> bool:
        return self.lock_button.isChecked()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # icons are drawn in the theme's ink
            self.dice_button.setIcon(icon("dice"))
            self._update_lock_icon(self.lock_button.isChecked())

    def _update_lock_icon(self, locked: bool) -> None:
        self.lock_button.setIcon(icon("lock" if locked else "unlock"))
        self.lock_button.setToolTip(self.tr("Seed locked: every Generate uses this seed (click to unlock)") if locked
                                    else self.tr("Seed unlocked: each Generate draws a new random seed; the field "
                                                 "shows the last one used (click to lock it)"))

    def _swap_size(self) -> None:
        w, h = self.width_spin.value(), self.height_spin.value()
        self.width_spin.setValue(h)
        self.height_spin.setValue(w)

    # -- specs ------------------------------------------------------------------------------
    def spec(self) -> ImageSpec:
        """The ImageSpec the fields describe (not validated)."""
        # Commit a value still being typed in a spin box (e.g. "100" before Enter) first.
        for spin in (self.width_spin, self.height_spin, self.steps_spin, self.guidance_spin, self.seed_spin,
                     self.batch_spin):
            spin.interpretText()
        return ImageSpec(
            prompt=self.prompt_edit.toPlainText(), negative_prompt=self.negative_edit.toPlainText(),
            model=self.model(), seed=self.seed_spin.seed(), steps=self.steps_spin.value(),
            guidance=round(self.guidance_spin.value(), 2), width=self.width_spin.value(),
            height=self.height_spin.value(), scheduler=str(self.scheduler_combo.currentData()),
            timestep_spacing=self.timestep_spacing(), upscale=self.upscaler(),
            **self.spec_extras())

    def timestep_spacing(self) -> str:
        """The chosen timestep spacing; "" (the model's own) for a model whose scheduler has none (flow-matching)."""
        if "timestep_spacing" in entry_ignores(self.model_entry()):
            return ""
        return str(self.spacing_combo.currentData() or "")

    def batch_specs(self) -> list[ImageSpec]:
        """One spec per batch item, seeds seed, seed+1, ... (wrapping at 2**32)."""
        base = self.spec()
        return [base.replace(seed=(base.seed + i) % 2**32) for i in range(self.batch_spin.value())]

    def apply_spec(self, spec: ImageSpec, ref: ModelRef | None = None) -> None:
        """Fill every field from ``spec`` (reuse parameters). ``ref``: how the image names its model (an
        A1111 PNG's name and hash); the installed model with that hash, else that name, is chosen."""
        self.prompt_edit.setPlainText(with_tags(spec.prompt, spec.loras))  # LoRAs as A1111 shows them
        self.negative_edit.setPlainText(spec.negative_prompt)
        missing = ""
        if spec.model:
            model, missing = self._installed_model(spec.model, ref)
            self.set_model(model)
        self.seed_spin.set_seed(spec.seed)
        self.steps_spin.setValue(spec.steps)
        self.guidance_spin.setValue(spec.guidance)
        self.width_spin.setValue(spec.width)
        self.height_spin.setValue(spec.height)
        index = self.scheduler_combo.findData(spec.scheduler)
        if index >= 0:
            self.scheduler_combo.setCurrentIndex(index)
        self.spacing_combo.setCurrentIndex(max(0, self.spacing_combo.findData(spec.timestep_spacing)))
        if not spec.init_image:  # an edit's spec never carries one; keep the editor's choice then
            self.set_upscaler(spec.upscale)
        self.show_message(missing, error=bool(missing))
        self.spec_applied.emit(spec)

    def _installed_model(self, name: str, ref: ModelRef | None) -> tuple[str, str]:
        """(the model to select for an image's ``name``, "" or why it is missing)."""
        if name in self._entries or (Path(name).is_absolute() and Path(name).exists()) or not self._models_known:
            return name, ""
        ref = ref if ref is not None and (ref.name or ref.hash) else ModelRef(name=name)
        found = find_installed(ref, self._entries.values())
        if found is not None:
            return found.name, ""
        return name, missing_message(ref)

    def missing_model(self) -> str:
        """Why the chosen model cannot be used ("" when it is installed or a folder picked from disk)."""
        name = self.model()
        if not name or not self._models_known or name in self._entries:
            return ""
        if Path(name).is_absolute() and Path(name).exists():
            return ""
        return missing_message(ModelRef(name=name))

    def queue(self) -> bool:
        """Validate and emit ``generate_requested``; False (with a message shown) when invalid."""
        if self.model_combo.count() == 0:
            self.show_message(self.tr("No image model installed — open the model manager"), error=True)
            return False
        missing = self.missing_model()
        if missing:  # say so now, not after the job fails
            self.show_message(missing, error=True)
            return False
        if self._seed_used and not self.seed_locked():
            self.roll_seed()  # a new image; the field then shows the seed this press uses
        specs = self.batch_specs()
        try:
            warnings = specs[0].validate()
        except SpecError as exc:
            self.show_message(str(exc), error=True)
            return False
        self.show_message(" ".join(warnings))
        self.generate_requested.emit(specs)
        self.mark_seed_used()
        return True

    def show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(theme.css("error" if error else "warning", self))
        self.message_label.setVisible(bool(text))
