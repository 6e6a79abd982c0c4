"""The studio's convolutional VAE: encoder → (mu, log-variance) → decoder, any power-of-two size 16–128.

A trained VAE is stored as a folder: ``studio_model.json`` (type "vae" + the config) and
``vae.safetensors`` (encoder and decoder). Generating decodes latents from the prior N(0, I), one per
seed, exactly like a GAN generator, so the GAN engine (seed grids, latent walks) runs it unchanged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.registry import ModelEntry
from studio.core.paths import StudioPaths
from studio.engines.conv_config import SquareConvConfig

WEIGHTS_FILE = "vae.safetensors"
MODEL_CARD = "studio_model.json"


@dataclass(frozen=True)
class VAEConfig(SquareConvConfig):
    """Latent size, square image side (power of two, 16–128), image channels and base feature width."""

    label: ClassVar[str] = "VAE"
    latent_dim: int = 32
    image_size: int = 32
    channels: int = 1
    features: int = 32


def _widths(config: VAEConfig) -> list[int]:
    # features at the full resolution, doubling per stage, capped so 128 px stays small
    return [min(config.features * 2 ** i, config.features * 8) for i in range(config.levels)]


class Encoder(nn.Module):
    """image (N, C, S, S) in [-1, 1] → (mu, logvar), each (N, latent_dim)."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        widths = _widths(config)
        layers: list[nn.Module] = []
        cin = config.channels
        for w in widths:
            layers += [nn.Conv2d(cin, w, 4, 2, 1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, True)]
            cin = w
        self.conv = nn.Sequential(*layers)
        self.head = nn.Linear(cin * 16, 2 * config.latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.head(self.conv(x).flatten(1)).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    """z (N, latent_dim) → logits (N, C, S, S); ``forward`` gives images in [-1, 1] (like a GAN generator)."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        widths = _widths(config)[::-1]
        self.fc = nn.Linear(config.latent_dim, widths[0] * 16)
        layers: list[nn.Module] = [nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        for a, b in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.ReLU(True)]
        layers.append(nn.ConvTranspose2d(widths[-1], config.channels, 4, 2, 1))
        self.conv = nn.Sequential(*layers)
        self._first = widths[0]

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        z = z.flatten(1)
        return self.conv(self.fc(z).view(z.shape[0], self._first, 4, 4))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] for latents (N, latent_dim) (the same as calling the decoder)."""
        return self(z)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # Pixels are modelled as Bernoulli means in [0, 1]; the studio's image tensors live in [-1, 1].
        return torch.sigmoid(self.logits(z)) * 2.0 - 1.0


class VAE(nn.Module):
    """Encoder + decoder with the reparameterisation trick."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        config.validate()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction logits, mu, logvar) with z = mu + sigma * noise."""
        mu, logvar = self.encoder(x)
        z = mu + torch.exp(0.5 * logvar) * noise
        return self.decoder.logits(z), mu, logvar


def save_vae_weights(path: Path, vae: VAE) -> None:
    """Encoder and decoder weights as one safetensors file (config in its metadata)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in vae.state_dict().items()}
    save_file(tensors, str(path), metadata={"arch": "studio-vae", **{k: str(v) for k, v in vae.config.to_dict().items()}})


def load_vae_folder(folder: Path) -> Decoder:
    """The decoder of a VAE folder written by the VAE trainer, in eval mode on the CPU."""
    return _load(folder, whole=False)


def load_vae_decoder(entry: ModelEntry, paths: StudioPaths) -> Decoder:
    """The decoder of a registry entry of type "studio_vae" (:data:`studio.engines.common.latent.DECODERS`)."""
    return load_vae_folder(Path(entry.path))


def load_vae(folder: Path) -> VAE:
    """Encoder and decoder of a VAE folder (to encode your own images), in eval mode on the CPU."""
    return _load(folder, whole=True)


def _load(folder: Path, whole: bool):
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        card = json.loads((folder / MODEL_CARD).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(_("{folder} is not a VAE model folder ({card} unreadable).").format(
            folder=folder.name, card=MODEL_CARD)) from exc
    if card.get("type") != "vae":
        raise ModelError(_("{folder} is a {type!r} model, not a VAE.").format(
            folder=folder.name, type=card.get('type')))
    config = VAEConfig.from_dict(card)
    try:
        state = load_file(str(folder / WEIGHTS_FILE))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(_("Cannot read the VAE weights in {folder}: {error}").format(
            folder=folder.name, error=exc)) from exc
    model: nn.Module = VAE(config) if whole else Decoder(config)
    prefix = "" if whole else "decoder."
    try:
        model.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
    except RuntimeError as exc:
        raise ModelError(_("The VAE weights in {folder} do not fit its studio_model.json.").format(
            folder=folder.name)) from exc
    return model.eval()
