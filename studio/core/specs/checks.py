"""Checks that job specs share: ranges, finite numbers, prompt weights and lengths, upscaler names.

Each raises SpecError with one user-facing line (or appends a warning), so a spec's ``validate()``
stays a list of what it checks.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

from studio.core.errors import SpecError
from studio.core.i18n import _

MAX_PROMPT_CHARS = 4000
MAX_PROMPT_WEIGHT = 1e6


def check_range(name: str, value: float, lo: float, hi: float) -> None:
    """SpecError unless ``lo <= value <= hi``; ``name`` is an N_()-marked label, translated here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(_("{name} must be a number (got {value!r}).").format(name=_(name), value=value))
    if not math.isfinite(value):
        raise SpecError(_("{name} must be a finite number (got {value}).").format(name=_(name), value=value))
    if not (lo <= value <= hi):
        raise SpecError(_("{name} must be between {lo:g} and {hi:g} (got {value:g}).").format(
            name=_(name), lo=lo, hi=hi, value=value))


def non_finite_path(value: Any, path: str) -> str:
    """The first place inside ``value`` (nested tuples, lists, dicts) holding NaN or ±inf; "" if none."""
    stack = [(value, path)]
    while stack:
        v, where = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return where
        if isinstance(v, (tuple, list)):
            stack += [(x, f"{where}[{i}]") for i, x in enumerate(v)]
        elif isinstance(v, Mapping):
            stack += [(x, f"{where}.{k}") for k, x in v.items()]
    return ""


def check_finite(spec: Any) -> None:
    """SpecError (one line) when any number anywhere in ``spec`` is NaN or infinite."""
    for f in dataclasses.fields(spec):
        where = non_finite_path(getattr(spec, f.name), f.name)
        if where:
            raise SpecError(_("{field} must be a finite number, not NaN or infinity.").format(field=where))


def check_prompt_weights(label: str, text: str) -> None:
    """SpecError when a ``(word:w)`` weight in ``text`` is infinite (``(x:999…9)``): it would give a black image."""
    if "(" not in text and "[" not in text:
        return
    from studio.core.specs.prompt_weights import parse

    for fragment, weight in parse(text[:MAX_PROMPT_CHARS]):
        if weight != -1 and not (math.isfinite(weight) and abs(weight) <= MAX_PROMPT_WEIGHT):
            raise SpecError(_("A weight in {label} is out of range (near {text!r}); use weights such as "
                              "(word:1.2).").format(label=label, text=fragment[:30]))


def truncate_prompt(text: str, label: str, warnings: list[str]) -> str:
    if len(text) > MAX_PROMPT_CHARS:
        warnings.append(_("{label} was {length} characters long; only the first {limit} are used (the model reads "
                          "at most 77 tokens per chunk anyway).").format(label=label, length=len(text),
                                                                         limit=MAX_PROMPT_CHARS))
        return text[:MAX_PROMPT_CHARS]
    return text


def check_upscaler_name(name: object) -> None:
    """An upscaler is named like a model (it is resolved, and reported if missing, by the engine)."""
    if not isinstance(name, str):
        raise SpecError(_("The upscaler must be a model name or empty (got {name!r}).").format(name=name))
    if len(name) > 200 or any(ord(c) < 32 for c in name) or (name and not name.strip()):
        shown = f"{name[:40]!r}…" if len(name) > 40 else repr(name)
        raise SpecError(_("{name} is not an upscaler name.").format(name=shown))
