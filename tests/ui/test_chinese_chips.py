"""In zh_CN, Studio Fashion's vocabulary chips show and insert the Chinese words, and the prompt they make
draws exactly what the English words draw (the model reads Chinese through its card's mapping)."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QToolButton

from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, NullReporter
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def chinese(qtbot):
    from studio.app import install_translators

    app = QCoreApplication.instance()
    installed = install_translators(app, "zh_CN")
    yield
    for t in installed:
        app.removeTranslator(t)


def _fashion(paths: StudioPaths):
    return next(e for e in ModelRegistry(paths, Settings()).scan() if e.name == "studio-fashion")


def test_chips_show_and_insert_chinese_words_and_the_image_is_the_english_prompts(qtbot, paths, chinese):
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec
    from studio.ui.prompt_editor import PromptEditor

    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_models([_fashion(paths)])
    assist = editor.assist
    qtbot.waitUntil(assist.chips_ready, timeout=5000)  # the chips come a few per event-loop turn
    assert assist.chips.isVisible()
    chips = {c.objectName()[5:]: c for c in assist.chips.findChildren(QToolButton) if c.objectName().startswith("chip_")}
    assert len(chips) == 22  # 10 garments + 12 colours
    assert all(HAN.search(c.text()) and HAN.search(c.toolTip()) for c in chips.values()), \
        [c.text() for c in chips.values()]
    assert (chips["sneaker"].text(), chips["red"].text(), chips["ankle boot"].text()) == ("运动鞋", "红色", "短靴")
    assert "sneaker" in chips["sneaker"].toolTip() and "服饰" in chips["sneaker"].toolTip()
    assert "一只红色的运动鞋" in editor.prompt_edit.placeholderText()
    assert "中文" in assist.knows_label.text()
    chips["red"].click()
    chips["sneaker"].click()
    assert editor.prompt_edit.toPlainText() == "红色运动鞋"  # no spaces between Chinese words
    assert assist.warning() == ""
    spec = editor.spec().replace(seed=5, steps=3, upscale="")

    ctx = EngineContext.create(paths, Settings(), device="cpu")
    zh = run_spec(spec, NullReporter(), CancelToken(), ctx)
    en = run_spec(spec.replace(prompt="red sneaker"), NullReporter(), CancelToken(), ctx)
    drawn = [np.asarray(Image.open(r.outputs[0]).convert("RGB")) for r in (zh, en)]
    assert drawn[0].shape == drawn[1].shape and np.array_equal(drawn[0], drawn[1])
