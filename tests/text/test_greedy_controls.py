"""Sampling controls: greedy (temperature 0) means no seed and no repetition penalty unless one is chosen."""
from __future__ import annotations

from studio.core.specs.text import TextSpec
from studio.ui.text_controls import SamplingControls


def test_auto_penalty_and_the_seed_follow_the_temperature(qtbot):
    c = SamplingControls()
    qtbot.addWidget(c)
    assert c.repetition_penalty.text() == "Auto" and c.values()["repetition_penalty"] is None
    c.random_seed.setChecked(False)
    c.temperature.setValue(0.0)
    assert not c.seed.isEnabled() and not c.random_seed.isEnabled()
    spec = TextSpec(prompt="x", **c.spec_kwargs(c.next_seed()))
    assert spec.seed == 0 and spec.effective_repetition_penalty() == 1.0
    c.temperature.setValue(0.7)
    assert c.seed.isEnabled()
    assert TextSpec(prompt="x", **c.spec_kwargs()).effective_repetition_penalty() == 1.1
    c.repetition_penalty.setValue(1.3)  # a penalty the user chose is kept, greedy or not
    c.temperature.setValue(0.0)
    assert TextSpec(prompt="x", **c.spec_kwargs()).effective_repetition_penalty() == 1.3
    c.set_values({"repetition_penalty": None})
    assert c.repetition_penalty.text() == "Auto"
