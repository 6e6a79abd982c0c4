"""Family "gan": a DCGAN (studio.engines.gan.model), or with arch "mlp" the fully-connected GAN of the
tutorials (studio.engines.gan.mlp); both with the non-saturating BCE loss.

Adam(lr, β1 0.5) for both nets, as Radford et al. The sample grid decodes the latents of seeds
seed, seed+1, … exactly as the GAN engine does, so what the live preview shows is what generating
those seeds will give. Saved as a GAN folder (``studio_model.json`` type "gan" + safetensors).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.engines.training.family_common import draw_batch, load_images, recalibrated
from studio.core.models.training_families import family as training_family
from studio.engines.training.trainer import Trainer

DEFAULTS: Mapping[str, Any] = training_family("gan").params  # one place: studio.core.models.training_families


class GanTrainer(Trainer):
    family = "gan"
    model_type = "gan"
    defaults = DEFAULTS
    autocast_by_default = False  # DCGANs trained in float32 on CUDA too: "auto" keeps that

    def setup(self) -> None:
        from studio.engines.gan.model import DCGANConfig, Discriminator, Generator, init_weights
        from studio.engines.common.sampling import latent_for_seed

        self.arch = str(self.p("arch"))
        self.ds = load_images(self, any_size=self.arch == "mlp")  # MLPGANConfig checks its own 4–128 px
        if self.arch == "mlp":  # the tutorials' fully-connected GAN (PyTorch's default init, as they use)
            from studio.engines.gan.mlp import MLPDiscriminator, MLPGANConfig, MLPGenerator

            self.config = MLPGANConfig(latent_dim=int(self.p("latent_dim")), image_size=self.spec.size,
                                       channels=self.ds.channels, hidden=tuple(int(h) for h in self.p("hidden")))
            self.gen = MLPGenerator(self.config).to(self.device)
            self.disc = MLPDiscriminator(self.config).to(self.device)
        else:
            self.config = DCGANConfig(latent_dim=int(self.p("latent_dim")), image_size=self.spec.size,
                                      channels=self.ds.channels, features=int(self.p("features")))
            self.config.validate()
            self.gen = Generator(self.config).to(self.device)
            self.disc = Discriminator(self.config).to(self.device)
            self.gen.apply(init_weights)
            self.disc.apply(init_weights)
        betas = (float(self.p("beta1")), float(self.p("beta2")))
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=self.spec.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=self.spec.lr, betas=betas)
        self.modules = {"generator": self.gen, "discriminator": self.disc}
        self.optimizers = {"generator": self.opt_g, "discriminator": self.opt_d}
        # The trained pair (DDP-wrapped under a launch); self.gen / self.disc stay the plain models.
        self.net_g, self.net_d, self.opt_g, self.opt_d = self.prepare(self.gen, self.disc, self.opt_g, self.opt_d)
        n = int(self.p("samples"))
        self.fixed_z = torch.stack([latent_for_seed(self.spec.seed + i, self.config.latent_dim) for i in range(n)])

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        real = draw_batch(self, self.ds, step)
        b = real.shape[0]
        z = torch.randn(b, self.config.latent_dim, 1, 1, generator=self.device_generator(step), device=self.device)
        ones = torch.full((b,), 1.0 - float(self.p("label_smoothing")), device=self.device)
        zeros = torch.zeros(b, device=self.device)
        # Discriminator: real → 1, fake → 0 (fakes detached: no generator gradient here).
        with self.autocast():
            fake = self.net_g(z)
            d_real = self.net_d(real).float()
            d_fake = self.net_d(fake.detach()).float()
        loss_d = F.binary_cross_entropy_with_logits(d_real, ones) + F.binary_cross_entropy_with_logits(d_fake, zeros)
        self.backward(loss_d)
        self.opt_d.step()
        self.opt_d.zero_grad(set_to_none=True)
        # Generator, non-saturating: maximise log D(G(z)) instead of minimising log(1 - D(G(z))). Through the
        # plain discriminator with its weights frozen: only the generator gets gradients (none for D to clear,
        # no DDP hooks on D fired outside its own step).
        self.disc.requires_grad_(False)
        try:
            with self.autocast():
                d_fake_g = self.disc(fake).float()
        finally:
            self.disc.requires_grad_(True)
        loss_g = F.binary_cross_entropy_with_logits(d_fake_g, torch.ones(b, device=self.device))
        self.backward(loss_g)
        self.opt_g.step()
        self.opt_g.zero_grad(set_to_none=True)
        return {"g_loss": loss_g.detach(), "d_loss": loss_d.detach(),
                "D(x)": torch.sigmoid(d_real).mean().detach(), "D(G(z))": torch.sigmoid(d_fake).mean().detach()}

    def calibrated_generator(self) -> torch.nn.Module:
        """An eval-mode copy of the generator with batch-norm statistics for its current weights."""
        if self.arch == "mlp":  # no batch norm: eval mode is train mode
            import copy

            return copy.deepcopy(self.gen).eval()
        g = torch.Generator().manual_seed(self.spec.seed + 1)
        batches = [torch.randn(64, self.config.latent_dim, generator=g).to(self.device)
                   for _ in range(int(self.p("calibration_batches")))]
        return recalibrated(self.gen, batches)

    @torch.no_grad()
    def sample_tensor(self) -> torch.Tensor:
        """The images for the fixed seeds, as the GAN engine will generate them from the saved model."""
        return self.calibrated_generator()(self.fixed_z.to(self.device)).float().cpu()

    def quality_samples(self) -> torch.Tensor:
        return self.sample_tensor()

    def sample(self):
        from studio.engines.common.sampling import to_grid

        return to_grid(self.sample_tensor(), nrow=8, scale=2 if self.spec.size <= 32 else 1)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "arch": self.arch, **self.config.to_dict(), "size": self.config.image_size,
                "sample_seeds": [self.spec.seed, self.spec.seed + int(self.p("samples")) - 1]}

    def save_artifact(self, folder: Path) -> None:
        from studio.engines.gan.model import save_gan_folder

        save_gan_folder(folder, self.calibrated_generator().cpu(), name=self.spec.out, discriminator=self.disc)
