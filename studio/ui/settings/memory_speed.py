"""Settings → Memory & speed: how image jobs spend device memory, which speed mode and backend (PyTorch or
OpenVINO) they use, and whether text models on the CPU run with int8 weights."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from studio.core.specs.memory_modes import BACKENDS, MEMORY_MODES, SPEED_MODES
from studio.ui.settings.page import SettingsContext, SettingsPage
from studio.ui.settings.pickers import ChoiceCombo


INT8_MEASURED = ("1.9", "0.80", "1.33")
"""benchmarks/text_cpu.py on SmolLM2-135M (1 thread, a busy 2-core machine): int8 / float32 tokens/s, RSS after
loading, peak RSS while loading (3.9 vs 2.1 tokens/s; 753 vs 943 MB; 1253 vs 942 MB)."""


class MemorySpeedPage(SettingsPage):
    def __init__(self, context: SettingsContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        memory_labels = {
            "auto": self.tr("Automatic (from free GPU memory and the model's size)"),
            "none": self.tr("None: everything on the GPU (fastest)"),
            "vae": self.tr("VAE tiling + slicing (large images)"),
            "offload": self.tr("Model offload to RAM (6–8 GB GPUs, a little slower)"),
            "sequential": self.tr("Sequential offload (least memory, much slower)")}
        # The modes themselves come from core (one list for the settings, the CLI and the engine).
        self.memory = ChoiceCombo([(memory_labels.get(mode, mode), mode) for mode in MEMORY_MODES])
        self.memory.setObjectName("memory_mode")
        self.bind("memory_mode", self.tr("Memory mode"), self.memory, self.memory.value, self.memory.set_value,
                  self.memory.currentIndexChanged,
                  self.tr("Out of memory during an image: memory is freed and the image retried once in the "
                          "next lower mode. A job or the CLI (--memory-mode) may choose its own."))
        speed_labels = {
            "off": self.tr("Off: SDPA attention only (the reference image)"),
            "channels_last": self.tr("Channels-last layout (same image)"),
            "fused_qkv": self.tr("Fused QKV projections (image differs slightly)"),
            "compile": self.tr("torch.compile (first image slow; compiled once per model and size)"),
            "cache": self.tr("Feature cache: deep UNet features reused between steps (faster, slightly different "
                             "image)"),
            "int8": self.tr("int8 quantisation with torchao (CUDA GPUs only; less memory, slightly different image)")}
        self.speed = ChoiceCombo([(speed_labels.get(mode, mode), mode) for mode in SPEED_MODES])
        self.speed.setObjectName("speed_mode")
        self.bind("speed_mode", self.tr("Speed mode"), self.speed, self.speed.value, self.speed.set_value,
                  self.speed.currentIndexChanged,
                  self.tr("A mode this device or model cannot do is refused with the reason. "
                          "The PNG records the modes used."))
        backend_labels = {
            "pytorch": self.tr("PyTorch (the reference image)"),
            "openvino": self.tr("CPU: OpenVINO, int8 weights (faster; slightly different image)"),
            "openvino_fp32": self.tr("CPU: OpenVINO, float32 (the PyTorch image)")}
        self.backend = ChoiceCombo([(backend_labels.get(name, name), name) for name in BACKENDS])
        self.backend.setObjectName("backend")
        self.bind("backend", self.tr("Backend"), self.backend, self.backend.value, self.backend.set_value,
                  self.backend.currentIndexChanged,
                  self.tr("OpenVINO runs the UNet of SD 1.x/2.x and SDXL models on a CPU, exported once into the "
                          "studio cache (optional install: requirements/openvino.txt). Where it cannot be used (not "
                          "installed, a GPU, another family, LoRAs, ControlNet, canvas edits) the image is made with "
                          "PyTorch and the job's log says why. The CLI: generate image --backend openvino."))
        self.fast_decode = QCheckBox(self.tr("Fast decode: the tiny TAESD decoder makes the final image (lower "
                                             "quality, much faster on a CPU)"))
        self.fast_decode.setObjectName("fast_decode")
        self.bind("fast_decode", self.tr("Final decode"), self.fast_decode, self.fast_decode.isChecked,
                  self.fast_decode.setChecked, self.fast_decode.toggled,
                  self.tr("Used when a TAESD / TAESDXL / TAESD3 / TAEF1 for the model's latent space is in the models "
                          "folder (else the full VAE, with one line saying so). The PNG records it as VAE: taesd…; "
                          "edits always use the full VAE. The CLI: generate image --fast-decode."))
        self.text_int8 = QCheckBox(self.tr("int8 weights for text models on the CPU (dynamic quantisation of "
                                           "their Linear layers; answers differ slightly)"))
        self.text_int8.setObjectName("text_int8")
        self.bind("text_int8", self.tr("Text on the CPU"), self.text_int8, self.text_int8.isChecked,
                  self.text_int8.setChecked, self.text_int8.toggled,
                  self.tr("Measured on SmolLM2-135M (benchmarks/text_cpu.py): int8 writes {0}× the tokens per "
                          "second of float32 in {1}× the memory ({2}× at the peak while it loads). Transformers "
                          "models only (GGUF files are quantised already).").format(*INT8_MEASURED))

    def page_title(self) -> str:
        return self.tr("Memory & speed")
