"""classifier family: transfer learning from a studio mlm model and from a SmolLM2-architecture LM (LoRA);
report = scikit-learn's; the classify job on texts and on a CSV; the CLI path end to end."""
from __future__ import annotations

import csv
import json

import pytest

from studio.core.progress import CancelToken
from studio.core.specs.text import ClassifySpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from studio.engines.training.run import trainer_class
from tests.understand.test_mlm import mlm_spec


@pytest.fixture()
def tiny_bert(review_corpus, ctx, recorder):
    run_spec(mlm_spec(review_corpus, steps=40), recorder, CancelToken(), ctx)
    return "tiny-bert"


def clf_spec(data, base, **kw) -> TrainSpec:
    b = dict(family="classifier", data=str(data), base=str(base), out="tiny-clf", steps=80, batch=16, lr=1e-3,
             sample_every=0, checkpoint_every=0, params={"eval_every": 10})
    return TrainSpec(**{**b, **kw})


def test_classifier_from_mlm_reaches_95_percent_and_reports_like_sklearn(tiny_bert, labelled, ctx, recorder):
    from sklearn.metrics import classification_report as sk_report

    trainer = trainer_class("classifier")(clf_spec(labelled, tiny_bert), recorder, CancelToken(), ctx)
    result = trainer.fit()
    assert max(recorder.series("val_accuracy")) >= 0.95
    _loss, preds = trainer.validation()
    truth = [trainer.classes[y] for _i, y in trainer.val_set]
    pred = [trainer.classes[p] for p in preds]
    assert sum(t == p for t, p in zip(truth, pred)) / len(truth) >= 0.95
    ours, theirs = trainer.report, sk_report(truth, pred, labels=trainer.classes, output_dict=True, zero_division=0)
    for key in [*trainer.classes, "macro avg", "weighted avg"]:
        for k in ("precision", "recall", "f1-score", "support"):
            assert ours[key][k] == pytest.approx(theirs[key][k]), (key, k)
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"])
    folder = ctx.paths.models / "tiny-clf"
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "text_classifier" and card["labels"] == ["negative", "positive"] and card["report"]
    assert (folder / card["confusion_image"]).is_file() and recorder.previews, "confusion matrix saved and shown"
    assert ctx.registry.resolve("tiny-clf").task == "understand"
    out = run_spec(ClassifySpec(model="tiny-clf", texts=("the food was great and lovely", "the staff was awful")),
                   recorder, CancelToken(), ctx)
    assert [p.label for p in out.predictions] == ["positive", "negative"]
    probs = out.predictions[0].probabilities
    assert set(probs) == {"negative", "positive"} and sum(probs.values()) == pytest.approx(1, abs=1e-4)
    assert result.steps <= 80


def test_classify_a_csv_keeps_rows_and_adds_prediction_and_probabilities(tiny_bert, labelled, ctx, recorder,
                                                                        tmp_path):
    run_spec(clf_spec(labelled, tiny_bert, steps=40), recorder, CancelToken(), ctx)
    out = tmp_path / "pred.csv"
    res = run_spec(ClassifySpec(model="tiny-clf", file=str(labelled), out=str(out)), recorder, CancelToken(), ctx)
    assert res.outputs == (str(out),)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    src = list(csv.DictReader(labelled.open(encoding="utf-8")))
    assert len(rows) == len(src) and list(rows[0]) == ["text", "label", "prediction", "p_negative", "p_positive"]
    assert [r["text"] for r in rows] == [r["text"] for r in src]
    before = out.read_bytes()
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="already exists"):
        run_spec(ClassifySpec(model="tiny-clf", file=str(labelled), out=str(out)), recorder, CancelToken(), ctx)
    assert out.read_bytes() == before, "an existing output is never replaced"


def test_lora_classifier_on_a_llama_trains_and_loads_through_peft(labelled, ctx, recorder, tmp_path):
    import torch
    from peft import PeftModel

    from studio.engines.understand.models import load_classifier_folder
    from tests.text.tiny_lm import build_tiny_llama, save_smol_tokenizer

    base = build_tiny_llama(tmp_path / "tiny-llama", save_smol_tokenizer(tmp_path / "tok"))
    spec = clf_spec(labelled, base, steps=6, params={"eval_every": 3, "rank": 4})
    trainer = trainer_class("classifier")(spec, recorder, CancelToken(), ctx)
    trainer.fit()
    assert trainer.lora and trainer.base.kind == "decoder"
    folder = ctx.paths.models / "tiny-clf"
    assert (folder / "adapter_config.json").is_file() and (folder / "adapter_model.safetensors").is_file()
    loaded = load_classifier_folder(folder)
    assert isinstance(loaded.model, PeftModel) and loaded.labels == ["negative", "positive"]
    items = trainer.val_set[:4]
    trainer.model.eval()
    with torch.no_grad():
        expect = trainer.model(**{k: v for k, v in trainer.batch(items).items() if k != "labels"}).logits
        b = trainer.batch(items)
        got = loaded.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
    assert torch.allclose(expect, got, atol=1e-4), "the saved adapter + head give the trained model's logits"


def test_cli_train_classifier_and_classify_a_file(tiny_bert, labelled, tmp_path, capsys):
    from studio.cli import main

    assert main(["train", "classifier", "--base", tiny_bert, "--data", str(labelled), "--out", "cli-clf",
                 "--steps", "40", "--batch", "16", "--lr", "1e-3", "--checkpoint-every", "0"]) == 0
    out = tmp_path / "p.csv"
    capsys.readouterr()
    assert main(["classify", "--model", "cli-clf", "--file", str(labelled), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert main(["classify", "--model", "cli-clf", "the phone was superb and perfect"]) == 0
    assert capsys.readouterr().out.startswith("positive")


@pytest.mark.slow
def test_builtin_smollm2_classifier_with_lora_saves_and_loads(ctx, recorder, tmp_path):
    """The real built-in SmolLM2 (GGUF, through its converted copy) as a classifier base: ~25 s."""
    from peft import PeftModel

    from studio.core.models.builtin_text import SMOLLM2_NAME
    from studio.engines.understand.models import load_classifier_folder
    from tests.understand.conftest import separable_rows, write_csv

    data = write_csv(tmp_path / "r.csv", separable_rows(40))
    spec = clf_spec(data, SMOLLM2_NAME, out="smol-clf", steps=3, batch=4, params={"eval_every": 0, "max_length": 32})
    result = run_spec(spec, recorder, CancelToken(), ctx)
    loaded = load_classifier_folder(ctx.paths.models / "smol-clf")
    assert isinstance(loaded.model, PeftModel) and loaded.labels == ["negative", "positive"]
    assert (ctx.paths.models / "smol-clf" / "adapter_model.safetensors").stat().st_size < 20_000_000, \
        "only the adapter and the head are saved, not the 135M base"
    assert result.steps == 3
