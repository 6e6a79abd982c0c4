"""The Text workspace's Understand tab: a real fill-mask and classify job through the job pool; Use from the
model manager opens it."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken
from studio.core.models.registry import ModelEntry
from studio.host.dispatch import run_spec
from tests.understand.test_classifier import clf_spec
from tests.understand.test_mlm import mlm_spec


@pytest.fixture()
def trained(review_corpus, labelled, ctx, recorder):
    run_spec(mlm_spec(review_corpus, steps=40), recorder, CancelToken(), ctx)
    run_spec(clf_spec(labelled, "tiny-bert", steps=40), recorder, CancelToken(), ctx)
    return ctx


@pytest.fixture()
def pool(qtbot, paths, monkeypatch):
    from studio.core.settings import Settings
    from studio.jobs.pool import WorkerPool
    from tests.fixtures.host_zygote import use_warm_hosts

    use_warm_hosts(monkeypatch)  # the pool's hosts are forked from the session's warm parent

    pool = WorkerPool(paths, Settings(device="cpu", scan_hf_cache=False))
    pool.start()
    yield pool
    pool.shutdown(wait=True, timeout=30)


def test_understand_panel_fills_a_mask_and_classifies(qtbot, trained, paths, pool):
    from studio.ui.text_workspace import TextWorkspace

    ws = TextWorkspace(paths=paths, models=[])
    qtbot.addWidget(ws)
    ws.bind(pool)
    ws.set_models(trained.registry.scan())
    panel = ws.understand
    assert panel.model_combo.count() == 2
    panel.add_model(ModelEntry("tiny-clf", str(paths.models / "tiny-clf"), "text_classifier"))
    assert panel.run_button.text() == "Classify"
    panel.text_edit.setPlainText("the food was great and lovely\nthe staff was awful and angry")
    panel.run()
    qtbot.waitUntil(lambda: panel.job is None, timeout=60000)
    assert [panel.table.item(r, 0).text() for r in range(2)] == ["positive", "negative"], panel.status_label.text()
    panel.add_model(ModelEntry("tiny-bert", str(paths.models / "tiny-bert"), "masked_lm"))
    assert panel.run_button.text() == "Fill mask"
    panel.text_edit.setPlainText("the food was [MASK] and lovely")
    panel.run()
    qtbot.waitUntil(lambda: panel.job is None, timeout=60000)
    assert panel.table.rowCount() == 5 and panel.table.item(0, 1).text(), panel.status_label.text()
