"""Settings → Text models: how llama.cpp runs GGUF files (context length, layers offloaded to the GPU)."""
from __future__ import annotations

from PySide6.QtWidgets import QSpinBox, QWidget

from studio.core.settings import GGUF_AUTO_CONTEXT, MAX_GGUF_CONTEXT, MAX_GGUF_GPU_LAYERS
from studio.ui.settings.page import SettingsContext, SettingsPage


class TextModelsPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.context_length = QSpinBox()
        self.context_length.setObjectName("gguf_context_length")
        self.context_length.setRange(0, MAX_GGUF_CONTEXT)
        self.context_length.setSingleStep(512)
        self.context_length.setSpecialValueText(self.tr("auto"))
        self.context_length.setSuffix(self.tr(" tokens"))
        self.bind("gguf_context_length", self.tr("Context length (GGUF)"), self.context_length,
                  self.context_length.value, self.context_length.setValue, self.context_length.valueChanged,
                  self.tr("How much text a GGUF model reads at once (prompt, chat and answer). auto: the model's "
                          "own, at most {0} tokens. Longer costs memory for every token; longer than the model "
                          "was trained for is refused.").format(GGUF_AUTO_CONTEXT))
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setObjectName("gguf_gpu_layers")
        self.gpu_layers.setRange(-1, MAX_GGUF_GPU_LAYERS)
        self.gpu_layers.setSpecialValueText(self.tr("auto"))
        self.bind("gguf_gpu_layers", self.tr("GPU offload layers (GGUF)"), self.gpu_layers, self.gpu_layers.value,
                  self.gpu_layers.setValue, self.gpu_layers.valueChanged,
                  self.tr("Layers of a GGUF model llama.cpp runs on the GPU. auto: all of them when the device is a "
                          "GPU and llama.cpp was built with GPU support; 0: none (CPU only)."))

    def page_title(self) -> str:
        return self.tr("Text models")
