"""Family "ddpm": unconditional diffusion with diffusers' UNet2DModel and DDPMScheduler.

Saved as a diffusers ``DDPMPipeline`` folder (plus studio_model.json type "ddpm"), so plain
``DiffusionPipeline.from_pretrained`` loads it and any of the studio's schedulers can sample it.
"""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.engines.training.text2img import _WarmupCosine
from studio.engines.training.trainer import Trainer


class DdpmTrainer(Trainer):
    family = "ddpm"
    model_type = "ddpm"

    def setup(self) -> None:
        from diffusers import DDPMScheduler, UNet2DModel

        from studio.engines.datasets import load_dataset

        ch = self.params.get("image_channels")
        self.ds = load_dataset(self.spec.data, size=self.spec.size, channels=int(ch) if ch else None,
                               reporter=self.reporter, limit=self.params.get("limit"))
        self.ds.images = self.ds.images.to(self.device)
        channels = 3 if self.ds.draw_fn is not None else self.ds.channels
        blocks = tuple(int(c) for c in self.params.get("channels", (32, 64, 64)))
        self.unet = UNet2DModel(sample_size=self.spec.size, in_channels=channels, out_channels=channels,
                                layers_per_block=int(self.params.get("layers_per_block", 1)), block_out_channels=blocks,
                                norm_num_groups=min(32, math.gcd(*blocks)),
                                down_block_types=("DownBlock2D",) * (len(blocks) - 1) + ("AttnDownBlock2D",),
                                up_block_types=("AttnUpBlock2D",) + ("UpBlock2D",) * (len(blocks) - 1)).to(self.device)
        self.ema = copy.deepcopy(self.unet).requires_grad_(False)
        self.scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
        self.alphas_cumprod = self.scheduler.alphas_cumprod.to(self.device)
        self.optimizer = torch.optim.AdamW(self.unet.parameters(), lr=self.spec.lr, weight_decay=0.0)
        self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, _WarmupCosine(int(self.params.get("warmup", 100)), max(1, self.spec.steps)))
        self.modules = {"unet": self.unet, "ema_unet": self.ema}
        self.optimizers = {"adamw": self.optimizer}
        self.lr_schedulers = {"lr": self.lr_scheduler}
        self.channels = channels

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc, gd = self.cpu_generator(step), self.device_generator(step)
        b = self.spec.batch
        x0, _ = self.ds.batch(torch.randint(0, len(self.ds), (b,), generator=gc), gc)
        x0 = x0.to(self.device)
        t = torch.randint(0, 1000, (b,), generator=gd, device=self.device)
        noise = torch.randn(x0.shape, generator=gd, device=self.device)
        ac = self.alphas_cumprod[t].view(-1, 1, 1, 1)
        xt = ac.sqrt() * x0 + (1 - ac).sqrt() * noise
        with torch.autocast(self.device.type, dtype=self.amp_dtype or torch.float32, enabled=self.amp_dtype is not None):
            pred = self.unet(xt, t).sample
        loss = F.mse_loss(pred.float(), noise)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.unet.parameters(), 1.0)
        self.optimizer.step()
        self.lr_scheduler.step()
        with torch.no_grad():
            decay = min(float(self.params.get("ema_decay", 0.999)), (1 + step) / (10 + step))
            torch._foreach_lerp_(list(self.ema.parameters()), [p.detach() for p in self.unet.parameters()], 1 - decay)
        return {"loss": loss.detach()}

    def pipeline(self):
        from diffusers import DDPMPipeline

        return DDPMPipeline(unet=self.ema, scheduler=self.scheduler)

    @torch.no_grad()
    def sample(self):
        from diffusers import DDIMScheduler

        from studio.engines.training.images import to_grid

        g = torch.Generator().manual_seed(self.spec.seed)
        x = torch.randn((16, self.channels, self.spec.size, self.spec.size), generator=g).to(self.device)
        sched = DDIMScheduler.from_config(self.scheduler.config, timestep_spacing="trailing")
        sched.set_timesteps(int(self.params.get("sample_steps", 20)))
        for t in sched.timesteps:
            x = sched.step(self.ema(x, t).sample, t, x).prev_sample
        return to_grid(x, nrow=8, scale=2)

    def save_artifact(self, folder: Path) -> None:
        self.pipeline().save_pretrained(str(folder), safe_serialization=True)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "channels": self.channels, "image_size": self.spec.size}
