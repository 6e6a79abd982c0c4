"""Spin boxes with the studio's rules: image sides in multiples of 8, seeds up to 2**32-1."""
from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QWidget

from studio.core.specs.base import MAX_SEED, MAX_SIDE, MIN_SIDE


def snap_to_8(value: int, lo: int = MIN_SIDE, hi: int = MAX_SIDE) -> int:
    """The nearest multiple of 8 (halves round up) within [lo, hi]."""
    return max(lo, min(hi, (int(value) + 4) // 8 * 8))


class SizeSpinBox(QSpinBox):
    """Width/height in pixels: steps of 8 in 64–2048; typed values are snapped to a multiple of 8."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(MIN_SIDE, MAX_SIDE)
        self.setSingleStep(8)
        self.setSuffix(" px")
        self.setAccelerated(True)
        # Typing "100" must not be taken as a value before it is snapped (on Enter / focus out).
        self.setKeyboardTracking(False)

    def validate(self, text: str, pos: int):  # noqa: D401 (Qt override)
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Acceptable:
            value = self.valueFromText(text)
            if value % 8:
                return QValidator.State.Intermediate, text, pos
        return state, text, pos

    def fixup(self, text: str) -> str:
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits:
            return self.textFromValue(self.value())
        return self.textFromValue(snap_to_8(int(digits), self.minimum(), self.maximum()))

    def setValue(self, value: int) -> None:  # noqa: N802 (Qt API)
        """Programmatic values are snapped too (reuse-parameters from a foreign PNG)."""
        super().setValue(snap_to_8(value, self.minimum(), self.maximum()))


class SeedSpinBox(QDoubleSpinBox):
    """A whole-number spin box for seeds 0..2**32-1 (QSpinBox stops at 2**31-1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(0)
        self.setRange(0, MAX_SEED)
        self.setSingleStep(1)
        self.setGroupSeparatorShown(False)

    def seed(self) -> int:
        return int(round(self.value()))

    def set_seed(self, seed: int) -> None:
        self.setValue(float(max(0, min(MAX_SEED, int(seed)))))
