"""Family "ddpm": an unconditional diffusers ``UNet2DModel`` trained with a ``DDPMScheduler``.

The standard ε-prediction objective (Ho et al. 2020) with an EMA of the weights, which is what the
sample grid shows and what gets saved: a diffusers ``DDPMPipeline`` folder plus
``studio_model.json`` (type "ddpm"). The image engine runs it through StudioDDPMPipeline with the
studio's scheduler choice; plain ``DDPMPipeline.from_pretrained`` loads it too.
"""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.engines.training.family_common import draw_batch, load_images, warmup_lambda
from studio.core.models.training_families import family as training_family
from studio.engines.training.trainer import Trainer

DEFAULTS: Mapping[str, Any] = training_family("ddpm").params  # one place: studio.core.models.training_families


class DdpmTrainer(Trainer):
    family = "ddpm"
    model_type = "ddpm"
    defaults = DEFAULTS

    def setup(self) -> None:
        from diffusers import DDPMScheduler, UNet2DModel

        self.ds = load_images(self)
        widths = tuple(int(c) for c in self.p("channels"))
        attn = tuple(bool(a) for a in self.p("attention_levels"))[:len(widths)]
        attn = attn + (False,) * (len(widths) - len(attn))
        if self.spec.size % 2 ** (len(widths) - 1):
            raise StudioError(_("Image size {size} cannot be halved {times} times; use fewer UNet levels or a "
                                "bigger size.").format(size=self.spec.size, times=len(widths) - 1))
        self.unet = UNet2DModel(
            sample_size=self.spec.size, in_channels=self.ds.channels, out_channels=self.ds.channels,
            layers_per_block=int(self.p("layers_per_block")), block_out_channels=widths,
            norm_num_groups=min(32, math.gcd(*widths)),
            down_block_types=tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in attn),
            up_block_types=tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in attn[::-1]),
        ).to(self.device)
        self.ema = copy.deepcopy(self.unet).requires_grad_(False)
        self.noise_scheduler = DDPMScheduler(num_train_timesteps=int(self.p("train_timesteps")),
                                             beta_schedule=str(self.p("beta_schedule")), prediction_type="epsilon")
        self.alphas_cumprod = self.noise_scheduler.alphas_cumprod.to(self.device)
        self.opt = torch.optim.AdamW(self.unet.parameters(), lr=self.spec.lr, weight_decay=float(self.p("weight_decay")))
        warm = min(int(self.p("warmup")), max(1, self.spec.steps // 10))
        self.lr_sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_lambda(warm))
        self.modules = {"unet": self.unet, "ema_unet": self.ema}
        self.optimizers = {"adamw": self.opt}
        self.lr_schedulers = {"lr": self.lr_sched}
        # The one trained in the loop (DDP-wrapped under a launch); self.unet stays the plain model.
        self.net, self.opt, _sched = self.prepare(self.unet, self.opt, self.lr_sched)
        g = torch.Generator().manual_seed(self.spec.seed)
        shape = (int(self.p("samples")), self.ds.channels, self.spec.size, self.spec.size)
        self.fixed_noise = torch.randn(shape, generator=g)

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        x0 = draw_batch(self, self.ds, step)
        gd = self.device_generator(step)
        b = x0.shape[0]
        t = torch.randint(0, self.noise_scheduler.config.num_train_timesteps, (b,), generator=gd, device=self.device)
        noise = torch.randn(x0.shape, generator=gd, device=self.device)
        ac = self.alphas_cumprod[t].view(-1, 1, 1, 1)
        xt = ac.sqrt() * x0 + (1 - ac).sqrt() * noise
        with self.autocast():
            pred = self.net(xt, t).sample
        loss = F.mse_loss(pred.float(), noise)
        self.backward(loss)
        gnorm = self.clip_grad(self.net.parameters(), float(self.p("grad_clip")))
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return {"loss": loss.detach(), "grad_norm": None if gnorm is None else gnorm.detach()}

    def after_step(self, step: int) -> None:
        self._update_ema(step)

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        # Warm-up of the decay so the EMA is useful after a few dozen steps already.
        decay = min(float(self.p("ema_decay")), (1 + step) / (10 + step))
        torch._foreach_lerp_(list(self.ema.parameters()), [p.detach() for p in self.unwrap(self.net).parameters()],
                             1.0 - decay)

    def pipeline(self, scheduler_name: str | None = None):
        """A StudioDDPMPipeline around the EMA weights (sharing them, not a copy)."""
        from studio.engines.pipelines.schedulers import make_scheduler
        from studio.engines.pipelines.unconditional import StudioDDPMPipeline

        sched = make_scheduler(scheduler_name or str(self.p("sample_scheduler")), self.noise_scheduler.config)
        pipe = StudioDDPMPipeline(unet=self.ema, scheduler=sched)
        pipe.set_progress_bar_config(disable=True)
        return pipe

    @torch.no_grad()
    def sample_tensor(self) -> torch.Tensor:
        was = self.ema.training
        self.ema.eval()
        try:
            steps = int(self.p("sample_steps"))
            out = self.pipeline()(batch_size=len(self.fixed_noise), latents=self.fixed_noise,
                                  num_inference_steps=steps, output_type="pt",
                                  callback_on_step_end=self.sample_callback(steps)).images
        finally:
            self.ema.train(was)
        return out.float().cpu() * 2 - 1

    def quality_samples(self) -> torch.Tensor:
        return self.sample_tensor()

    def sample(self):
        from studio.engines.common.sampling import to_grid

        return to_grid(self.sample_tensor(), nrow=8, scale=2 if self.spec.size <= 32 else 1)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "arch": "UNet2DModel", "size": self.spec.size,
                "channels": self.ds.channels, "pipeline": "DDPMPipeline"}

    def save_artifact(self, folder: Path) -> None:
        from diffusers import DDPMPipeline, DDPMScheduler

        unet = copy.deepcopy(self.ema).to("cpu", torch.float32)
        pipe = DDPMPipeline(unet=unet, scheduler=DDPMScheduler.from_config(self.noise_scheduler.config))
        pipe.save_pretrained(str(folder), safe_serialization=True)
