"""The studio's DCGAN: a configurable generator and discriminator (Radford et al. 2015).

One class pair serves the built-in "Faces (DCGAN)" weights (latent 100, 64×64 RGB, 64 features,
state-dict keys ``main.N...`` as in the PyTorch DCGAN tutorial) and the GAN trainer, which may pick
any square size that is a power of two from 16 to 128. A trained or converted generator is stored
as a folder: ``studio_model.json`` (type "gan" + the config) and ``generator.safetensors``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import torch
from torch import nn

from studio.core.atomic import atomic_save, atomic_write_text
from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.engines.conv_config import SquareConvConfig

GENERATOR_FILE = "generator.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
MODEL_CARD = "studio_model.json"


@dataclass(frozen=True)
class DCGANConfig(SquareConvConfig):
    """Shape of a DCGAN: latent size, square image side (power of two, 16–128), channels, feature width."""

    label: ClassVar[str] = "GAN"
    latent_dim: int = 100
    image_size: int = 64
    channels: int = 3
    features: int = 64


class Generator(nn.Module):
    """z (N, latent, 1, 1) → image (N, channels, size, size) in [-1, 1]."""

    arch = "dcgan"

    def __init__(self, config: DCGANConfig = DCGANConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        mult = 2 ** (config.levels - 1)  # 64 px: 512 → 256 → 128 → 64 channels
        f = config.features
        layers: list[nn.Module] = [nn.ConvTranspose2d(config.latent_dim, f * mult, 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(f * mult), nn.ReLU(True)]
        while mult > 1:
            layers += [nn.ConvTranspose2d(f * mult, f * mult // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(f * mult // 2), nn.ReLU(True)]
            mult //= 2
        layers += [nn.ConvTranspose2d(f, config.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]
        return self.main(z)


class Discriminator(nn.Module):
    """image (N, channels, size, size) → one logit per image (use BCEWithLogits; no sigmoid here)."""

    def __init__(self, config: DCGANConfig = DCGANConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        f = config.features
        layers: list[nn.Module] = [nn.Conv2d(config.channels, f, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        mult = 1
        for _ in range(config.levels - 1):
            layers += [nn.Conv2d(f * mult, f * mult * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(f * mult * 2), nn.LeakyReLU(0.2, True)]
            mult *= 2
        layers.append(nn.Conv2d(f * mult, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).flatten(1).squeeze(1)


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights N(0, 0.02), batch-norm scale N(1, 0.02) and bias 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _save_module(path: Path, module: nn.Module, metadata: dict[str, str]) -> None:
    from safetensors.torch import save

    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    data = save(tensors, metadata=metadata)
    atomic_save(path, lambda fh: fh.write(data))


def save_gan_folder(folder: Path, generator: nn.Module, name: str = "",
                    discriminator: nn.Module | None = None, extra: Mapping[str, Any] | None = None) -> Path:
    """Write a GAN model folder the studio lists and generates with (atomic per file).

    ``generator`` is a DCGAN :class:`Generator` or a fully-connected ``MLPGenerator`` (its ``arch``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arch = getattr(generator, "arch", "dcgan")
    meta = {"arch": arch, **{k: str(v) for k, v in generator.config.to_dict().items()}}
    _save_module(folder / GENERATOR_FILE, generator, meta)
    if discriminator is not None:
        _save_module(folder / DISCRIMINATOR_FILE, discriminator, meta)
    card = {"type": "gan", "arch": arch, "name": name or folder.name, **generator.config.to_dict(),
            **dict(extra or {})}
    atomic_write_text(folder / MODEL_CARD, json.dumps(card, indent=2, ensure_ascii=False))
    return folder


def load_generator_file(path: Path, config: DCGANConfig | None = None) -> Generator:
    """A generator from a safetensors file (config from its metadata unless given), in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    try:
        if config is None:
            with safe_open(str(path), framework="pt") as fh:
                config = DCGANConfig.from_dict(fh.metadata() or {})
        state = load_file(str(path))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(_("Cannot read the GAN weights {file}: {error}").format(
            file=Path(path).name, error=exc)) from exc
    return generator_from_state(state, config, str(path))


def generator_from_state(state: Mapping[str, torch.Tensor], config: DCGANConfig, label: str) -> Generator:
    gen = Generator(config)
    try:
        gen.load_state_dict(dict(state))
    except RuntimeError as exc:
        raise ModelError(_("The GAN weights in {label} do not fit a {image_size}px DCGAN (latent {latent_dim}, "
                           "{features} features).").format(
            label=label, image_size=config.image_size, latent_dim=config.latent_dim, features=config.features)) from exc
    return gen.eval()


def load_gan_folder(folder: Path) -> nn.Module:
    """The generator of a GAN model folder written by ``save_gan_folder``."""
    folder = Path(folder)
    card_path = folder / MODEL_CARD
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(_("{folder} is not a GAN model folder ({card} unreadable).").format(
            folder=folder.name, card=MODEL_CARD)) from exc
    if card.get("type") != "gan":
        raise ModelError(_("{folder} is a {type!r} model, not a GAN.").format(
            folder=folder.name, type=card.get('type')))
    if card.get("arch") == "mlp":
        return _load_mlp(folder / GENERATOR_FILE, card)
    return load_generator_file(folder / GENERATOR_FILE, DCGANConfig.from_dict(card))


def _load_mlp(path: Path, card: Mapping[str, Any]) -> nn.Module:
    """The fully-connected generator of an ``arch: mlp`` GAN folder, in eval mode."""
    from safetensors.torch import load_file

    from studio.engines.gan.mlp import MLPGANConfig, MLPGenerator

    config = MLPGANConfig.from_dict(card)
    gen = MLPGenerator(config)
    try:
        gen.load_state_dict(load_file(str(path)))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(_("The GAN weights {file} do not fit a fully-connected GAN (latent {latent_dim}, layers "
                           "{layers}).").format(
            file=path.name, latent_dim=config.latent_dim, layers=list(config.hidden))) from exc
    return gen.eval()
