"""The content filter's optional classifier check: a text classifier trained in the studio flags prompts whose
harmful label reaches the threshold ("block": the job ends naming the label; nothing is written)."""
from __future__ import annotations

import pytest

from studio.core.content_filter import ContentBlocked
from studio.core.progress import CancelToken, NullReporter
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.engines.context import EngineContext
from studio.host.dispatch import run_spec
from tests.jobs.conftest import TEST_ENGINES, use_engines
from tests.understand.test_classifier import clf_spec
from tests.understand.test_mlm import mlm_spec


def test_trained_classifier_blocks_its_harmful_label(review_corpus, labelled, ctx, recorder, paths, monkeypatch):
    run_spec(mlm_spec(review_corpus, steps=40), recorder, CancelToken(), ctx)
    run_spec(clf_spec(labelled, "tiny-bert", steps=60), recorder, CancelToken(), ctx)
    use_engines(monkeypatch, TEST_ENGINES)  # image jobs: the small test engine ("count": writes one PNG)
    settings = Settings(content_filter="block", content_filter_classifier="tiny-clf",
                        content_filter_classifier_labels=("negative",), content_filter_classifier_threshold=0.5)
    guarded = EngineContext.create(paths, settings, device="cpu")
    with pytest.raises(ContentBlocked) as err:
        run_spec(ImageSpec(prompt="count the staff was awful and rude", steps=2), NullReporter(), CancelToken(),
                 guarded)
    assert "(classifier: negative)" in str(err.value) and "awful" not in str(err.value)
    assert not list(paths.outputs.rglob("*.png"))
    ok = run_spec(ImageSpec(prompt="count the food was great and lovely", steps=2), NullReporter(), CancelToken(),
                  guarded)
    assert ok.outputs
    other = EngineContext.create(paths, settings.replace(content_filter_classifier_labels=("positive",)),
                                 device="cpu")
    assert run_spec(ImageSpec(prompt="count the staff was awful", steps=2), NullReporter(), CancelToken(),
                    other).outputs  # only the listed labels count
