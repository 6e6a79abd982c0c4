"""Family "clip": contrastive image–text training of a small ``transformers.CLIPModel`` from a config.

The tokenizer is the studio's CLIP BPE trimmed to the dataset's words (``training.vocab``). The loss
is CLIP's symmetric cross-entropy over the batch's image–caption similarities, except that captions
naming the same thing (the same content words: "a red sneaker" and "a photo of a red sneaker") all
count as matches, so the many repeats in a batch of a small-vocabulary dataset are not pushed apart.
Saved as a plain CLIP folder (config.json, model.safetensors, tokenizer, preprocessor_config.json)
that ``CLIPModel.from_pretrained`` loads, plus the studio's card.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.engines.training.trainer import Trainer
from studio.core.models.training_families import family as training_family

# A ViT with 8×8 patches (16 tokens + the class token at 32 px), 4 layers of width 128, and a 2-layer text
# tower of width 64: small enough to train on two CPU cores in under half an hour (Studio CLIP).
DEFAULTS: Mapping[str, Any] = training_family("clip").params  # one place: studio.core.models.training_families
STOP_WORDS = frozenset({"a", "an", "the", "of", "pair", "photo", "in", "picture", "image"})
MEAN = STD = (0.5, 0.5, 0.5)  # the studio's images live in [-1, 1]: pixel = (x01 - 0.5) / 0.5


def caption_key(caption: str) -> frozenset[str]:
    """What a caption names: its content words, order and phrasing ignored."""
    return frozenset(w for w in caption.lower().replace(",", " ").split() if w not in STOP_WORDS)


def match_targets(captions: list[str], device: torch.device) -> torch.Tensor:
    """(B, B) row-normalised targets: 1 where two captions name the same thing."""
    keys = [caption_key(c) for c in captions]
    ids = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    k = torch.tensor([ids[x] for x in keys], device=device)
    same = (k[:, None] == k[None, :]).float()
    return same / same.sum(1, keepdim=True)


class _Towers(torch.nn.Module):
    """Both CLIP towers behind one ``forward`` (what DDP wraps: it syncs gradients of forward calls only)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixel_values: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        img = self.model.get_image_features(pixel_values=pixel_values).pooler_output
        txt = self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output
        return img, txt


class ClipTrainer(Trainer):
    family = "clip"
    model_type = "clip"
    defaults = DEFAULTS

    def setup(self) -> None:
        from transformers import CLIPConfig, CLIPModel

        from studio.engines.clip_vocab import bundled_tokenizer_dir
        from studio.engines.datasets import fashion_captions as fc
        from studio.engines.datasets import load_dataset
        from studio.engines.training.vocab import trimmed_clip_tokenizer

        self.ds = load_dataset(self.spec.data, size=self.spec.size, channels=3, reporter=self.reporter,
                               limit=self.params.get("limit"))
        self.ds.images = self.ds.images.to(self.device)
        if self.ds.draw_fn is not None and self.spec.data.lower().startswith("fashion-col"):
            texts = fc.all_captions()
        else:
            texts = sorted(set(self.ds.captions or []))
            if not any(texts):
                raise StudioError(_("CLIP training needs captions: add same-stem .txt files beside the images."))
        self.tokenizer = trimmed_clip_tokenizer(bundled_tokenizer_dir(), texts + [""], int(self.p("max_tokens")))
        self._token_cache: dict[str, list[int]] = {}
        patch = int(self.p("patch"))
        if self.spec.size % patch:
            raise StudioError(_("The image size {size} is not a multiple of the patch size {patch}.").format(
                size=self.spec.size, patch=patch))
        tdim, vdim, ratio = int(self.p("text_dim")), int(self.p("vision_dim")), int(self.p("mlp_ratio"))
        text_cfg = dict(vocab_size=len(self.tokenizer), hidden_size=tdim, intermediate_size=tdim * ratio,
                        num_hidden_layers=int(self.p("text_layers")), num_attention_heads=int(self.p("text_heads")),
                        max_position_embeddings=int(self.p("max_tokens")), bos_token_id=self.tokenizer.bos_token_id,
                        eos_token_id=self.tokenizer.eos_token_id, pad_token_id=self.tokenizer.pad_token_id)
        vision_cfg = dict(image_size=self.spec.size, patch_size=patch, num_channels=3, hidden_size=vdim,
                          intermediate_size=vdim * ratio, num_hidden_layers=int(self.p("vision_layers")),
                          num_attention_heads=int(self.p("vision_heads")))
        self.config = CLIPConfig(text_config=text_cfg, vision_config=vision_cfg,
                                 projection_dim=int(self.p("embed_dim")))
        self.model = CLIPModel(self.config).to(self.device)
        decay = [p for n, p in self.model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
        rest = [p for n, p in self.model.named_parameters() if not (p.ndim >= 2 and "embedding" not in n)]
        self.optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": float(self.p("weight_decay"))},
                                            {"params": rest, "weight_decay": 0.0}], lr=self.spec.lr, betas=(0.9, 0.98))
        self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, _WarmupCosine(int(self.p("warmup")), max(1, self.spec.steps)))
        self.modules = {"clip": self.model}
        self.optimizers = {"adamw": self.optimizer}
        self.lr_schedulers = {"lr": self.lr_scheduler}
        self.towers, self.optimizer, _sched = self.prepare(_Towers(self.model), self.optimizer, self.lr_scheduler)
        n_params = sum(p.numel() for p in self.model.parameters())
        self.reporter.log(_("CLIP with {millions:.2f} M parameters, {tokens} tokens.").format(
            millions=n_params / 1e6, tokens=len(self.tokenizer)))

    def tokenize(self, captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = []
        for c in captions:
            ids = self._token_cache.get(c)
            if ids is None:
                ids = self.tokenizer(c, padding="max_length", max_length=self.tokenizer.model_max_length,
                                     truncation=True).input_ids
                self._token_cache[c] = ids
            rows.append(ids)
        ids_t = torch.tensor(rows, dtype=torch.long)
        # Padding is the EOS token; attend to everything up to and including the first EOS.
        first_eos = (ids_t == self.tokenizer.eos_token_id).int().argmax(1)
        mask = (torch.arange(ids_t.shape[1])[None] <= first_eos[:, None]).long()
        return ids_t.to(self.device), mask.to(self.device)

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc = self.cpu_generator(step)
        idx = torch.randint(0, len(self.ds), (self.spec.batch,), generator=gc)
        x, caps = self.ds.batch(idx, gc)
        ids, mask = self.tokenize(caps)
        with self.autocast():
            img, txt = self.towers(x.to(self.device, torch.float32), ids, mask)
        img, txt = F.normalize(img.float(), dim=-1), F.normalize(txt.float(), dim=-1)
        scale = self.model.logit_scale.exp().clamp(max=100.0)
        logits = scale * img @ txt.T
        target = match_targets(caps, self.device)
        loss = 0.5 * (torch.sum(-target * F.log_softmax(logits, 1), 1).mean()
                      + torch.sum(-target * F.log_softmax(logits.T, 1), 1).mean())
        self.backward(loss)
        self.clip_grad(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        with torch.no_grad():
            self.model.logit_scale.clamp_(0, math.log(100.0))
            acc = target[torch.arange(len(caps)), logits.argmax(1)].gt(0).float().mean()
        return {"loss": loss.detach(), "batch_accuracy": acc, "logit_scale": scale.detach()}

    def model_card(self) -> dict[str, Any]:
        title = str(self.p("title") or self.spec.out)
        return {**super().model_card(), "name": title, "size": self.spec.size,
                "parameters": sum(p.numel() for p in self.model.parameters())}

    def save_artifact(self, folder: Path) -> None:
        import copy

        model = copy.deepcopy(self.model).to("cpu").eval()
        model.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))
        pre = {"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": self.spec.size},
               "do_center_crop": True, "crop_size": {"height": self.spec.size, "width": self.spec.size},
               "do_normalize": True, "image_mean": list(MEAN), "image_std": list(STD), "do_convert_rgb": True,
               "resample": 3, "do_rescale": True, "rescale_factor": 1 / 255}
        atomic_write_text(folder / "preprocessor_config.json", json.dumps(pre, indent=2) + "\n")


class _WarmupCosine:
    """Linear warm-up, then cosine decay to 5 % of the peak learning rate."""

    def __init__(self, warmup: int, total: int) -> None:
        self.warmup, self.total = warmup, total

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))
