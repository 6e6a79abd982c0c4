"""Load a CLIP (``transformers.CLIPModel`` folder, ``local_files_only``) and use it.

A :class:`Clip` bundles the model, its tokenizer and its image preprocessing (read from the
folder's ``preprocessor_config.json``: size, mean, std). Images go in as PIL images or as tensors in
[-1, 1] (what the studio's generators produce); tensor encoding is differentiable, which is what
CLIP-guided generation optimises through. Embeddings come out L2-normalised.

CLIP score: 100 × max(cos(image, text), 0), the torchmetrics / Hessel et al. convention (w = 100).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.registry import TYPE_LABELS, ModelEntry

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
SCORE_SCALE = 100.0
PREPROCESSOR_FILE = "preprocessor_config.json"


@dataclass
class Clip:
    """A loaded CLIP: model (eval mode, frozen), tokenizer and pixel preprocessing."""

    model: torch.nn.Module
    tokenizer: object
    size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    name: str = ""

    @property
    def components(self) -> dict[str, torch.nn.Module]:
        """For the model cache's memory accounting."""
        return {"model": self.model}

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # ---- texts ------------------------------------------------------------------------------
    @torch.no_grad()
    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """(N, D) unit-length text embeddings."""
        return self.text_features(texts)

    def text_features(self, texts: Sequence[str]) -> torch.Tensor:
        tok = self.tokenizer(list(texts), padding="max_length", truncation=True,
                             max_length=self.tokenizer.model_max_length, return_tensors="pt")
        out = self.model.get_text_features(input_ids=tok.input_ids.to(self.device),
                                           attention_mask=tok.attention_mask.to(self.device))
        return F.normalize(_tensor(out).float(), dim=-1)

    # ---- images -----------------------------------------------------------------------------
    def pixels(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (N, C, H, W; C = 1 or 3) → the model's normalised pixel values (differentiable).

        The shorter side is resized to the model's size (bicubic, antialiased when shrinking) and the
        centre cropped, as CLIPImageProcessor does.
        """
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = (x.float() + 1.0) / 2.0
        h, w = x.shape[-2:]
        if (h, w) != (self.size, self.size):
            scale = self.size / min(h, w)
            nh, nw = max(self.size, round(h * scale)), max(self.size, round(w * scale))
            x = F.interpolate(x, size=(nh, nw), mode="bicubic", align_corners=False, antialias=nh < h)
            top, left = (nh - self.size) // 2, (nw - self.size) // 2
            x = x[..., top:top + self.size, left:left + self.size]
        mean = torch.tensor(self.mean, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    def image_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, D) unit-length embeddings of images in [-1, 1]; differentiable (guidance)."""
        out = self.model.get_image_features(pixel_values=self.pixels(x.to(self.device)))
        return F.normalize(_tensor(out).float(), dim=-1)

    @torch.no_grad()
    def encode_images(self, images: Sequence) -> torch.Tensor:
        """(N, D) unit-length embeddings of PIL images (any size; converted to RGB)."""
        feats = [self.image_features(pil_to_tensor(im)[None]) for im in images]
        return torch.cat(feats) if feats else torch.zeros(0, self.embed_dim)

    @property
    def embed_dim(self) -> int:
        return int(self.model.config.projection_dim)

    # ---- scores -----------------------------------------------------------------------------
    @torch.no_grad()
    def score(self, images: Sequence, texts: Sequence[str]) -> list[float]:
        """CLIP score of each image against its own text (pairs; same length)."""
        if len(images) != len(texts):
            raise ValueError("score() pairs images with texts: give as many of each")
        if not images:
            return []
        sims = (self.encode_images(images) * self.encode_texts(texts)).sum(-1)
        return [round(float(s), 3) for s in (SCORE_SCALE * sims.clamp(min=0)).cpu()]

    @torch.no_grad()
    def similarity(self, images: Sequence, texts: Sequence[str]) -> torch.Tensor:
        """(images, texts) cosine-similarity matrix (for zero-shot classification and ranking)."""
        return self.encode_images(images) @ self.encode_texts(texts).T


def _tensor(out) -> torch.Tensor:
    """get_*_features returns a tensor (transformers 4.x) or an output with ``pooler_output`` (5.x)."""
    return out if isinstance(out, torch.Tensor) else out.pooler_output


def pil_to_tensor(image) -> torch.Tensor:
    """A PIL image → (3, H, W) float in [-1, 1]."""
    import numpy as np

    arr = np.asarray(image.convert("RGB"), dtype=np.float32)
    return torch.from_numpy(arr).permute(2, 0, 1) / 127.5 - 1.0


def _preprocessing(folder: Path, vision_size: int) -> tuple[int, tuple, tuple]:
    """(size, mean, std) from the folder's preprocessor_config.json, CLIP's defaults without one."""
    size, mean, std = vision_size, OPENAI_MEAN, OPENAI_STD
    cfg_path = folder / PREPROCESSOR_FILE
    if cfg_path.is_file():
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ModelError(_("{file} of the CLIP {name} is not valid JSON ({error}).").format(
                file=PREPROCESSOR_FILE, name=folder.name, error=exc)) from exc
        crop = cfg.get("crop_size", vision_size)
        size = int(crop.get("height", vision_size) if isinstance(crop, dict) else crop)
        mean = tuple(float(v) for v in cfg.get("image_mean", mean))
        std = tuple(float(v) for v in cfg.get("image_std", std))
    return size, mean, std  # type: ignore[return-value]


def load_clip_folder(folder: Path | str, device: str = "cpu", name: str = "") -> Clip:
    """A CLIP from a transformers folder (config.json, weights, tokenizer files); never downloads."""
    from transformers import CLIPModel, CLIPTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the studio reports its own progress; tqdm bars garble the CLI
    folder = Path(folder)
    label = name or folder.name
    try:
        model = CLIPModel.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(_("The CLIP {name} cannot be loaded: {error}").format(
            name=label, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from exc
    try:
        tokenizer = CLIPTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, TypeError) as exc:
        raise ModelError(_("The CLIP {name} has no usable tokenizer (vocab.json and merges.txt): {error}").format(
            name=label, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from exc
    model = model.to(device).eval().requires_grad_(False)
    size, mean, std = _preprocessing(folder, int(model.config.vision_config.image_size))
    return Clip(model=model, tokenizer=tokenizer, size=size, mean=mean, std=std, name=label)


def check_clip_entry(entry: ModelEntry) -> None:
    """Raise ModelError with a clear line unless ``entry`` is a usable CLIP."""
    if entry.type == "clip":
        if not entry.usable:
            raise ModelError(_("The CLIP {name} cannot be used: {reason}").format(name=entry.name, reason=entry.reason))
        return
    kind = TYPE_LABELS.get(entry.type, entry.type)
    if entry.task == "text" or entry.details.get("clip_part") == "text":
        raise ModelError(_("{name} is a text-only model ({kind}), not a CLIP: choose a model with an image and a "
                           "text tower (a transformers CLIPModel folder).").format(name=entry.name, kind=kind))
    raise ModelError(_("{name} is a {kind} model, not a CLIP (a transformers CLIPModel folder).").format(
        name=entry.name, kind=kind))


def resolve_clip(ctx, name: str) -> ModelEntry:
    """The registry entry of the CLIP called ``name`` ('' = the first usable CLIP), checked."""
    if name:
        entries = ctx.registry.find(name)
        p = Path(name).expanduser()
        if not entries and p.exists():
            from studio.core.models.identify import identify_path

            entries = [identify_path(p, "path")]
        if not entries:
            raise ModelError(_("No model named {name!r} is installed.").format(name=name))
        entry = next((e for e in entries if e.type == "clip" and e.usable), None) or \
            next((e for e in entries if e.type == "clip"), entries[0])
    else:
        entry = ctx.registry.default("clip")
        if entry is None:
            raise ModelError(_("No CLIP model is installed. Open the model manager to add one."))
    check_clip_entry(entry)
    return entry


def load_clip(ctx, name: str = "") -> Clip:
    """The CLIP called ``name`` through the registry, cached in the engine context."""
    entry = resolve_clip(ctx, name)
    return ctx.cache.get_or_load(("clip", entry.path, ctx.device),
                                 lambda: load_clip_folder(entry.path, ctx.device, name=entry.title))
