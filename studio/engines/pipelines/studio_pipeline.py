"""StudioPixelPipeline: a small text-to-image diffusers pipeline in pixel space (no VAE).

Components: ``unet`` (UNet2DConditionModel on RGB pixels), ``text_encoder`` (a small
CLIPTextModel trained with it), ``tokenizer`` (a real CLIPTokenizer, usually trimmed) and
``scheduler`` (any diffusers scheduler; the studio swaps in its choices with ``from_config``).

diffusers resolves ``_class_name`` only among its own classes, so load it through this class::

    StudioPixelPipeline.from_pretrained(folder, local_files_only=True)

(:func:`load_studio_pipeline` does that). The model draws at its native size (the UNet's
``sample_size``); other requested sizes are drawn natively and resized, since a 32 px model has
not learnt larger compositions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from diffusers import DiffusionPipeline, UNet2DConditionModel
from diffusers.pipelines.pipeline_utils import ImagePipelineOutput
from diffusers.schedulers import KarrasDiffusionSchedulers  # noqa: F401  (documents the accepted family)

from studio.engines.pipelines import pixel_edit


class StudioPixelPipeline(DiffusionPipeline):
    """Pixel-space text-to-image with classifier-free guidance and step callbacks."""

    model_cpu_offload_seq = "text_encoder->unet"
    _callback_tensor_inputs = ["latents"]

    def __init__(self, unet: UNet2DConditionModel, text_encoder, tokenizer, scheduler) -> None:
        super().__init__()
        self.register_modules(unet=unet, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler)
        self._interrupt = False

    @property
    def native_size(self) -> int:
        s = self.unet.config.sample_size
        return int(s[0] if isinstance(s, (tuple, list)) else s)

    @property
    def num_timesteps(self) -> int:
        """Denoising steps of the last call (fewer than asked for an img2img below strength 1)."""
        return getattr(self, "_num_timesteps", 0)

    @property
    def interrupt(self) -> bool:
        return self._interrupt

    @torch.no_grad()
    def encode_prompt(self, prompts: list[str], device: torch.device) -> torch.Tensor:
        """Text encoder hidden states (B, L, D) for ``prompts``."""
        ids = self.tokenizer(prompts, padding="max_length", max_length=self.tokenizer.model_max_length,
                             truncation=True, return_tensors="pt").input_ids.to(device)
        return self.text_encoder(ids)[0].to(self.unet.dtype)

    @staticmethod
    def latents_to_images(latents: torch.Tensor) -> list:
        """PIL images from pixel 'latents' in [-1, 1] (also used for step previews)."""
        from PIL import Image

        arr = ((latents.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        return [Image.fromarray(a) for a in arr]

    @torch.no_grad()
    def __call__(
        self,
        prompt: str | list[str] = "",
        negative_prompt: str | list[str] | None = None,
        height: int | None = None,
        width: int | None = None,
        num_inference_steps: int = 20,
        guidance_scale: float = 4.0,
        num_images_per_prompt: int = 1,
        generator: torch.Generator | list[torch.Generator] | None = None,
        latents: torch.Tensor | None = None,
        output_type: str = "pil",
        return_dict: bool = True,
        callback_on_step_end: Callable[..., dict[str, Any]] | None = None,
        callback_on_step_end_tensor_inputs: list[str] | None = None,
        image: Any = None,
        mask_image: Any = None,
        strength: float = 1.0,
        **_: Any,
    ):
        """Generate images; ``output_type`` 'pil', 'np' (H, W, 3 floats in [0, 1]) or 'pt' ([-1, 1] tensors).

        With ``image`` (PIL): img2img from it at ``strength``; with ``mask_image`` too (white = repaint):
        inpainting (see :mod:`studio.engines.pipelines.pixel_edit`).
        """
        from diffusers.utils.torch_utils import randn_tensor

        self._interrupt = False
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        prompts = [p for p in prompts for _ in range(num_images_per_prompt)]
        n = len(prompts)
        neg = negative_prompt if negative_prompt is not None else ""
        negs = [neg] * n if isinstance(neg, str) else [x for x in neg for _ in range(num_images_per_prompt)]
        device = self._execution_device
        cfg = guidance_scale > 1.0
        cond = self.encode_prompt(prompts, device)
        if cfg:
            cond = torch.cat([self.encode_prompt(negs, device), cond])

        size = self.native_size
        channels = self.unet.config.in_channels
        shape = (n, channels, size, size)
        if latents is None:
            noise = randn_tensor(shape, generator=generator, device=device, dtype=self.unet.dtype)
        else:
            noise = latents.to(device=device, dtype=self.unet.dtype)
        edit = pixel_edit.prepare(image, mask_image, strength, (size, size), channels, n, device, self.unet.dtype)
        timesteps = pixel_edit.timesteps(self.scheduler, num_inference_steps, edit, device)
        self._num_timesteps = len(timesteps)
        latents = pixel_edit.start(self.scheduler, edit, noise, timesteps)
        names = callback_on_step_end_tensor_inputs or ["latents"]
        extra = {"generator": generator} if "generator" in _step_params(self.scheduler) else {}

        for i, t in enumerate(self.progress_bar(timesteps)):
            if self._interrupt:
                break
            model_in = torch.cat([latents] * 2) if cfg else latents
            model_in = self.scheduler.scale_model_input(model_in, t)
            out = self.unet(model_in, t, encoder_hidden_states=cond).sample
            if cfg:
                uncond, text = out.chunk(2)
                out = uncond + guidance_scale * (text - uncond)
            latents = self.scheduler.step(out, t, latents, **extra).prev_sample
            latents = pixel_edit.reimpose(self.scheduler, edit, noise, latents, timesteps, i)
            if callback_on_step_end is not None:
                local = {"latents": latents}
                result = callback_on_step_end(self, i, t, {k: local[k] for k in names if k in local}) or {}
                latents = result.get("latents", latents)

        images = latents.clamp(-1, 1)
        if output_type == "pt":
            result_images: Any = images
        else:
            pil = self.latents_to_images(images)
            if (height or size) != size or (width or size) != size:
                from PIL import Image

                pil = [im.resize((width or size, height or size), Image.Resampling.LANCZOS) for im in pil]
            result_images = pil if output_type == "pil" else np.stack([np.asarray(im) / 255.0 for im in pil])
        self.maybe_free_model_hooks()
        if not return_dict:
            return (result_images,)
        return ImagePipelineOutput(images=result_images)


def _step_params(scheduler) -> set[str]:
    import inspect

    return set(inspect.signature(scheduler.step).parameters)


def load_studio_pipeline(folder: str | Path, device: str = "cpu", dtype: torch.dtype | None = None) -> StudioPixelPipeline:
    """Load a saved StudioPixelPipeline folder offline (safetensors only)."""
    pipe = StudioPixelPipeline.from_pretrained(str(folder), local_files_only=True, use_safetensors=True,
                                               **({"torch_dtype": dtype} if dtype else {}))
    return pipe.to(device)
