"""Steps/s of the studio's classifier trainer vs a plain transformers fine-tuning loop on the same model.

Both sides fine-tune the same BERT-like encoder (from a config, saved and loaded from a folder) with
the same batch size, AdamW and tokenized, right-padded batches; the studio side runs the real
trainer's ``fit()`` (progress, loss metrics, seeded per-step generators, gradient clipping, a
validation pass every ``eval_every`` steps — 0 here, so both do only training steps). Rounds
alternate so machine load hits both alike; the median ratio studio/plain is printed (goal ≥ 0.95).

    .venv/bin/python benchmarks/classifier_training.py [--steps 40] [--rounds 3] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _encoder(folder: Path) -> Path:
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

    from tests.understand.conftest import separable_rows

    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator([t for t, _l in separable_rows(200)], vocab_size=300,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], show_progress=False)
    tok = BertTokenizerFast(tokenizer_object=wp._tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                            sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=256, max_position_embeddings=64, pad_token_id=tok.pad_token_id)
    BertForMaskedLM(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _studio(ctx, data: Path, base: Path, steps: int, batch: int) -> float:
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.training import TrainSpec
    from studio.engines.training.run import trainer_class

    spec = TrainSpec(family="classifier", data=str(data), base=str(base), out="bench-clf", steps=steps, batch=batch,
                     lr=1e-4, sample_every=0, checkpoint_every=0, params={"eval_every": 0, "patience": 0})
    trainer = trainer_class("classifier")(spec, NullReporter(), CancelToken(), ctx)
    trainer.write_artifact = lambda: Path(".")  # time the training loop, not the final save
    return float(trainer.fit().steps_per_s)


def _plain(data: Path, base: Path, steps: int, batch: int, device: str) -> float:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from studio.core.text_understanding import read_labelled

    rows = read_labelled(data)
    tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    labels = torch.tensor([rows.classes.index(x) for x in rows.labels])
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=len(rows.classes),
                                                               local_files_only=True).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    ids = tok(list(rows.texts), truncation=True, max_length=128)["input_ids"]  # tokenized once, like datasets.map
    g = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, len(ids), (batch,), generator=g).tolist()
        enc = tok.pad({"input_ids": [ids[i] for i in idx]}, return_tensors="pt").to(device)
        loss = model(**enc, labels=labels[idx].to(device)).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AIGC_STUDIO_HOME"] = str(Path(tmp) / "home")
        from studio.core.paths import StudioPaths
        from studio.core.settings import Settings
        from studio.engines.context import EngineContext
        from tests.understand.conftest import separable_rows, write_csv

        ctx = EngineContext.create(StudioPaths(Path(tmp) / "home"), Settings(), device=args.device)
        data = write_csv(Path(tmp) / "rows.csv", separable_rows(400))
        base = _encoder(Path(tmp) / "encoder")
        ratios = []
        for r in range(args.rounds):
            studio = _studio(ctx, data, base, args.steps, args.batch)
            plain = _plain(data, base, args.steps, args.batch, args.device)
            ratios.append(studio / plain)
            print(f"round {r + 1}: studio {studio:.2f} steps/s, plain transformers {plain:.2f} steps/s, "
                  f"ratio {studio / plain:.3f}")
        print(f"classifier training: median ratio studio/plain {statistics.median(ratios):.3f} (goal >= 0.95)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
