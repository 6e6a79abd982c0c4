"""The tutorials' first GAN: fully connected (linear layers, LeakyReLU, Tanh), trained with BCE and Adam.

Goodfellow et al.'s original set-up as every GAN tutorial builds it on MNIST: the generator maps a
latent vector through widening linear layers with LeakyReLU to ``channels × size × size`` pixels
squashed by Tanh; the discriminator narrows them back to one logit (the BCE's sigmoid lives in the
loss, ``binary_cross_entropy_with_logits``, which is the tutorials' Sigmoid + BCELoss made stable).
Saved like the DCGAN (``studio_model.json`` arch "mlp"), so sampling, seed grids and latent walks
work the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import torch
from torch import nn

from studio.core.errors import SpecError
from studio.core.i18n import _


@dataclass(frozen=True)
class MLPGANConfig:
    """Latent size, image side and channels, and the generator's hidden widths (the discriminator mirrors them)."""

    latent_dim: int = 100
    image_size: int = 28
    channels: int = 1
    hidden: tuple[int, ...] = (256, 512, 1024)

    def validate(self) -> None:
        if not 4 <= self.image_size <= 128:
            raise SpecError(_("The fully-connected GAN draws 4 to 128 px images (got {image_size}).").format(
                image_size=self.image_size))
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise SpecError(_("hidden must list positive layer widths, e.g. [256, 512, 1024] (got {hidden!r}).").format(
                hidden=self.hidden))
        if self.latent_dim < 1 or self.channels not in (1, 3):
            raise SpecError(_("The latent size must be positive and the channels 1 or 3."))

    @property
    def pixels(self) -> int:
        return self.channels * self.image_size * self.image_size

    def to_dict(self) -> dict[str, Any]:
        return {"latent_dim": self.latent_dim, "image_size": self.image_size, "channels": self.channels,
                "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "MLPGANConfig":
        hidden = data.get("hidden", cls.hidden)
        if isinstance(hidden, str):  # safetensors metadata holds strings: "[256, 512, 1024]"
            hidden = [int(h) for h in hidden.strip("[]()").split(",") if h.strip()]
        return cls(latent_dim=int(data.get("latent_dim", 100)), image_size=int(data.get("image_size", 28)),
                   channels=int(data.get("channels", 1)), hidden=tuple(int(h) for h in hidden))


class MLPGenerator(nn.Module):
    """z (N, latent) → image (N, channels, size, size) in [-1, 1]."""

    arch = "mlp"

    def __init__(self, config: MLPGANConfig = MLPGANConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        layers: list[nn.Module] = []
        width = config.latent_dim
        for h in config.hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True)]
            width = h
        layers += [nn.Linear(width, config.pixels), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c = self.config
        return self.main(z.flatten(1)).view(-1, c.channels, c.image_size, c.image_size)


class MLPDiscriminator(nn.Module):
    """image → one logit per image (the generator's widths in reverse, LeakyReLU and dropout)."""

    def __init__(self, config: MLPGANConfig = MLPGANConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        layers: list[nn.Module] = []
        width = config.pixels
        for h in reversed(config.hidden):
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2, True), nn.Dropout(0.3)]
            width = h
        layers.append(nn.Linear(width, 1))
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x.flatten(1)).squeeze(1)
