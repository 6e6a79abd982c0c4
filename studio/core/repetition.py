"""The repetition guard: an answer caught in a loop (the same n-gram over and over) is stopped.

Small models, greedy ones above all, fall into loops: "A classic red sneaker, a classic red sneaker, …".
The guard looks at the token ids generated so far; any engine (transformers, llama.cpp) asks it after
each token. Pure Python: the rule lives in one place.
"""
from __future__ import annotations

from typing import Sequence

MAX_PERIOD = 48
"""The longest repeated block looked for, in tokens (a sentence or two)."""
MIN_REPEATS = 3
"""A block must follow itself this many times in a row ..."""
MIN_SPAN = 24
"""... and cover at least this many tokens (so a short one, "ha ha", must go on for longer)."""
FINISH = "repetition"
"""The ``finish`` of an answer the guard stopped (TextResult.finish)."""


def loop_period(ids: Sequence[int], max_period: int = MAX_PERIOD, min_repeats: int = MIN_REPEATS,
                min_span: int = MIN_SPAN) -> int:
    """The length of the block the end of ``ids`` keeps repeating, or 0 when it does not loop.

    A loop: the last ``r * p`` ids are one block of ``p`` ids ``r`` times over, with ``r >= min_repeats``
    and ``r * p >= min_span``. The shortest such block is returned.
    """
    n = len(ids)
    for p in range(1, min(max_period, n // min_repeats) + 1):
        need = max(min_repeats, -(-min_span // p))  # repeats that cover the span
        if need * p > n:
            continue
        tail = ids[n - need * p:]
        block = tail[-p:]
        if all(tail[i] == block[i % p] for i in range(len(tail))):
            return p
    return 0


class RepetitionGuard:
    """Ask it after each token with the answer's ids so far; :attr:`tripped` once the answer loops."""

    def __init__(self, max_period: int = MAX_PERIOD, min_repeats: int = MIN_REPEATS, min_span: int = MIN_SPAN,
                 window: int = 512) -> None:
        self.period = 0
        self._args = (max_period, min_repeats, min_span)
        self._window = max(window, max_period * max(min_repeats, 2) + min_span)

    @property
    def tripped(self) -> bool:
        return self.period > 0

    def check(self, generated: Sequence[int]) -> bool:
        """``generated``: every id of the answer so far (not the prompt's); True once it loops."""
        if not self.period:
            self.period = loop_period(list(generated[-self._window:]), *self._args)
        return self.tripped
