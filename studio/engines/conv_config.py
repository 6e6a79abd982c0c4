"""The shape of the studio's small square conv models (DCGAN, VAE): one config, validated once."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Mapping, TypeVar

from studio.core.errors import SpecError
from studio.core.i18n import _

C = TypeVar("C", bound="SquareConvConfig")


@dataclass(frozen=True)
class SquareConvConfig:
    """Latent size, square image side (power of two, 16–128), image channels and base feature width."""

    label: ClassVar[str] = "Model"
    latent_dim: int = 32
    image_size: int = 32
    channels: int = 1
    features: int = 32

    def validate(self) -> None:
        s = self.image_size
        if s < 16 or s > 128 or s & (s - 1):
            raise SpecError(_("{label} image size must be a power of two from 16 to 128 (got {s}).").format(
                label=self.label, s=s))
        for name, v in ((_("Latent size"), self.latent_dim), (_("Channels"), self.channels),
                        (_("Features"), self.features)):
            if not isinstance(v, int) or v < 1:
                raise SpecError(_("{name} must be a positive whole number (got {v!r}).").format(name=name, v=v))

    @property
    def levels(self) -> int:
        """Stride-2 stages between 4×4 and the image side (64 px → 4)."""
        return int(math.log2(self.image_size)) - 2

    @classmethod
    def from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
        keys = {"latent_dim", "image_size", "channels", "features"}
        return cls(**{k: int(v) for k, v in data.items() if k in keys})

    def to_dict(self) -> dict[str, int]:
        return asdict(self)
