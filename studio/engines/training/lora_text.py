"""Family "text_lora": a peft LoRA on a causal language model, from instruction/response pairs or text.

The base is any text model the studio runs (a transformers folder, or a GGUF through its converted
copy). The adapter is saved the plain peft way (``adapter_config.json`` + ``adapter_model.safetensors``,
``PeftModel.from_pretrained`` loads it) plus ``studio_model.json`` (type "text_lora" with the base
model), so the text engine lists it as a model of its own and applies it to its base. With
``merge`` the merged full model is saved too, as ``<name>-merged``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import torch

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.models.swap import new_work_folder, swap_in
from studio.engines.training.family_common import TrainableParams, warmup_lambda
from studio.engines.training.text_data import IGNORE, load_examples
from studio.core.models.training_families import family as training_family
from studio.engines.training.trainer import MODEL_CARD_FILE, Trainer

DEFAULTS: Mapping[str, Any] = training_family("text_lora").params  # one place: studio.core.models.training_families


class TextLoraTrainer(Trainer):
    family = "text_lora"
    model_type = "text_lora"
    defaults = DEFAULTS

    def setup(self) -> None:
        from peft import LoraConfig, get_peft_model

        from studio.engines.text.loader import load_entry

        if not self.spec.base:
            raise StudioError(_("Choose the language model the LoRA is for (--base)."))
        self.base_entry = self.ctx.registry.resolve(self.spec.base, task="text")
        if self.base_entry.type == "text_lora":
            raise StudioError(_("{model} is itself a LoRA; train on its base model instead.").format(
                model=self.base_entry.name))
        lm = load_entry(self.base_entry, self.ctx, self.reporter)  # a fresh copy: the cached one stays untouched
        self.base_path = lm.path if self.base_entry.type != "gguf" else str(self.base_entry.path)
        self.tokenizer = lm.tokenizer
        model = lm.model.to(self.device, torch.float32)
        self.max_length = min(int(self.p("max_length")), lm.context_length)
        self.examples = load_examples(self.spec.data, self.tokenizer, self.max_length, self.reporter)
        learnt = sum(sum(1 for x in e.labels if x != IGNORE) for e in self.examples)
        self.reporter.log(_("Text LoRA dataset: {count} examples, {learnt} answer tokens to learn.").format(
            count=len(self.examples), learnt=learnt))
        targets = self.p("target_modules")
        cfg = LoraConfig(r=int(self.p("rank")), lora_alpha=float(self.p("alpha")), lora_dropout=float(self.p("dropout")),
                         target_modules=targets if isinstance(targets, str) else list(targets), task_type="CAUSAL_LM")
        self.model = get_peft_model(model, cfg)
        self.model.train()
        self.modules = {"lora": TrainableParams(self.model.named_parameters())}
        self.opt = torch.optim.AdamW(self.modules["lora"].parameters(), lr=self.spec.lr,
                                     weight_decay=float(self.p("weight_decay")))
        warm = min(int(self.p("warmup")), max(1, self.spec.steps // 10))
        self.lr_sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_lambda(warm))
        self.optimizers = {"adamw": self.opt}
        self.lr_schedulers = {"lr": self.lr_sched}
        self.net, self.opt, _sched = self.prepare(self.model, self.opt, self.lr_sched)  # self.model stays plain
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (self.tokenizer.eos_token_id or 0)

    def batch(self, examples: list) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(input ids, attention mask, labels), right-padded to the longest example."""
        n = max(len(e.ids) for e in examples)
        ids = torch.full((len(examples), n), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(examples), n), dtype=torch.long)
        labels = torch.full((len(examples), n), IGNORE, dtype=torch.long)
        for i, e in enumerate(examples):
            ids[i, :len(e.ids)] = torch.tensor(e.ids)
            mask[i, :len(e.ids)] = 1
            labels[i, :len(e.labels)] = torch.tensor(e.labels)
        return ids.to(self.device), mask.to(self.device), labels.to(self.device)

    def _loss(self, examples: list) -> torch.Tensor:
        ids, mask, labels = self.batch(examples)
        with self.autocast():
            return self.net(input_ids=ids, attention_mask=mask, labels=labels).loss

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc = self.cpu_generator(step)
        idx = torch.randint(0, len(self.examples), (min(self.spec.batch, len(self.examples)),), generator=gc)
        loss = self._loss([self.examples[i] for i in idx.tolist()])
        self.backward(loss)
        self.clip_grad(self.modules["lora"].parameters(), float(self.p("grad_clip")))
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return {"loss": loss.detach()}

    @torch.no_grad()
    def eval_loss(self, n: int = 16) -> float:
        """The mean loss over the first ``n`` examples (a fixed measure across training)."""
        was = self.model.training
        self.model.eval()
        try:
            return float(torch.stack([self._loss([e]) for e in self.examples[:n]]).mean())
        finally:
            self.model.train(was)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "base": self.base_entry.name, "base_path": self.base_path,
                "rank": int(self.p("rank")), "alpha": float(self.p("alpha"))}

    def targets(self) -> list[Path]:
        merged = [self.out_dir.with_name(f"{self.out_dir.name}-merged")] if self.p("merge") else []
        return [self.out_dir, *merged]

    def write_artifact(self) -> Path:
        """The adapter folder (peft files + studio_model.json), swapped into place; plus the merged model."""
        target = self.out_dir
        tmp = new_work_folder(target)
        self.model.save_pretrained(str(tmp), safe_serialization=True)
        atomic_write_text(tmp / MODEL_CARD_FILE, json.dumps(self.model_card(), indent=2) + "\n")
        target = self.placed(swap_in(tmp, target, self.spec.overwrite), target)
        if self.p("merge"):
            merged = target.with_name(f"{target.name}-merged")
            mtmp = new_work_folder(merged)
            # merge_and_unload changes the weights in place: training is over, so that is fine.
            full = self.model.merge_and_unload()
            full.save_pretrained(str(mtmp), safe_serialization=True)
            self.tokenizer.save_pretrained(str(mtmp))
            merged = self.placed(swap_in(mtmp, merged, self.spec.overwrite), merged)
            self.reporter.log(_("Merged model saved: {path}").format(path=merged))
        return target
