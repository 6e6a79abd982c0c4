"""Family "vae": a convolutional variational autoencoder; ELBO = reconstruction + β·KL.

The model folder holds ``vae.safetensors`` (config in its metadata) and studio_model.json type
"vae"; :func:`load_vae_folder` gives the model back, whose ``decode`` turns prior samples into images.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from studio.core.errors import ModelError
from studio.engines.training.trainer import Trainer

WEIGHTS_FILE = "vae.safetensors"


class ConvVAE(nn.Module):
    """size → size/8 feature map → latent vector; the decoder mirrors it. Output in [-1, 1]."""

    def __init__(self, channels: int = 1, size: int = 32, latent_dim: int = 16, width: int = 32) -> None:
        super().__init__()
        if size % 8:
            raise ModelError(f"VAE image size must be a multiple of 8 (got {size}).")
        self.config = {"channels": channels, "size": size, "latent_dim": latent_dim, "width": width}
        w, s = width, size // 8
        self.enc = nn.Sequential(
            nn.Conv2d(channels, w, 4, 2, 1), nn.SiLU(), nn.Conv2d(w, 2 * w, 4, 2, 1), nn.SiLU(),
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.SiLU(), nn.Flatten())
        self.to_stats = nn.Linear(4 * w * s * s, 2 * latent_dim)
        self.from_latent = nn.Linear(latent_dim, 4 * w * s * s)
        self.dec = nn.Sequential(
            nn.Unflatten(1, (4 * w, s, s)), nn.SiLU(), nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), nn.SiLU(),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.SiLU(), nn.ConvTranspose2d(w, channels, 4, 2, 1), nn.Tanh())

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.enc(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-10, 10)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(self.from_latent(z))


def load_vae_folder(folder: Path) -> ConvVAE:
    """The VAE of a folder written by the VAE trainer, in eval mode."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(folder) / WEIGHTS_FILE
    try:
        with safe_open(str(path), framework="pt") as fh:
            cfg = json.loads((fh.metadata() or {})["config"])
        model = ConvVAE(**cfg)
        model.load_state_dict(load_file(str(path)))
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{Path(folder).name} is not a readable studio VAE ({type(exc).__name__}).") from exc
    return model.eval()


class VaeTrainer(Trainer):
    family = "vae"
    model_type = "vae"

    def setup(self) -> None:
        from studio.engines.datasets import load_dataset

        ch = self.params.get("channels")
        self.ds = load_dataset(self.spec.data, size=self.spec.size, channels=int(ch) if ch else None,
                               reporter=self.reporter, limit=self.params.get("limit"))
        self.ds.images = self.ds.images.to(self.device)
        channels = 3 if self.ds.draw_fn is not None else self.ds.channels
        self.beta = float(self.params.get("beta", 1.0))
        self.model = ConvVAE(channels, self.spec.size, int(self.params.get("latent_dim", 16)),
                             int(self.params.get("width", 32))).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.spec.lr)
        self.modules = {"vae": self.model}
        self.optimizers = {"adam": self.optimizer}
        g = torch.Generator().manual_seed(self.spec.seed)
        self.fixed_z = torch.randn(8, self.model.config["latent_dim"], generator=g).to(self.device)
        self.fixed_x = self.ds.batch(torch.arange(min(8, len(self.ds))), g)[0].to(self.device)

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc, gd = self.cpu_generator(step), self.device_generator(step)
        x, _ = self.ds.batch(torch.randint(0, len(self.ds), (self.spec.batch,), generator=gc), gc)
        x = x.to(self.device)
        mu, logvar = self.model.encode(x)
        z = mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=gd, device=self.device)
        recon = self.model.decode(z)
        # Per image: summed squared error (a Gaussian likelihood) and KL to N(0, I).
        rec = F.mse_loss(recon, x, reduction="none").flatten(1).sum(1).mean()
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
        loss = rec + self.beta * kl
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.detach(), "reconstruction": rec.detach(), "kl": kl.detach()}

    @torch.no_grad()
    def sample(self):
        """Top row: samples from the prior; bottom rows: fixed images and their reconstructions."""
        from studio.engines.training.images import to_grid

        prior = self.model.decode(self.fixed_z)
        recon = self.model.decode(self.model.encode(self.fixed_x)[0])
        return to_grid(torch.cat([prior, self.fixed_x, recon]), nrow=8, scale=2)

    def save_artifact(self, folder: Path) -> None:
        from safetensors.torch import save

        from studio.core.atomic import atomic_write_bytes

        tensors = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        atomic_write_bytes(folder / WEIGHTS_FILE, save(tensors, metadata={"config": json.dumps(self.model.config)}))

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), **self.model.config, "beta": self.beta}
