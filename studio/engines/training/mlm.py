"""Family "mlm": a small BERT (``BertForMaskedLM`` from a config) pretrained from scratch on the user's corpus.

The WordPiece vocabulary is learnt from the same corpus by ``tokenizers`` (BERT pre-tokenizer with
``handle_chinese_chars``: every CJK character is its own token). It is saved under the run's training
folder first, so a resumed run reads the same vocabulary. Each step masks ``mask_prob`` of the
tokens (80 % [MASK], 10 % a random token, 10 % kept) and reports the loss and the share of masked
tokens predicted right. The model folder is a plain transformers one (``from_pretrained`` loads it)
plus ``studio_model.json`` (type "masked_lm").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.text_understanding import MLM_TYPE, read_corpus
from studio.core.models.training_families import family as training_family
from studio.engines.training.family_common import TrainableParams, warmup_lambda
from studio.engines.training.trainer import Trainer

DEFAULTS: Mapping[str, Any] = training_family("mlm").params  # one place: studio.core.models.training_families
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOKENIZER_FOLDER = "tokenizer"


def train_tokenizer(lines: list[str], vocab_size: int, lowercase: bool, folder: Path | None):
    """A BertTokenizerFast with a WordPiece vocabulary learnt from ``lines``, saved in ``folder`` (None: not
    saved — the other processes of a launch learn the same vocabulary and leave the writing to the main one)."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertTokenizerFast

    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=lowercase)
    wp.train_from_iterator(lines, vocab_size=vocab_size, min_frequency=1, special_tokens=SPECIAL_TOKENS,
                           show_progress=False)
    tok = BertTokenizerFast(tokenizer_object=wp._tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", mask_token="[MASK]")
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        tok.save_pretrained(str(folder))
    return tok


class MlmTrainer(Trainer):
    family = "mlm"
    model_type = MLM_TYPE
    defaults = DEFAULTS

    def setup(self) -> None:
        from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the studio reports its own progress; tqdm bars garble the CLI
        lines = read_corpus(self.spec.data)
        if self.params.get("limit"):
            lines = lines[:int(self.params["limit"])]
        tok_dir = self.work_dir / TOKENIZER_FOLDER
        if self.spec.resume and (tok_dir / "tokenizer.json").is_file():
            self.tokenizer = AutoTokenizer.from_pretrained(str(tok_dir), local_files_only=True)
        else:
            self.tokenizer = train_tokenizer(lines, int(self.p("vocab_size")), bool(self.p("lowercase")),
                                             tok_dir if self.is_main else None)
        self.max_length = int(self.p("max_length"))
        body = self.max_length - 2
        self.examples: list[list[int]] = []
        for ids in self.tokenizer(lines, add_special_tokens=False)["input_ids"]:
            for i in range(0, len(ids), body):  # long lines become several examples
                self.examples.append([self.tokenizer.cls_token_id, *ids[i:i + body], self.tokenizer.sep_token_id])
        if not self.examples:
            raise StudioError(_("The corpus {name} has no tokens to learn from.").format(name=self.spec.data))
        self.reporter.log(_("MLM corpus: {lines} lines, {count} examples, vocabulary {tokens} tokens.").format(
            lines=len(lines), count=len(self.examples), tokens=len(self.tokenizer)))
        hidden, heads = int(self.p("hidden")), int(self.p("heads"))
        if hidden % heads:
            raise StudioError(_("The width ({hidden}) must be a multiple of the heads ({heads}).").format(
                hidden=hidden, heads=heads))
        cfg = BertConfig(vocab_size=len(self.tokenizer), hidden_size=hidden, num_hidden_layers=int(self.p("layers")),
                         num_attention_heads=heads, intermediate_size=int(self.p("intermediate")),
                         max_position_embeddings=max(self.max_length, 16), pad_token_id=self.tokenizer.pad_token_id)
        self.model = BertForMaskedLM(cfg).to(self.device)
        self.model.train()
        self.modules = {"bert": TrainableParams(self.model.named_parameters())}  # tied weights once
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=self.spec.lr, weight_decay=float(self.p("weight_decay")))
        self.lr_sched = torch.optim.lr_scheduler.LambdaLR(self.opt, warmup_lambda(int(self.p("warmup"))))
        self.optimizers = {"adamw": self.opt}
        self.lr_schedulers = {"lr": self.lr_sched}
        self.net, self.opt, _sched = self.prepare(self.model, self.opt, self.lr_sched)  # self.model stays plain
        self.special = torch.tensor(self.tokenizer.all_special_ids)

    def masked_batch(self, rows: list[list[int]], gen: torch.Generator):
        """(ids, attention mask, labels): ``mask_prob`` of the real tokens chosen (at least one per row)."""
        n = max(len(r) for r in rows)
        ids = torch.full((len(rows), n), self.tokenizer.pad_token_id, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
        attn = (ids != self.tokenizer.pad_token_id).long()
        can = attn.bool() & ~torch.isin(ids, self.special)
        score = torch.rand(ids.shape, generator=gen).masked_fill(~can, 2.0)
        chosen = (score < float(self.p("mask_prob"))) & can
        first = score.argmin(dim=1)  # every row with a real token masks at least one
        chosen[torch.arange(len(rows)), first] |= can[torch.arange(len(rows)), first]
        labels = ids.masked_fill(~chosen, -100)
        roll = torch.rand(ids.shape, generator=gen)
        ids = ids.masked_fill(chosen & (roll < 0.8), self.tokenizer.mask_token_id)
        rand = chosen & (roll >= 0.8) & (roll < 0.9)
        ids = torch.where(rand, torch.randint(len(self.special), len(self.tokenizer), ids.shape, generator=gen), ids)
        return ids.to(self.device), attn.to(self.device), labels.to(self.device)

    def train_step(self, step: int) -> Mapping[str, torch.Tensor]:
        gc = self.cpu_generator(step)
        idx = torch.randint(0, len(self.examples), (self.spec.batch,), generator=gc)
        ids, attn, labels = self.masked_batch([self.examples[i] for i in idx.tolist()], gc)
        with self.autocast():
            out = self.net(input_ids=ids, attention_mask=attn, labels=labels)
        self.backward(out.loss)
        self.clip_grad(self.model.parameters(), float(self.p("grad_clip")))
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        masked = labels != -100
        acc = (out.logits.detach().argmax(-1)[masked] == labels[masked]).float().mean()
        return {"loss": out.loss.detach(), "masked_accuracy": acc}

    def model_card(self) -> dict[str, Any]:
        return {**super().model_card(), "vocab_size": len(self.tokenizer), "max_length": self.max_length,
                "hidden": int(self.p("hidden")), "layers": int(self.p("layers"))}

    def save_artifact(self, folder: Path) -> None:
        self.model.eval()
        self.model.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))
