"""Sampling controls for the text workspace: temperature, top-k/p, min-p, penalty, length, seed, stops."""
from __future__ import annotations

from typing import Mapping, TypedDict

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLineEdit, QSpinBox,
                               QWidget)

from studio.core.specs.base import SAMPLING_REPETITION_PENALTY, random_seed
from studio.ui.spin_boxes import SeedSpinBox

PENALTY_AUTO = 0.45  # the spin box's lowest value, shown as "Auto"


class Sampling(TypedDict):
    """The controls' settings as a plain dict (saved with conversations)."""

    temperature: float
    top_k: int
    top_p: float
    min_p: float
    repetition_penalty: float | None
    max_new_tokens: int
    seed: int
    random_seed: bool
    stop: list[str]


DEFAULTS: Sampling = {"temperature": 0.7, "top_k": 50, "top_p": 0.95, "min_p": 0.0, "repetition_penalty": None,
                      "max_new_tokens": 256, "seed": 0, "random_seed": True, "stop": []}


def parse_stops(text: str) -> list[str]:
    r"""Stop strings typed as ``;``-separated items; ``\n`` and ``\t`` mean a line break and a tab."""
    out = []
    for item in text.split(";"):
        s = item.replace("\\n", "\n").replace("\\t", "\t")
        if s.strip(" "):
            out.append(s)
    return out


def format_stops(stops: list[str] | tuple[str, ...]) -> str:
    return "; ".join(s.replace("\n", "\\n").replace("\t", "\\t") for s in stops)


class SamplingControls(QWidget):
    """The generation settings, each with a tooltip saying what it does."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        def dspin(lo: float, hi: float, step: float, decimals: int = 2) -> QDoubleSpinBox:
            w = QDoubleSpinBox()
            w.setRange(lo, hi)
            w.setSingleStep(step)
            w.setDecimals(decimals)
            w.valueChanged.connect(self.changed)
            return w

        self.temperature = dspin(0.0, 5.0, 0.05)
        self.temperature.setToolTip(self.tr(
            "Randomness. 0 = always the likeliest token (greedy, same text every time); 0.7 is balanced; "
            "above 1 gets creative and then incoherent."))
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 100000)
        self.top_k.valueChanged.connect(self.changed)
        self.top_k.setToolTip(self.tr("Sample only among the K likeliest tokens. 0 = no limit."))
        self.top_p = dspin(0.0, 1.0, 0.01)
        self.top_p.setToolTip(self.tr(
            "Nucleus sampling: sample among the likeliest tokens whose probabilities add up to P. 1 = off."))
        self.min_p = dspin(0.0, 1.0, 0.01)
        self.min_p.setToolTip(self.tr(
            "Drop tokens less likely than this fraction of the top token's probability (0.05–0.1 keeps "
            "high temperatures coherent). 0 = off."))
        # Its lowest step is "Auto": 1.1 when sampling, none when greedy (TextSpec's None).
        self.repetition_penalty = dspin(PENALTY_AUTO, 3.0, 0.05)
        self.repetition_penalty.setSpecialValueText(self.tr("Auto"))
        self.repetition_penalty.setToolTip(self.tr(
            "Discourages repeating tokens already in the text. 1 = off. Auto: {0} when sampling, off at "
            "temperature 0 (greedy means greedy).").format(SAMPLING_REPETITION_PENALTY))
        self.max_new_tokens = QSpinBox()
        self.max_new_tokens.setRange(1, 32768)
        self.max_new_tokens.valueChanged.connect(self.changed)
        self.max_new_tokens.setToolTip(self.tr(
            "The most tokens to generate (a token is about ¾ of a word). It is shortened automatically "
            "when the model's context would overflow."))
        self.seed = SeedSpinBox()
        self.seed.setToolTip(self.tr(
            "Same seed + same settings + same prompt = same text. Ignored at temperature 0."))
        self.random_seed = QCheckBox(self.tr("New each time"))
        self.random_seed.setToolTip(self.tr("Pick a new random seed for every answer."))
        self.random_seed.toggled.connect(lambda _on: self._update_seed_state())
        seed_row = QWidget()
        row = QHBoxLayout(seed_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.seed, 1)
        row.addWidget(self.random_seed)
        self.stop = QLineEdit()
        self.stop.setPlaceholderText(self.tr(r"e.g. \n\n; THE END"))
        self.stop.setToolTip(self.tr(
            r"Generation stops before any of these texts. Separate several with ';'; write \n for a line break."))

        form.addRow(self.tr("Temperature"), self.temperature)
        form.addRow(self.tr("Top-k"), self.top_k)
        form.addRow(self.tr("Top-p"), self.top_p)
        form.addRow(self.tr("Min-p"), self.min_p)
        form.addRow(self.tr("Repetition penalty"), self.repetition_penalty)
        form.addRow(self.tr("Max new tokens"), self.max_new_tokens)
        form.addRow(self.tr("Seed"), seed_row)
        form.addRow(self.tr("Stop at"), self.stop)
        self.temperature.valueChanged.connect(lambda _v: self._update_seed_state())
        self.set_values(DEFAULTS)

    def values(self) -> Sampling:
        """The settings as a plain dict (saved with conversations)."""
        return {"temperature": round(self.temperature.value(), 4), "top_k": self.top_k.value(),
                "top_p": round(self.top_p.value(), 4), "min_p": round(self.min_p.value(), 4),
                "repetition_penalty": self.penalty(),
                "max_new_tokens": self.max_new_tokens.value(), "seed": self.seed.seed(),
                "random_seed": self.random_seed.isChecked(), "stop": parse_stops(self.stop.text())}

    def set_values(self, values: Mapping[str, object]) -> None:
        """Show saved settings (unknown keys are ignored, missing ones take the defaults)."""
        v = {**DEFAULTS, **{k: values[k] for k in values if k in DEFAULTS}}
        self.temperature.setValue(float(v["temperature"]))
        self.top_k.setValue(int(v["top_k"]))
        self.top_p.setValue(float(v["top_p"]))
        self.min_p.setValue(float(v["min_p"]))
        penalty = v["repetition_penalty"]
        self.repetition_penalty.setValue(PENALTY_AUTO if penalty is None else float(penalty))
        self.max_new_tokens.setValue(int(v["max_new_tokens"]))
        self.seed.set_seed(int(v["seed"]))
        self.random_seed.setChecked(bool(v["random_seed"]))
        self._update_seed_state()
        self.stop.setText(format_stops(list(v["stop"])))

    def penalty(self) -> float | None:
        """The repetition penalty chosen (None: Auto)."""
        value = round(self.repetition_penalty.value(), 4)
        return None if value <= PENALTY_AUTO else value

    def greedy(self) -> bool:
        return self.temperature.value() <= 0.0

    def _update_seed_state(self) -> None:
        """At temperature 0 the seed plays no part: its row is disabled and says so."""
        self.random_seed.setEnabled(not self.greedy())
        self.seed.setEnabled(not self.greedy() and not self.random_seed.isChecked())

    def next_seed(self) -> int:
        """The seed for the next job: a fresh random one (shown) unless the user fixed it; none when greedy."""
        if self.greedy():
            return 0
        if self.random_seed.isChecked():
            self.seed.set_seed(random_seed())
        return self.seed.seed()

    def spec_kwargs(self, seed: int | None = None) -> dict[str, object]:
        """TextSpec keyword arguments for these settings."""
        v = self.values()
        return {"temperature": v["temperature"], "top_k": v["top_k"], "top_p": v["top_p"], "min_p": v["min_p"],
                "repetition_penalty": v["repetition_penalty"], "max_new_tokens": v["max_new_tokens"],
                "seed": v["seed"] if seed is None else seed, "stop": tuple(v["stop"])}
