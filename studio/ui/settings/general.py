"""Settings → General: device, memory budget, offline mode, output folder, default upscaler."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QWidget

from studio.core.models.builtin_models import UPSCALERS
from studio.core.settings import DEVICES, MAX_MEMORY_BUDGET_GB
from studio.ui.settings.folder_edit import FolderEdit
from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo


class GeneralPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.device = QComboBox()
        self.device.setObjectName("device")
        self.device.setEditable(True)  # "cuda:1" for a second GPU
        self.device.addItems(DEVICES)
        self.bind("device", self.tr("Device"), self.device, self.device.currentText, self.device.setCurrentText,
                  self.device.currentTextChanged,
                  self.tr("auto picks a GPU when there is one. cuda:N chooses one of several GPUs."))

        self.memory = QDoubleSpinBox()
        self.memory.setObjectName("memory_budget_gb")
        self.memory.setRange(0.0, MAX_MEMORY_BUDGET_GB)
        self.memory.setDecimals(1)
        self.memory.setSingleStep(1.0)
        self.memory.setSuffix(self.tr(" GiB"))
        self.memory.setSpecialValueText(self.tr("Automatic (half of the free memory)"))
        self.bind("memory_budget_gb", self.tr("Memory budget"), self.memory, self.memory.value, self.memory.setValue,
                  self.memory.valueChanged,
                  self.tr("Loaded models are kept up to this size; the least recently used is unloaded first."))

        self.offline = QCheckBox(self.tr("Offline mode (no network connection; downloads disabled)"))
        self.offline.setObjectName("offline")
        self.bind("offline", self.tr("Network"), self.offline, self.offline.isChecked, self.offline.setChecked,
                  self.offline.toggled)

        self.output_dir = FolderEdit(str(context.paths.root / "outputs"))
        self.output_dir.setObjectName("output_dir")
        self.bind("output_dir", self.tr("Output folder"), self.output_dir, self.output_dir.text,
                  self.output_dir.setText, self.output_dir.textChanged,
                  self.tr("New images and other results are saved here (empty: the studio's own folder)."))

        installed = [(m.title, m.name) for m in context.models if m.task == "upscale" and m.usable]
        names = {info.name for info in UPSCALERS}
        choices = [(self.tr("Automatic (x4plus on a GPU, animevideov3 x4 on the CPU)"), "")]
        choices += [(info.name, info.name) for info in UPSCALERS]
        choices += [(title, name) for title, name in installed if name not in names]
        self.upscaler = ChoiceCombo(choices)
        self.upscaler.setObjectName("default_upscaler")
        self.bind("default_upscaler", self.tr("Default upscaler"), self.upscaler, self.upscaler.value,
                  self.upscaler.set_value, self.upscaler.currentIndexChanged,
                  self.tr("Used by Upscale (Ctrl+U) and for new images when “Upscale result” is on."))

    def page_title(self) -> str:
        return self.tr("General")
