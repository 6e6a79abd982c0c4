"""Family "vae": a convolutional VAE trained on the ELBO = reconstruction + β·KL.

Reconstruction is the Bernoulli negative log-likelihood of the pixels (BCE on logits, summed over
the image), KL is that of N(mu, sigma²) from the prior N(0, I); both are reported per image. The
sample grid shows 16 prior samples (the latents of seeds seed, seed+1, …: the same images the
generation engine gives for those seeds), then a row of dataset images and a row of their
reconstructions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.engines.training.family_common import draw_batch, load_images, recalibrated
from studio.engines.training.trainer import Trainer
from studio.core.models.training_families import family as training_family
from studio.engines.vae.model import load_vae_folder

__all__ = ["VaeTrainer", "load_vae_folder"]

DEFAULTS: Mapping[str, Any] = training_family("vae").params  # one place: studio.core.models.training_families


class VaeTrainer(Trainer):
    family = "vae"
    model_type = "vae"
    defaults = DEFAULTS
    autocast_by_default = False  # float32 on CUDA too: "auto" keeps that

    def p(self, key: str) -> Any:
        if key == "features" and "width" in self.params:  # "width" is accepted as another name
            return self.params["width"]
        return super().p(key)

    def setup(self) -> None:
        from studio.engines.common.sampling import latent_for_seed
        from studio.engines.vae.model import VAE, VAEConfig

        self.ds = load_images(self)
        self.config = VAEConfig(latent_dim=int(self.p("latent_dim")), image_size=self.spec.size,
                                channels=self.ds.channels, features=int(self.p("features")))
        self.vae = VAE(self.config).to(self.device)
        self.opt = torch.optim.Adam(self.vae.parameters(), lr=self.spec.lr, weight_decay=float(self.p("weight_decay")))
        self.modules = {"vae": self.vae}
        self.optimizers = {"adam": self.opt}
        self.net, self.opt = self.prepare(self.vae, self.opt)  # self.vae stays the plain model
        self.fixed_z = torch.stack([latent_for_seed(self.spec.seed + i, self.config.latent_dim)
                                    for i in range(int(self.p("samples")))])
        g = torch.Generator().manual_seed(self.spec.seed)
        idx = torch.randperm(len(self.ds), generator=g)[:int(self.p("recon_samples"))]
        self.fixed_x, _ = self.ds.batch(idx, g)

    def losses(self, x: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, KL), each summed over the image and averaged over the batch."""
        with self.autocast():
            logits, mu, logvar = self.net(x, noise)
        logits, mu, logvar = logits.float(), mu.float(), logvar.float()
        target = (x + 1.0) / 2.0
        recon = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
        return recon, kl

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        x = draw_batch(self, self.ds, step)
        noise = torch.randn(x.shape[0], self.config.latent_dim, generator=self.device_generator(step),
                            device=self.device)
        recon, kl = self.losses(x, noise)
        loss = recon + float(self.p("beta")) * kl
        self.backward(loss)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return {"loss": loss.detach(), "recon": recon.detach(), "kl": kl.detach()}

    def calibrated_vae(self) -> torch.nn.Module:
        """An eval-mode copy with batch-norm statistics for the current weights: the encoder's over
        dataset images, the decoder's over prior samples (what generating feeds it)."""
        g = torch.Generator().manual_seed(self.spec.seed + 1)
        batches = []
        for _ in range(int(self.p("calibration_batches"))):
            idx = torch.randint(0, len(self.ds), (min(64, len(self.ds)),), generator=g)
            x, _ = self.ds.batch(idx, g)
            z = torch.randn(len(idx), self.config.latent_dim, generator=g)
            batches.append((x.to(self.device, torch.float32), z.to(self.device)))
        return recalibrated(self.vae, batches, call=lambda m, xz: (m.encoder(xz[0]), m.decoder(xz[1])))

    @torch.no_grad()
    def sample_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(prior samples, originals, reconstructions from the posterior mean), as the saved model draws them."""
        vae = self.calibrated_vae()
        prior = vae.decoder(self.fixed_z.to(self.device)).float().cpu()
        mu, _ = vae.encoder(self.fixed_x.to(self.device))
        return prior, self.fixed_x.float().cpu(), vae.decoder(mu).float().cpu()

    def quality_samples(self) -> torch.Tensor:
        return self.sample_tensors()[0]  # prior samples: what the saved VAE generates

    def sample(self):
        from studio.engines.common.sampling import to_grid

        prior, orig, recon = self.sample_tensors()
        return to_grid(torch.cat([prior, orig, recon]), nrow=8, scale=2 if self.spec.size <= 32 else 1)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "arch": "studio-vae", **self.config.to_dict(), "size": self.config.image_size,
                "beta": float(self.p("beta"))}

    def save_artifact(self, folder: Path) -> None:
        from studio.engines.vae.model import WEIGHTS_FILE, save_vae_weights

        save_vae_weights(folder / WEIGHTS_FILE, self.calibrated_vae().cpu())
