"""Applications: the shipped sentiment and routing examples train a classifier whose labels fill the
sentiment-monitoring and support-routing templates."""
from __future__ import annotations

from studio.core.paths import resources_dir
from studio.core.progress import CancelToken
from studio.core.specs.text import ClassifySpec
from studio.core.text_templates import BUILTIN_TEMPLATES, render
from studio.core.text_understanding import read_labelled
from studio.host.dispatch import run_spec
from tests.understand.test_classifier import clf_spec
from tests.understand.test_mlm import mlm_spec


def test_shipped_examples_are_valid_labelled_data():
    sentiment = read_labelled(resources_dir() / "examples" / "sentiment.csv")
    routing = read_labelled(resources_dir() / "examples" / "support_routing.csv")
    assert sentiment.classes == ("negative", "positive") and any("快" in t for t in sentiment.texts)
    assert routing.classes == ("billing", "shipping", "technical")


def test_routing_classifier_fills_the_routing_template(tmp_path, ctx, recorder):
    data = resources_dir() / "examples" / "support_routing.csv"
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(read_labelled(data).texts * 4), encoding="utf-8")
    run_spec(mlm_spec(corpus, steps=30), recorder, CancelToken(), ctx)
    run_spec(clf_spec(data, "tiny-bert", steps=60, out="router", params={"eval_every": 10, "val_fraction": 0.2,
                                                                         "patience": 0}),
             recorder, CancelToken(), ctx)
    result = run_spec(ClassifySpec(model="router", texts=("I was charged twice for my order",)), recorder,
                      CancelToken(), ctx)
    pred = result.predictions[0]
    template = next(t for t in BUILTIN_TEMPLATES if t.name == "support_routing")
    prompt = render(template, {"message": pred.text, "team": pred.label,
                               "confidence": f"{pred.probabilities[pred.label]:.2f}"})
    assert f"routed it to the {pred.label} team" in prompt and pred.label in ("billing", "shipping", "technical")
    monitoring = next(t for t in BUILTIN_TEMPLATES if t.name == "sentiment_monitoring")
    assert "classifier" in monitoring.prompt and {"counts", "examples"} <= set(monitoring.field_names())
