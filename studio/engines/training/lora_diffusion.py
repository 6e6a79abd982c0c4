"""Family "lora": DreamBooth-style LoRA fine-tuning of a Stable Diffusion (1.x/2.x) pipeline.

Images come from a folder (captions in same-stem ``.txt`` files, the kohya convention) and/or one
``instance_prompt`` for images without a caption. The VAE latents and (unless the text encoder is
trained too) the prompt embeddings are computed once; each step then only runs the UNet with peft
LoRA layers on its attention projections (to_q/to_k/to_v/to_out.0). Checkpoints hold only the
LoRA weights. The result is one ``.safetensors`` file in the diffusers LoRA format
(``StableDiffusionPipeline.save_lora_weights``, rank/alpha in its metadata) under
``models/loras/``, so the model manager lists it and ``load_lora_weights`` loads it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.core.errors import StudioError
from studio.core.models.families import caps_of
from studio.core.i18n import _
from studio.core.models.swap import MARKER_KEY, discard, new_work_folder, swap_in, train_target
from studio.core.names import check_model_name
from studio.engines.training.family_common import TrainableParams, warmup_lambda
from studio.core.models.training_families import family as training_family
from studio.engines.training.trainer import Trainer

DEFAULTS: Mapping[str, Any] = training_family("lora").params  # one place: studio.core.models.training_families


class DiffusionLoraTrainer(Trainer):
    family = "lora"
    model_type = "lora"
    defaults = DEFAULTS

    # ---- setup ---------------------------------------------------------------------------------
    def _load_base(self):
        if not self.spec.base:
            raise StudioError(_("Choose the base model the LoRA is for (--base)."))
        entry = self.ctx.registry.resolve(self.spec.base, task="image")
        if not caps_of(entry).train_base:  # the capability table (studio.core.models.families)
            raise StudioError(_("{model} is a {type} model; LoRAs are trained for Stable Diffusion pipelines.").format(
                model=entry.name, type=entry.type))
        self.base_entry = entry
        if entry.type == "sd_single_file":
            from studio.engines.models.single_file import load

            pipe = load(entry, "cpu", torch.float32)
        else:
            from diffusers import DiffusionPipeline

            pipe = DiffusionPipeline.from_pretrained(entry.path, local_files_only=True, use_safetensors=True,
                                                     dtype=torch.float32)
        if hasattr(pipe, "text_encoder_2") or not all(getattr(pipe, n, None) is not None
                                                      for n in ("unet", "vae", "text_encoder", "tokenizer")):
            raise StudioError(_("{model} is not a Stable Diffusion 1.x/2.x pipeline; LoRA training supports those.").format(
                model=entry.name))
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(self.device)

    def setup(self) -> None:
        from diffusers import DDPMScheduler
        from peft import LoraConfig

        from studio.engines.datasets import load_dataset

        size = self.spec.size
        if size % 8 or size < 64:
            raise StudioError(_("The LoRA training resolution must be a multiple of 8, at least 64 (got {size}).").format(
                size=size))
        self.pipe = pipe = self._load_base()
        self.unet, self.vae, self.text_encoder, self.tokenizer = pipe.unet, pipe.vae, pipe.text_encoder, pipe.tokenizer
        for m in (self.unet, self.vae, self.text_encoder):
            m.requires_grad_(False)
        ds = load_dataset(self.spec.data, size=size, channels=3, reporter=self.reporter, limit=self.params.get("limit"))
        instance = str(self.p("instance_prompt")).strip()
        captions = [c.strip() or instance for c in (ds.captions or [""] * len(ds))]
        if not all(captions):
            raise StudioError(_("Some images have no caption: add same-stem .txt files or give an instance prompt."))
        images = ds.images
        if self.p("flip"):
            images, captions = torch.cat([images, images.flip(-1)]), captions * 2
        self.captions = captions
        self.reporter.log(_("LoRA dataset: {count} images at {size}×{size} px, {captions} caption(s).").format(
            count=len(images), size=size, captions=len(set(captions))))
        self.latents = self._encode_images(images)

        rank = int(self.p("rank"))
        alpha = float(self.p("alpha") or rank)
        self.unet.add_adapter(LoraConfig(r=rank, lora_alpha=alpha, init_lora_weights="gaussian",
                                         target_modules=list(self.p("target_modules"))))
        self.train_te = bool(self.p("train_text_encoder"))
        self.modules = {"unet_lora": TrainableParams(self.unet.named_parameters())}
        params = self.modules["unet_lora"].parameters()
        if self.train_te:
            self.text_encoder.add_adapter(LoraConfig(r=rank, lora_alpha=alpha, init_lora_weights="gaussian",
                                                     target_modules=list(self.p("text_target_modules"))))
            self.modules["text_encoder_lora"] = TrainableParams(self.text_encoder.named_parameters())
            params = params + self.modules["text_encoder_lora"].parameters()
        for p in params:  # trained in float32 even when the base runs in half precision
            p.data = p.data.float()
        self._embeds: dict[str, torch.Tensor] = {}
        self.noise_scheduler = DDPMScheduler.from_config(pipe.scheduler.config)
        self.opt = torch.optim.AdamW(params, lr=self.spec.lr, weight_decay=1e-2)
        self.lr_sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_lambda(int(self.p("warmup"))))
        self.optimizers = {"adamw": self.opt}
        self.lr_schedulers = {"lr": self.lr_sched}
        # The trained models (DDP-wrapped under a launch); self.unet / self.text_encoder stay the plain ones
        # (the pipeline samples with them, the LoRA is saved from them).
        self.net, self.opt, _sched = self.prepare(self.unet, self.opt, self.lr_sched)
        self.text_net = self.prepare(self.text_encoder) if self.train_te else self.text_encoder
        self.sample_prompts = list(dict.fromkeys(captions))[:int(self.p("samples"))]

    @torch.no_grad()
    def _encode_images(self, images_u8: torch.Tensor) -> torch.Tensor:
        out = []
        factor = float(getattr(self.vae.config, "scaling_factor", 0.18215))
        for i in range(0, len(images_u8), 8):
            x = images_u8[i:i + 8].to(self.device, torch.float32) / 127.5 - 1.0
            out.append(self.vae.encode(x.to(self.vae.dtype)).latent_dist.mean.float() * factor)
        return torch.cat(out)

    def _ids(self, captions: list[str]) -> torch.Tensor:
        return self.tokenizer(captions, padding="max_length", max_length=self.tokenizer.model_max_length,
                              truncation=True, return_tensors="pt").input_ids.to(self.device)

    def encode_text(self, captions: list[str]) -> torch.Tensor:
        """Prompt embeddings; cached per caption while the text encoder is frozen."""
        if self.train_te:
            return self.text_net(self._ids(captions))[0]
        missing = [c for c in dict.fromkeys(captions) if c not in self._embeds]
        if missing:
            with torch.no_grad():
                enc = self.text_encoder(self._ids(missing))[0]
            self._embeds.update(zip(missing, enc))
        return torch.stack([self._embeds[c] for c in captions])

    # ---- training ------------------------------------------------------------------------------
    def _loss(self, latents: torch.Tensor, captions: list[str], noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        noisy = self.noise_scheduler.add_noise(latents, noise, t)
        if self.noise_scheduler.config.prediction_type == "v_prediction":
            target = self.noise_scheduler.get_velocity(latents, noise, t)
        else:
            target = noise
        with self.autocast():
            enc = self.encode_text(captions)
            pred = self.net(noisy.to(self.unet.dtype), t, encoder_hidden_states=enc.to(self.unet.dtype)).sample
        return F.mse_loss(pred.float(), target.float())

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc, gd = self.cpu_generator(step), self.device_generator(step)
        idx = torch.randint(0, len(self.latents), (self.spec.batch,), generator=gc)
        latents = self.latents[idx.to(self.device)]
        noise = torch.randn(latents.shape, generator=gd, device=self.device)
        t = torch.randint(0, self.noise_scheduler.config.num_train_timesteps, (len(idx),), generator=gd,
                          device=self.device)
        loss = self._loss(latents, [self.captions[i] for i in idx.tolist()], noise, t)
        self.backward(loss)
        self.clip_grad([p for g in self.opt.param_groups for p in g["params"]], float(self.p("grad_clip")))
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return {"loss": loss.detach()}

    @torch.no_grad()
    def eval_loss(self, n: int = 16) -> float:
        """The loss on up to ``n`` training images at fixed noise and timesteps (comparable over training)."""
        g = torch.Generator().manual_seed(self.spec.seed + 7)
        k = min(n, len(self.latents))
        noise = torch.randn(self.latents[:k].shape, generator=g).to(self.device)
        total = self.noise_scheduler.config.num_train_timesteps
        t = torch.linspace(total * 0.1, total * 0.9, k).long().to(self.device)
        return float(self._loss(self.latents[:k], self.captions[:k], noise, t))

    @torch.no_grad()
    def sample(self):
        from diffusers import EulerDiscreteScheduler

        from studio.engines.common.sampling import to_grid

        original = self.pipe.scheduler
        self.pipe.scheduler = EulerDiscreteScheduler.from_config(original.config)
        try:
            gens = [torch.Generator().manual_seed(self.spec.seed + i) for i in range(len(self.sample_prompts))]
            out = self.pipe(self.sample_prompts, num_inference_steps=int(self.p("sample_steps")),
                            guidance_scale=float(self.p("guidance")), height=self.spec.size, width=self.spec.size,
                            generator=gens, output_type="pt").images
        finally:
            self.pipe.scheduler = original
        return to_grid(out.float() * 2 - 1, nrow=len(self.sample_prompts))

    # ---- the artifact --------------------------------------------------------------------------
    def artifact_path(self) -> Path:
        name = check_model_name(self.spec.out)
        if self.custom_out_dir is not None:
            return self.custom_out_dir / f"{name}.safetensors"
        return train_target(Path(self.ctx.paths.models), self.family, name)

    def targets(self) -> list[Path]:
        return [self.artifact_path()]

    def metadata(self) -> dict[str, str]:
        """Training facts in the kohya/modelspec keys the model manager (and other tools) read."""
        rank = int(self.p("rank"))
        meta = {"modelspec.title": self.spec.out, "ss_output_name": self.spec.out,
                "ss_sd_model_name": self.base_entry.name, "ss_network_dim": str(rank),
                "ss_network_alpha": str(float(self.p("alpha") or rank)), "ss_steps": str(self.step),
                "ss_resolution": f"{self.spec.size},{self.spec.size}", "ss_learning_rate": str(self.spec.lr),
                MARKER_KEY: self.family}
        instance = str(self.p("instance_prompt")).strip()
        if instance:
            meta["modelspec.trigger_phrase"] = instance
        return meta

    def write_artifact(self) -> Path:
        """Save the LoRA file beside the target, add the training metadata, then move it into place."""
        from diffusers import StableDiffusionPipeline
        from diffusers.utils import convert_state_dict_to_diffusers
        from peft.utils import get_peft_model_state_dict
        from safetensors import safe_open
        from safetensors.torch import save_file

        target = self.artifact_path()
        tmp = new_work_folder(target)
        kwargs: dict[str, Any] = {
            "unet_lora_layers": convert_state_dict_to_diffusers(get_peft_model_state_dict(self.unet)),
            "unet_lora_adapter_metadata": self.unet.peft_config["default"].to_dict()}
        if self.train_te:
            kwargs["text_encoder_lora_layers"] = convert_state_dict_to_diffusers(
                get_peft_model_state_dict(self.text_encoder))
            kwargs["text_encoder_lora_adapter_metadata"] = self.text_encoder.peft_config["default"].to_dict()
        StableDiffusionPipeline.save_lora_weights(str(tmp), weight_name=target.name, safe_serialization=True, **kwargs)
        saved = tmp / target.name
        with safe_open(str(saved), framework="pt") as fh:
            meta = dict(fh.metadata() or {})
            tensors = {k: fh.get_tensor(k).contiguous() for k in fh.keys()}
        meta.update(self.metadata())
        save_file(tensors, str(saved), metadata=meta)
        target = self.placed(swap_in(saved, target, self.spec.overwrite), target)  # same folder: renames only
        discard(tmp)
        self.reporter.log(_("LoRA saved: {path}").format(path=target))
        return target
