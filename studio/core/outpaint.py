"""Outpainting geometry: how far to extend each side, the new size, where the original sits.

Pure arithmetic, shared by the engine, the CLI and the canvas UI.
"""
from __future__ import annotations

from dataclasses import dataclass

from studio.core.errors import SpecError
from studio.core.i18n import N_, _

MAX_EXTEND = 1024
"""Most pixels added on one side in one outpaint (bigger jumps lose coherence anyway)."""


@dataclass(frozen=True)
class Extension:
    """Pixels added on each side (all multiples of 8)."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0

    def __post_init__(self) -> None:
        for name, v in ((N_("left"), self.left), (N_("top"), self.top), (N_("right"), self.right),
                        (N_("bottom"), self.bottom)):
            if not isinstance(v, int) or v < 0:
                raise SpecError(_("Outpaint {name} must be a whole number of pixels ≥ 0 (got {v!r}).").format(
                    name=_(name), v=v))
            if v % 8:
                raise SpecError(_("Outpaint {name} must be a multiple of 8 (got {v}); try {suggestion}.").format(
                    name=_(name), v=v, suggestion=v // 8 * 8 or 8))
            if v > MAX_EXTEND:
                raise SpecError(_("Outpaint {name} is {v} px; extend by at most {max_extend} px at a time.").format(
                    name=_(name), v=v, max_extend=MAX_EXTEND))

    @property
    def empty(self) -> bool:
        return not (self.left or self.top or self.right or self.bottom)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.right, self.bottom)

    def new_size(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) of the extended canvas."""
        return width + self.left + self.right, height + self.top + self.bottom

    def original_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """Where the original image lies in the extended canvas: (left, top, right, bottom) exclusive."""
        return self.left, self.top, self.left + width, self.top + height


def parse_extension(text: str | tuple | list) -> Extension:
    """"L,T,R,B" (or one number for all four sides, or a 4-tuple) → Extension."""
    if isinstance(text, (tuple, list)):
        parts = [str(p) for p in text]
    else:
        parts = [p.strip() for p in str(text).replace(" ", ",").split(",") if p.strip()]
    if len(parts) == 1:
        parts = parts * 4
    if len(parts) != 4:
        raise SpecError(_("Outpaint needs four numbers LEFT,TOP,RIGHT,BOTTOM (got {text!r}).").format(text=text))
    try:
        values = [int(p) for p in parts]
    except ValueError as exc:
        raise SpecError(_("Outpaint needs whole numbers LEFT,TOP,RIGHT,BOTTOM (got {text!r}).").format(
            text=text)) from exc
    return Extension(*values)
