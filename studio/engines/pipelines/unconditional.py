"""StudioDDPMPipeline: diffusers' DDPMPipeline that works with any scheduler and reports each step.

The folder a DDPM training writes is a plain ``DDPMPipeline`` (``DDPMPipeline.from_pretrained``
loads it). The stock ``__call__`` only suits DDPM/DDIM-style schedulers (it neither scales the
initial noise nor the model input), and has no step callback; this subclass adds both, so the
studio's scheduler choice, progress, previews and cancel work as for text-to-image models. It is
unconditional: it takes no prompt, and images come out at the model's own size.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import torch
from diffusers import DDPMPipeline
from diffusers.pipelines.pipeline_utils import ImagePipelineOutput
from diffusers.utils.torch_utils import randn_tensor

from studio.engines.pipelines import pixel_edit


class StudioDDPMPipeline(DDPMPipeline):
    """Unconditional image generation with a UNet2DModel (see module doc)."""

    @property
    def num_timesteps(self) -> int:
        return getattr(self, "_num_timesteps", 0)

    @torch.no_grad()
    def __call__(self, batch_size: int = 1, generator: torch.Generator | list[torch.Generator] | None = None,
                 num_inference_steps: int = 50, output_type: str | None = "pil", return_dict: bool = True,
                 latents: torch.Tensor | None = None, image: Any = None, mask_image: Any = None,
                 strength: float = 1.0,
                 callback_on_step_end: Callable[[Any, int, Any, dict[str, Any]], dict[str, Any]] | None = None):
        cfg = self.unet.config
        size = (cfg.sample_size, cfg.sample_size) if isinstance(cfg.sample_size, int) else tuple(cfg.sample_size)
        shape = (batch_size, cfg.in_channels, *size)
        device = self._execution_device
        if latents is None:
            latents = randn_tensor(shape, generator=generator, device=device, dtype=self.unet.dtype)
        noise = latents.to(device, self.unet.dtype)
        # image/mask_image/strength: img2img and inpainting on pixels (studio.engines.pipelines.pixel_edit).
        edit = pixel_edit.prepare(image, mask_image, strength, size, cfg.in_channels, batch_size, device,
                                  self.unet.dtype)
        timesteps = pixel_edit.timesteps(self.scheduler, num_inference_steps, edit, device)
        image = pixel_edit.start(self.scheduler, edit, noise, timesteps)
        self._num_timesteps = len(timesteps)
        self._interrupt = False
        step_kw = {"generator": generator} if "generator" in inspect.signature(self.scheduler.step).parameters else {}
        for i, t in enumerate(self.progress_bar(timesteps)):
            if self._interrupt:
                break
            model_input = self.scheduler.scale_model_input(image, t)
            noise_pred = self.unet(model_input, t).sample
            image = self.scheduler.step(noise_pred, t, image, **step_kw).prev_sample
            image = pixel_edit.reimpose(self.scheduler, edit, noise, image, timesteps, i)
            if callback_on_step_end is not None:
                out = callback_on_step_end(self, i, t, {"latents": image})
                image = out.get("latents", image) if out else image
        image = (image.float() / 2 + 0.5).clamp(0, 1)
        if output_type != "pt":
            image = image.cpu().permute(0, 2, 3, 1).numpy()
            if output_type == "pil":
                image = self.numpy_to_pil(image)
        self.maybe_free_model_hooks()
        if not return_dict:
            return (image,)
        return ImagePipelineOutput(images=image)
