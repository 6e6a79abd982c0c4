"""Settings → Memory & speed: how image jobs spend device memory, and which speed mode they use."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo


class MemorySpeedPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.memory = ChoiceCombo([
            (self.tr("Automatic (from free GPU memory and the model's size)"), "auto"),
            (self.tr("None: everything on the GPU (fastest)"), "none"),
            (self.tr("VAE tiling + slicing (large images)"), "vae"),
            (self.tr("Model offload to RAM (6–8 GB GPUs, a little slower)"), "offload"),
            (self.tr("Sequential offload (least memory, much slower)"), "sequential")])
        self.memory.setObjectName("memory_mode")
        self.bind("memory_mode", self.tr("Memory mode"), self.memory, self.memory.value, self.memory.set_value,
                  self.memory.currentIndexChanged,
                  self.tr("Out of memory during an image: memory is freed and the image retried once in the "
                          "next lower mode. A job or the CLI (--memory-mode) may choose its own."))
        self.speed = ChoiceCombo([
            (self.tr("Off: SDPA attention only (the reference image)"), "off"),
            (self.tr("Channels-last layout (same image)"), "channels_last"),
            (self.tr("Fused QKV projections (image differs slightly)"), "fused_qkv"),
            (self.tr("torch.compile (first image slow; compiled once per model and size)"), "compile"),
            (self.tr("Feature cache (transformer models; faster, small quality cost)"), "cache")])
        self.speed.setObjectName("speed_mode")
        self.bind("speed_mode", self.tr("Speed mode"), self.speed, self.speed.value, self.speed.set_value,
                  self.speed.currentIndexChanged,
                  self.tr("A mode this device or model cannot do is refused with the reason. "
                          "The PNG records the modes used."))

    def page_title(self) -> str:
        return self.tr("Memory & speed")
