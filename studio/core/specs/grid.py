"""Comparison grids (A1111's X/Y plot, scored): up to two axes over a base image spec.

An axis is a field and its values, e.g. ``steps=4,8,16`` or ``prompt=a red shoe|a blue shoe``
(prompts and models are separated by ``|``, so they may contain commas; other axes by commas).
``cells()`` gives one ordinary ImageSpec per cell, row by row (y outer, x inner).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from studio.core.errors import SpecError
from studio.core.i18n import N_, _
from studio.core.specs.samplers import SCHEDULERS
from studio.core.specs.image import ImageSpec

# Axis name → (ImageSpec field, value type). Aliases as A1111 users know them.
AXES: dict[str, tuple[str, type]] = {
    "sampler": ("scheduler", str), "steps": ("steps", int), "cfg": ("guidance", float),
    "seed": ("seed", int), "model": ("model", str), "prompt": ("prompt", str),
}
AXIS_LABELS = {"sampler": N_("sampler"), "steps": N_("steps"), "cfg": N_("CFG"), "seed": N_("seed"),
               "model": N_("model"), "prompt": N_("prompt")}
"""How the window names each axis (N_: shown with _()); the CLI and the grid's PNG use the names above."""
ALIASES = {"scheduler": "sampler", "guidance": "cfg"}
TEXT_AXES = frozenset({"prompt", "model"})
MAX_VALUES = 16
MAX_CELLS = 64


@dataclass(frozen=True)
class Axis:
    name: str = ""
    values: tuple[str, ...] = ()

    def label(self, value: str) -> str:
        return f"{self.name} {value}" if self.name not in TEXT_AXES else value

    def display_label(self, value: str) -> str:
        """:meth:`label` in the window's language."""
        name = _(AXIS_LABELS.get(self.name, self.name))
        return f"{name} {value}" if self.name not in TEXT_AXES else value


def parse_axis(text: str) -> Axis:
    """``steps=4,8`` → Axis("steps", ("4", "8")); SpecError (one line) for an unknown axis or no values."""
    name, sep, raw = text.partition("=")
    name = ALIASES.get(name.strip().lower(), name.strip().lower())
    if not sep or name not in AXES:
        raise SpecError(_("An axis is NAME=VALUES with NAME one of {names} (got {text!r}).").format(
            names=", ".join(AXES), text=text))
    values = tuple(v.strip() for v in raw.split("|" if name in TEXT_AXES or "|" in raw else ",") if v.strip())
    if not values:
        raise SpecError(_("The {axis} axis has no values.").format(axis=name))
    return Axis(name, values)


def _typed(axis: str, value: str) -> Any:
    field, kind = AXES[axis]
    if axis == "sampler":
        if value not in SCHEDULERS:
            raise SpecError(_("Unknown sampler {value!r}; choose among: {names}.").format(
                value=value, names=", ".join(SCHEDULERS)))
        return value
    try:
        return kind(value)
    except ValueError:
        raise SpecError(_("{value!r} is not a valid {axis} value.").format(value=value, axis=axis)) from None


def check_axes(axes: tuple[Axis, ...]) -> None:
    if not 1 <= len(axes) <= 2:
        raise SpecError(_("A comparison grid has one or two axes."))
    if len(axes) == 2 and axes[0].name == axes[1].name:
        raise SpecError(_("The two axes must differ (both are {axis}).").format(axis=axes[0].name))
    n = 1
    for a in axes:
        if a.name not in AXES or not a.values:
            raise SpecError(_("An axis is NAME=VALUES with NAME one of {names}.").format(names=", ".join(AXES)))
        if len(a.values) > MAX_VALUES:
            raise SpecError(_("An axis has at most {max} values (got {n}).").format(max=MAX_VALUES, n=len(a.values)))
        for v in a.values:
            _typed(a.name, v)
        n *= len(a.values)
    if n > MAX_CELLS:
        raise SpecError(_("{n} cells is too many for one grid (at most {max}).").format(n=n, max=MAX_CELLS))


def cells(base: ImageSpec, x: Axis, y: Axis | None = None) -> list[ImageSpec]:
    """One spec per cell, row by row; each validated (SpecError names the cell's bad value)."""
    out = []
    for yv in (y.values if y else ("",)):
        for xv in x.values:
            changes = {AXES[x.name][0]: _typed(x.name, xv)}
            if y:
                changes[AXES[y.name][0]] = _typed(y.name, yv)
            spec = dataclasses.replace(base, **changes)
            spec.validate()
            out.append(spec)
    return out
