"""Family "text2img": a pixel-space UNet2DConditionModel and a small CLIP text encoder trained together.

v-prediction on a cosine noise schedule with min-SNR loss weighting; captions are dropped with
probability ``caption_dropout`` so classifier-free guidance works; an EMA of the weights is what
gets saved. The result is a StudioPixelPipeline folder that the normal txt2img path loads.
"""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.models.training_families import family as training_family
from studio.engines.training.trainer import Trainer

class NoisyBatch(NamedTuple):
    """One training step's inputs: the captions as drawn (before caption dropout), their token ids (after
    it), timesteps, noised latents, the v-prediction target and ᾱ_t."""

    captions: list[str]
    ids: torch.Tensor
    t: torch.Tensor
    xt: torch.Tensor
    target: torch.Tensor
    ac: torch.Tensor


DEFAULTS: Mapping[str, Any] = training_family("text2img").params  # one place: studio.core.models.training_families


def _sample_prompts(data: str) -> list[str]:
    if data.lower() in ("fashion-colour", "fashion-color"):
        from studio.engines.datasets import fashion_captions as fc

        return [fc.phrase(item, colour) for item, colour in zip(fc.ITEM_NAMES, fc.COLOUR_NAMES * 2)][:8] * 2
    return []


class Text2ImgTrainer(Trainer):
    family = "text2img"
    model_type = "studio_pipeline"
    defaults = DEFAULTS

    def setup(self) -> None:
        from diffusers import DDPMScheduler, UNet2DConditionModel
        from transformers import CLIPTextConfig, CLIPTextModel

        from studio.engines.datasets import load_dataset
        from studio.engines.datasets import fashion_captions as fc
        from studio.engines.training.vocab import trimmed_clip_tokenizer

        self.ds = load_dataset(self.spec.data, size=self.spec.size, channels=3, reporter=self.reporter,
                               limit=self.params.get("limit"), flip=bool(self.params.get("flip", False)))
        self.ds.images = self.ds.images.to(self.device)
        if self.ds.labels is not None:
            self.ds.labels = self.ds.labels.to(self.device)
        if self.ds.draw_fn is not None and self.spec.data.lower().startswith("fashion-col"):
            texts = fc.all_captions()
        else:
            texts = sorted(set(self.ds.captions or []))
            if not any(texts):
                raise StudioError(_("Text-to-image training needs captions: add same-stem .txt files beside the "
                                    "images."))
        self.prompts = _sample_prompts(self.spec.data) or (texts * 16)[:16]
        from studio.engines.clip_vocab import bundled_tokenizer_dir

        self.tokenizer = trimmed_clip_tokenizer(bundled_tokenizer_dir(), texts + [""], int(self.p("max_tokens")))
        self._token_cache: dict[str, list[int]] = {}
        dim = int(self.p("text_dim"))
        text_cfg = CLIPTextConfig(vocab_size=len(self.tokenizer), hidden_size=dim, intermediate_size=dim * 4,
                                  num_hidden_layers=int(self.p("text_layers")), num_attention_heads=int(self.p("text_heads")),
                                  max_position_embeddings=int(self.p("max_tokens")), projection_dim=dim,
                                  bos_token_id=self.tokenizer.bos_token_id, eos_token_id=self.tokenizer.eos_token_id,
                                  pad_token_id=self.tokenizer.pad_token_id, hidden_act="gelu")
        channels = tuple(int(c) for c in self.p("channels"))
        n = len(channels)
        self.unet = UNet2DConditionModel(
            sample_size=self.spec.size, in_channels=3, out_channels=3, layers_per_block=int(self.p("layers_per_block")),
            block_out_channels=channels, cross_attention_dim=dim, attention_head_dim=int(self.p("heads")),
            norm_num_groups=min(32, math.gcd(*channels)),
            # Cross-attention at every resolution, the full one included: the item's shape is decided there.
            down_block_types=("CrossAttnDownBlock2D",) * n, up_block_types=("CrossAttnUpBlock2D",) * n,
        ).to(self.device)
        self.text_encoder = CLIPTextModel(text_cfg).to(self.device)
        if self.spec.base:
            self._load_base(texts)
        self.noise_scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                                             prediction_type="v_prediction", timestep_spacing="trailing",
                                             clip_sample=False)
        self.alphas_cumprod = self.noise_scheduler.alphas_cumprod.to(self.device)
        self.ema_unet = copy.deepcopy(self.unet).requires_grad_(False)
        self.ema_text = copy.deepcopy(self.text_encoder).requires_grad_(False)
        self.modules = {"unet": self.unet, "text_encoder": self.text_encoder,
                        "ema_unet": self.ema_unet, "ema_text_encoder": self.ema_text}
        params = list(self.unet.parameters()) + list(self.text_encoder.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=self.spec.lr, weight_decay=float(self.p("weight_decay")),
                                           betas=(0.9, 0.99))
        warm, total = int(self.p("warmup")), max(1, self.spec.steps)
        self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, _WarmupCosine(warm, total))
        self.optimizers = {"adamw": self.optimizer}
        self.lr_schedulers = {"lr": self.lr_scheduler}
        self._ema_pairs = [(e, p) for m, em in ((self.unet, self.ema_unet), (self.text_encoder, self.ema_text))
                           for e, p in zip(em.parameters(), m.parameters())]
        # The trained pair (DDP-wrapped under a launch); self.unet / self.text_encoder stay the plain models.
        self.net, self.text_net, self.optimizer, _sched = self.prepare(self.unet, self.text_encoder, self.optimizer,
                                                                       self.lr_scheduler)

    def _load_base(self, texts: list[str]) -> None:
        """Start from an existing StudioPixelPipeline (fine-tuning): its UNet, text encoder and tokenizer."""
        from studio.engines.pipelines.studio_pipeline import load_studio_pipeline

        entry = self.ctx.registry.resolve(self.spec.base, task="image")
        if entry.type != "studio_pipeline":
            raise StudioError(_("{model!r} is a {type} model; text2img can only continue a studio pipeline.").format(
                model=entry.name, type=entry.type))
        base = load_studio_pipeline(entry.path, dtype=torch.float32)
        if int(base.unet.config.sample_size) != self.spec.size:
            raise StudioError(_("{model!r} draws {size} px images; use --size {size}.").format(
                model=entry.name, size=base.unet.config.sample_size))
        self.unet, self.text_encoder, self.tokenizer = base.unet.to(self.device), base.text_encoder.to(self.device), \
            base.tokenizer
        unknown = sorted({w for t in texts for w in t.split()
                          if self.tokenizer.unk_token_id in self.tokenizer(w, add_special_tokens=False).input_ids})
        if unknown:
            self.reporter.log(_("Words unknown to {model}'s vocabulary are ignored: {words}").format(
                model=entry.name, words=", ".join(unknown[:10])))

    def tokenize(self, captions: list[str]) -> torch.Tensor:
        rows = []
        for c in captions:
            ids = self._token_cache.get(c)
            if ids is None:
                ids = self.tokenizer(c, padding="max_length", max_length=self.tokenizer.model_max_length,
                                     truncation=True).input_ids
                self._token_cache[c] = ids
            rows.append(ids)
        return torch.tensor(rows, dtype=torch.long)

    def noisy_batch(self, step: int) -> NoisyBatch:
        """The step's batch: captions (some dropped), timesteps, noised latents and their v-prediction target."""
        gc, gd = self.cpu_generator(step), self.device_generator(step)
        b = self.spec.batch
        idx = torch.randint(0, len(self.ds), (b,), generator=gc)
        x0, caps = self.ds.batch(idx, gc)
        drop = (torch.rand(b, generator=gc) < float(self.p("caption_dropout"))).tolist()
        ids = self.tokenize(["" if d else c for c, d in zip(caps, drop)]).to(self.device, non_blocking=True)
        x0 = x0.to(self.device)
        t = torch.randint(0, self.noise_scheduler.config.num_train_timesteps, (b,), generator=gd, device=self.device)
        noise = torch.randn(x0.shape, generator=gd, device=self.device)
        ac = self.alphas_cumprod[t].view(-1, 1, 1, 1)
        xt = ac.sqrt() * x0 + (1 - ac).sqrt() * noise
        target = ac.sqrt() * noise - (1 - ac).sqrt() * x0  # v
        return NoisyBatch(list(caps), ids, t, xt, target, ac)

    def optimise(self, batch: NoisyBatch,
                 target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One update towards ``target`` with the min-SNR-γ weighted v-prediction loss: (loss, each sample's
        MSE, the gradient norm)."""
        with self.autocast():
            enc = self.text_net(batch.ids)[0]
            pred = self.net(batch.xt, batch.t, encoder_hidden_states=enc).sample
        snr = (batch.ac / (1 - batch.ac)).view(-1)
        weight = snr.clamp(max=float(self.p("min_snr_gamma"))) / (snr + 1)  # min-SNR-γ for v-prediction
        per = F.mse_loss(pred.float(), target, reduction="none").mean(dim=(1, 2, 3))
        loss = (weight * per).mean()
        self.backward(loss)
        gnorm = self.clip_grad([p for g in self.optimizer.param_groups for p in g["params"]], 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss, per, gnorm

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        batch = self.noisy_batch(step)
        loss, per, gnorm = self.optimise(batch, batch.target)
        return {"loss": loss.detach(), "mse": per.mean().detach(),
                "grad_norm": None if gnorm is None else gnorm.detach()}

    def after_step(self, step: int) -> None:
        self._update_ema(step)

    @torch.no_grad()
    def _update_ema(self, step: int) -> None:
        decay = min(float(self.p("ema_decay")), (1 + step) / (10 + step))
        ema = [e for e, _ in self._ema_pairs]
        torch._foreach_lerp_(ema, [p.detach() for _, p in self._ema_pairs], 1.0 - decay)

    def pipeline(self, ema: bool = True):
        """A StudioPixelPipeline sharing the (EMA) weights being trained."""
        from diffusers import EulerDiscreteScheduler

        from studio.engines.pipelines.studio_pipeline import StudioPixelPipeline

        sched = EulerDiscreteScheduler.from_config(self.noise_scheduler.config)
        return StudioPixelPipeline(unet=self.ema_unet if ema else self.unet,
                                   text_encoder=self.ema_text if ema else self.text_encoder,
                                   tokenizer=self.tokenizer, scheduler=sched)

    def sample(self):
        from studio.engines.common.sampling import to_grid

        return to_grid(self.sample_tensor(), nrow=8, scale=2)

    def quality_samples(self) -> torch.Tensor:
        return self.sample_tensor()

    @torch.no_grad()
    def sample_tensor(self) -> torch.Tensor:
        """The fixed-noise sample of each prompt, in [-1, 1] (what the grid shows)."""
        pipe = self.pipeline()
        pipe.set_progress_bar_config(disable=True)
        g = torch.Generator(device="cpu").manual_seed(self.spec.seed)  # fixed noise: progress stays comparable
        noise = torch.randn((len(self.prompts), 3, self.spec.size, self.spec.size), generator=g).to(self.device)
        steps = int(self.p("sample_steps"))
        out = pipe(self.prompts, num_inference_steps=steps, guidance_scale=float(self.p("guidance")),
                   latents=noise, output_type="pt", callback_on_step_end=self.sample_callback(steps)).images
        return out.float().cpu()  # StudioPixelPipeline's "pt" output is already in [-1, 1]

    def save_artifact(self, folder: Path) -> None:
        dtype = getattr(torch, str(self.p("save_dtype")))
        pipe = self.pipeline()
        unet = copy.deepcopy(self.ema_unet).to("cpu", dtype)
        text = copy.deepcopy(self.ema_text).to("cpu", dtype)
        pipe.register_modules(unet=unet, text_encoder=text)
        pipe.save_pretrained(str(folder), safe_serialization=True)
        from studio.engines.training.model_card import write_pipeline_readme

        write_pipeline_readme(folder, self.spec, self.step, self.prompts[:4])


class _WarmupCosine:
    """Linear warm-up, then cosine decay to 10 % of the peak learning rate."""

    def __init__(self, warmup: int, total: int) -> None:
        self.warmup, self.total = warmup, total

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))
