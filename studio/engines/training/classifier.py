"""Family "classifier": transfer learning, a pretrained model plus a sequence-classification head.

The base is a studio mlm model, a local BERT-like encoder (both fully fine-tuned) or a causal LM such
as SmolLM2 (frozen, with a peft LoRA and a trained ``score`` head). A share of each class is held
out; every ``eval_every`` steps the validation loss and accuracy are plotted, the best weights kept,
and after ``patience`` evaluations without improvement the run stops. At the end the best weights are
restored and the validation set gives the classification report and a confusion matrix (an image
beside the model, shown in the training workspace); ``studio_model.json`` keeps both.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping

import torch

from studio.core.i18n import _
from studio.core.text_understanding import (CLASSIFIER_TYPE, CONFUSION_FILE, classification_report, confusion_matrix,
                                            format_report, read_labelled, split_indices)
from studio.core.models.training_families import family as training_family
from studio.engines.training.family_common import TrainableParams, warmup_lambda
from studio.engines.training.trainer import Trainer
from studio.engines.understand.models import DECODER, resolve_base

DEFAULTS: Mapping[str, Any] = training_family("classifier").params  # one place: studio.core.models.training_families


def confusion_image(matrix: list[list[int]], classes: list[str]):
    """A PIL picture of the confusion matrix: rows true, columns predicted, darker = more."""
    from PIL import Image, ImageDraw

    n, cell, margin = len(classes), 56, 110
    img = Image.new("RGB", (margin + n * cell + 10, margin + n * cell + 30), "white")
    d = ImageDraw.Draw(img)
    top = max(1, max(max(r) for r in matrix))
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            shade = int(245 - 200 * v / top)
            x, y = margin + j * cell, margin + i * cell
            d.rectangle([x, y, x + cell - 2, y + cell - 2], fill=(shade, shade, 255 if i == j else shade))
            d.text((x + cell // 2 - 8, y + cell // 2 - 6), str(v), fill="black" if shade > 120 else "white")
    for k, c in enumerate(classes):
        d.text((4, margin + k * cell + cell // 2 - 6), c[:16], fill="black")
        d.text((margin + k * cell + 2, margin - 16 - (k % 2) * 12), c[:8], fill="black")
    d.text((margin, 6), "predicted →", fill="black")
    d.text((4, margin - 44), "true ↓", fill="black")
    return img


class ClassifierTrainer(Trainer):
    family = "classifier"
    model_type = CLASSIFIER_TYPE
    defaults = DEFAULTS

    def setup(self) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the studio reports its own progress; tqdm bars garble the CLI
        rows = read_labelled(self.spec.data)
        self.classes = list(rows.classes)
        self.base = resolve_base(self.spec.base, self.ctx, self.reporter)
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.base.folder), local_files_only=True)
        if self.tokenizer.pad_token is None:  # causal LMs often have none: pad with end-of-text
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        pos = {c: i for i, c in enumerate(self.classes)}
        self.max_length = int(self.p("max_length"))
        enc = self.tokenizer(list(rows.texts), truncation=True, max_length=self.max_length)["input_ids"]
        data = [(ids, pos[lab]) for ids, lab in zip(enc, rows.labels)]
        train, val = split_indices(rows.labels, float(self.p("val_fraction")), self.spec.seed)
        self.train_set, self.val_set = [data[i] for i in train], [data[i] for i in val]
        self.reporter.log(_("Classifier data: {rows} rows, {classes} classes ({names}); {train} to train, "
                            "{val} to validate. Base {base} ({kind}).").format(
            rows=len(rows.texts), classes=len(self.classes), names=", ".join(self.classes), train=len(train),
            val=len(val), base=self.base.name, kind=self.base.kind))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(self.base.folder), num_labels=len(self.classes), local_files_only=True, use_safetensors=True,
            id2label=dict(enumerate(self.classes)), label2id=pos, ignore_mismatched_sizes=True, dtype=torch.float32)
        model.config.pad_token_id = self.tokenizer.pad_token_id
        mode = self.p("lora")
        self.lora = mode == "on" or (mode == "auto" and self.base.kind == DECODER)
        if self.lora:
            from peft import LoraConfig, get_peft_model

            cfg = LoraConfig(r=int(self.p("rank")), lora_alpha=float(self.p("alpha")), task_type="SEQ_CLS",
                             target_modules=list(self.p("lora_targets")))
            model = get_peft_model(model, cfg)
        self.model = model.to(self.device)
        self.model.train()
        trainable = TrainableParams(self.model.named_parameters())
        self.modules = {"classifier": trainable}
        self.opt = torch.optim.AdamW(trainable.parameters(), lr=self.spec.lr, weight_decay=float(self.p("weight_decay")))
        self.lr_sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_lambda(int(self.p("warmup"))))
        self.optimizers = {"adamw": self.opt}
        self.lr_schedulers = {"lr": self.lr_sched}
        self.net, self.opt, _sched = self.prepare(self.model, self.opt, self.lr_sched)  # self.model stays plain
        self.best_loss, self.best_state, self.bad_evals = math.inf, None, 0
        self.report: dict = {}

    def batch(self, items: list[tuple[list[int], int]]) -> dict[str, torch.Tensor]:
        n = max(len(ids) for ids, _y in items)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(items), n), pad, dtype=torch.long)
        mask = torch.zeros((len(items), n), dtype=torch.long)
        for i, (row, _y) in enumerate(items):  # right padding: the LM head reads the last real token
            ids[i, :len(row)] = torch.tensor(row)
            mask[i, :len(row)] = 1
        labels = torch.tensor([y for _i, y in items])
        return {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device), "labels": labels.to(self.device)}

    def forward(self, items: list[tuple[list[int], int]], model: torch.nn.Module | None = None):
        with self.autocast():
            return (model or self.net)(**self.batch(items))

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc = self.cpu_generator(step)
        idx = torch.randint(0, len(self.train_set), (min(self.spec.batch, len(self.train_set)),), generator=gc)
        out = self.forward([self.train_set[i] for i in idx.tolist()])
        self.backward(out.loss)
        self.clip_grad(self.modules["classifier"].parameters(), float(self.p("grad_clip")))
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return {"loss": out.loss.detach()}

    def after_step(self, step: int) -> None:
        every = int(self.p("eval_every"))
        if every and (step + 1) % every == 0 and self.val_set:
            self.evaluate(step + 1)

    @torch.no_grad()
    def validation(self) -> tuple[float, list[int]]:
        """(mean loss, predicted class index per validation row)."""
        was = self.model.training
        self.model.eval()
        try:
            loss, preds = 0.0, []
            for i in range(0, len(self.val_set), 32):
                items = self.val_set[i:i + 32]
                out = self.forward(items, self.model)  # the plain model: no DDP in evaluation
                loss += float(out.loss) * len(items)
                preds += out.logits.argmax(-1).tolist()
            return loss / max(1, len(self.val_set)), preds
        finally:
            self.model.train(was)

    def evaluate(self, step: int) -> None:
        loss, preds = self.validation()
        acc = sum(p == y for p, (_i, y) in zip(preds, self.val_set)) / max(1, len(self.val_set))
        self.reporter.metrics(step, {"val_loss": loss, "val_accuracy": acc})
        if loss < self.best_loss - 1e-4:
            self.best_loss, self.bad_evals = loss, 0
            self.best_state = {k: v.detach().clone() for k, v in self.modules["classifier"].state_dict().items()}
        else:
            self.bad_evals += 1

    def stop_early(self) -> bool:
        patience = int(self.p("patience"))
        if patience and self.bad_evals >= patience:
            self.reporter.log(_("Early stop at step {step}: validation loss has not improved for {n} evaluations.")
                              .format(step=self.step, n=self.bad_evals))
            return True
        return False

    def finish(self) -> None:
        """Best weights back, then the report and confusion matrix on the validation rows."""
        if self.best_state is not None:
            self.modules["classifier"].load_state_dict(self.best_state)
        if not self.val_set:
            return
        _loss, preds = self.validation()
        truth = [self.classes[y] for _i, y in self.val_set]
        pred = [self.classes[p] for p in preds]
        self.report = classification_report(truth, pred, self.classes)
        self.matrix = confusion_matrix(truth, pred, self.classes)
        self.reporter.log(_("Classification report (validation):") + "\n" + format_report(self.report, self.classes))
        self.image = confusion_image(self.matrix, self.classes)
        self.reporter.preview(self.image)

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "base": self.base.name, "base_path": str(self.base.folder),
                "base_kind": self.base.kind, "lora": self.lora, "labels": self.classes, "max_length": self.max_length,
                "report": self.report, "confusion_matrix": getattr(self, "matrix", []),
                "confusion_image": CONFUSION_FILE if self.report else ""}

    def save_artifact(self, folder: Path) -> None:
        self.finish()
        self.model.eval()
        self.model.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))
        if self.report:
            self.image.save(folder / CONFUSION_FILE)
