"""Bad input to the text-understanding families: one clear line each, nothing written."""
from __future__ import annotations

import json

import pytest

from studio.core.errors import ModelError, StudioError
from studio.core.progress import CancelToken
from studio.core.specs.training import TrainSpec
from studio.core.text_understanding import TextDataError, read_corpus, read_labelled
from studio.host.dispatch import run_spec
from tests.understand.conftest import write_csv


def test_missing_label(tmp_path):
    p = write_csv(tmp_path / "a.csv", [("good", "pos"), ("bad", ""), ("ok", "neg")])
    with pytest.raises(TextDataError, match="row 3 has no label"):
        read_labelled(p)


def test_one_class_only(tmp_path):
    p = write_csv(tmp_path / "a.csv", [("good", "pos"), ("fine", "pos")])
    with pytest.raises(TextDataError, match="only one class"):
        read_labelled(p)


def test_non_utf8_text(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("text,label\ncafé,pos\n".encode("latin-1"))
    with pytest.raises(TextDataError, match="not UTF-8"):
        read_labelled(p)
    c = tmp_path / "c.txt"
    c.write_bytes("naïve text".encode("latin-1"))
    with pytest.raises(TextDataError, match="not UTF-8"):
        read_corpus(c)


def test_empty_corpus(tmp_path, ctx, recorder):
    (tmp_path / "empty.txt").write_text("\n \n", encoding="utf-8")
    spec = TrainSpec(family="mlm", data=str(tmp_path / "empty.txt"), out="m", steps=5, batch=2)
    with pytest.raises(TextDataError, match="empty"):
        run_spec(spec, recorder, CancelToken(), ctx)
    assert not (ctx.paths.models / "m").exists()
    folder = tmp_path / "none"
    folder.mkdir()
    with pytest.raises(TextDataError, match="no .txt or .jsonl"):
        read_corpus(folder)


def test_numeric_label_column_scores_vs_classes(tmp_path):
    scores = write_csv(tmp_path / "s.csv", [(f"text {i}", f"{i * 0.37:.2f}") for i in range(30)])
    with pytest.raises(TextDataError, match="numeric scores"):
        read_labelled(scores)
    classes = read_labelled(write_csv(tmp_path / "c.csv", [(f"t{i}", str(i % 3)) for i in range(9)] +
                                      [("t", "10")]))
    assert classes.classes == ("0", "1", "2", "10"), "a few whole numbers are classes, in numeric order"


def test_missing_columns(tmp_path):
    p = write_csv(tmp_path / "a.csv", [("good", "pos")], header=("body", "label"))
    with pytest.raises(TextDataError, match="no text column"):
        read_labelled(p)


def test_model_neither_encoder_nor_lm(tmp_path, ctx, recorder, labelled):
    vit = tmp_path / "vit"
    vit.mkdir()
    (vit / "config.json").write_text(json.dumps({"model_type": "vit", "architectures": ["ViTModel"]}))
    spec = TrainSpec(family="classifier", data=str(labelled), base=str(vit), out="c", steps=5, batch=2)
    with pytest.raises(ModelError, match="neither a text encoder"):
        run_spec(spec, recorder, CancelToken(), ctx)
    assert not (ctx.paths.models / "c").exists()


def test_unknown_classifier_model(ctx, recorder):
    from studio.core.specs.text import ClassifySpec

    with pytest.raises(StudioError):
        run_spec(ClassifySpec(model="nope", texts=("x",)), recorder, CancelToken(), ctx)


def test_results_cross_the_seam_as_json():
    from studio.core.results import (ClassifyResult, FillMaskResult, MaskToken, Prediction, result_from_dict,
                                     result_to_dict)

    for r in (FillMaskResult(predictions=((MaskToken("capital", 0.9), MaskToken("city", 0.1)),)),
              ClassifyResult(labels=("a", "b"), predictions=(Prediction("x", "a", {"a": 0.7, "b": 0.3}),),
                             counts={"a": 1}, rows=1)):
        data = json.loads(json.dumps(result_to_dict(r)))
        assert result_from_dict(r.kind, data) == r
