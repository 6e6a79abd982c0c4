"""Family "gan": a DCGAN (the studio's own Generator/Discriminator classes) with the non-saturating loss.

Adam(lr, β1 0.5) as in Radford et al.; any power-of-two size from 16 to 128. The finished model is
a GAN folder (generator.safetensors + studio_model.json) that the GAN engine samples by seed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.engines.training.trainer import Trainer


class GanTrainer(Trainer):
    family = "gan"
    model_type = "gan"

    def setup(self) -> None:
        from studio.engines.datasets import load_dataset
        from studio.engines.gan.model import DCGANConfig, Discriminator, Generator, init_weights

        ch = self.params.get("channels")
        self.ds = load_dataset(self.spec.data, size=self.spec.size, channels=int(ch) if ch else None,
                               reporter=self.reporter, limit=self.params.get("limit"))
        self.ds.images = self.ds.images.to(self.device)
        channels = 3 if self.ds.draw_fn is not None else self.ds.channels
        self.config = DCGANConfig(latent_dim=int(self.params.get("latent_dim", 100)), image_size=self.spec.size,
                                  channels=channels, features=int(self.params.get("features", 64)))
        self.gen = Generator(self.config).to(self.device)
        self.disc = Discriminator(self.config).to(self.device)
        self.gen.apply(init_weights)
        self.disc.apply(init_weights)
        betas = (float(self.params.get("beta1", 0.5)), 0.999)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=self.spec.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=self.spec.lr, betas=betas)
        self.modules = {"generator": self.gen, "discriminator": self.disc}
        self.optimizers = {"generator": self.opt_g, "discriminator": self.opt_d}
        g = torch.Generator().manual_seed(self.spec.seed)
        self.fixed_z = torch.randn(16, self.config.latent_dim, generator=g).to(self.device)

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc, gd = self.cpu_generator(step), self.device_generator(step)
        b = self.spec.batch
        real, _ = self.ds.batch(torch.randint(0, len(self.ds), (b,), generator=gc), gc)
        real = real.to(self.device)
        z = torch.randn(b, self.config.latent_dim, generator=gd, device=self.device)
        ones, zeros = torch.ones(b, device=self.device), torch.zeros(b, device=self.device)
        fake = self.gen(z)
        loss_d = (F.binary_cross_entropy_with_logits(self.disc(real), ones)
                  + F.binary_cross_entropy_with_logits(self.disc(fake.detach()), zeros))
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(self.disc(fake), ones)  # non-saturating
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach()}

    @torch.no_grad()
    def sample(self):
        from studio.engines.training.images import to_grid

        # Batch statistics, as in the DCGAN paper's samples; the running averages are put back untouched.
        saved = {k: v.clone() for k, v in self.gen.state_dict().items() if "running" in k or "num_batches" in k}
        try:
            return to_grid(self.gen(self.fixed_z), nrow=8, scale=2)
        finally:
            self.gen.load_state_dict(saved, strict=False)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "arch": "dcgan", **self.config.to_dict()}

    def save_artifact(self, folder: Path) -> None:
        from studio.engines.gan.model import save_gan_folder

        save_gan_folder(folder, self.gen.eval(), name=self.spec.out, discriminator=self.disc)
        self.gen.train()
