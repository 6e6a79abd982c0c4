"""Job specs: the base class every spec derives from, and the limits specs share.

A spec is a frozen, JSON-serialisable description of one unit of work. It says *what* to do;
engines in ``studio.engines`` do it. Every spec has a ``kind`` (used to route it to its engine and
to (de)serialise it, see ``studio.core.specs.serial``) and a ``validate()`` that raises ``SpecError``
with a user-facing message, or returns warnings for values it adjusted.
"""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any, ClassVar

MIN_SIDE, MAX_SIDE = 64, 2048
MAX_STEPS = 500
MAX_SEED = 2**32 - 1
"""A ``(word:w)`` weight beyond this (nested brackets multiply) only ever makes a black image."""
SAMPLING_REPETITION_PENALTY = 1.1
"""The repetition penalty when sampling and the user has not chosen one (greedy decoding gets none)."""
NO_CLIP = "none"
"""``ImageSpec.clip`` value that turns CLIP scoring off."""

def shorten(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters with "..." at the end (whole when ``limit`` is None)."""
    return text if limit is None or len(text) <= limit else text[:limit - 3] + "..."


def random_seed() -> int:
    return random.SystemRandom().randint(0, MAX_SEED)


@dataclass(frozen=True)
class Spec:
    """Base of all specs."""

    kind: ClassVar[str] = ""

    def validate(self) -> list[str]:
        """Raise SpecError on invalid values; return warnings (empty when all is fine)."""
        return []

    def title(self) -> str:
        """A short label for queue and history rows."""
        return self.kind

    def full_title(self) -> str:
        """The title with nothing shortened (a whole prompt), for tooltips; the title when it shortens nothing."""
        return self.title()

    def replace(self, **changes: Any) -> "Spec":
        return dataclasses.replace(self, **changes)
