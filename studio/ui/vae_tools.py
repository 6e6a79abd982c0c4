"""The Faces workspace's VAE tools: reconstruct (and encode) your own image, or interpolate between two.

Shown when the chosen model is a VAE; each button asks for the image(s) and emits the ``VaeSpec``
the workspace queues (the engine writes the pair or the strip + GIF the workspace then shows).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QPushButton, QVBoxLayout, QWidget

from studio.core.specs.training import VaeSpec

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp)"


class VaeTools(QGroupBox):
    """Two buttons; ``spec_requested`` carries the job."""

    spec_requested = Signal(object)  # VaeSpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Your images (VAE)"), parent)
        self.setObjectName("vae_tools")
        self.model = ""
        self.frames = 12
        self.scale = 4
        self.reconstruct_button = QPushButton(self.tr("Reconstruct an image…"))
        self.reconstruct_button.setToolTip(self.tr("Encode an image with this VAE and show it beside its "
                                                   "reconstruction; its latent code is saved as JSON"))
        self.reconstruct_button.clicked.connect(lambda: self.reconstruct())
        self.interpolate_button = QPushButton(self.tr("Interpolate two images…"))
        self.interpolate_button.setToolTip(self.tr("Morph from one image to another through the VAE's latent "
                                                   "space (strip and GIF; Frames sets the length)"))
        self.interpolate_button.clicked.connect(lambda: self.interpolate())
        layout = QVBoxLayout(self)
        layout.addWidget(self.reconstruct_button)
        layout.addWidget(self.interpolate_button)

    def reconstruct(self, path: str | None = None) -> VaeSpec | None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Image to reconstruct"), "", self.tr(IMAGE_FILTER))
            if not path:
                return None
        return self._emit((path,))

    def interpolate(self, first: str | None = None, second: str | None = None) -> VaeSpec | None:
        if first is None or second is None:
            paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Choose two images"), "", self.tr(IMAGE_FILTER))
            if len(paths) != 2:
                return None
            first, second = paths
        return self._emit((first, second))

    def _emit(self, images: tuple[str, ...]) -> VaeSpec:
        spec = VaeSpec(model=self.model, images=images, frames=self.frames, scale=self.scale)
        self.spec_requested.emit(spec)
        return spec
