"""The repetition guard: an answer caught in a loop (the same n-gram over and over) is stopped.

Small models, greedy ones above all, fall into loops: "A classic red sneaker, a classic red sneaker, …".
The guard looks at the token ids generated so far; any engine (transformers, llama.cpp) asks it after
each token. Pure Python: the rule lives in one place.
"""
from __future__ import annotations

from typing import Sequence

from studio.core.i18n import _

MAX_PERIOD = 48
"""The longest repeated block looked for, in tokens (a sentence or two)."""
MIN_REPEATS = 3
"""A block must follow itself this many times in a row ..."""
MIN_SPAN = 24
"""... and cover at least this many tokens (so a short one, "ha ha", must go on for longer)."""
FINISH = "repetition"
"""The ``finish`` of an answer the guard stopped (TextResult.finish)."""


def repetition_note() -> str:
    """The one line that marks an answer the guard stopped (the job's log: the window and the CLI)."""
    return _("The answer began repeating itself and was stopped there (one copy of the repeated part kept).")


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


def kept_length(ids: Sequence[int], period: int) -> int:
    """How many of ``ids`` to keep when their end loops with ``period``: up to the end of the loop's
    first round (where it began to repeat itself)."""
    n = len(ids)
    if period <= 0 or n < 2 * period:
        return n
    start = n - period  # walk back, token by token, while the sequence still follows the period
    while start > 0 and ids[start - 1] == ids[start - 1 + period]:
        start -= 1
    return start + period


BREAKS = ".!?。！？…,，;；:：、\n"
"""Where a cut answer may end (the end of a sentence or a clause)."""


def clean_end(text: str, within: int) -> str:
    """``text`` cut after its last sentence or clause break among its last ``within`` characters (the
    loop's first round, which may end mid-phrase: "A classic red sneaker, a" → "A classic red sneaker"),
    without a trailing comma; unchanged when that part has no break."""
    tail_start = max(0, len(text) - max(within, 1))
    cut = max(text.rfind(c, tail_start) for c in BREAKS)
    if cut <= 0:
        return text.rstrip()
    return text[:cut + 1].rstrip().rstrip(",，;；:：、").rstrip()


class RepetitionGuard:
    """Ask it after each token with the answer's ids so far; :attr:`tripped` once the answer loops."""

    def __init__(self, max_period: int = MAX_PERIOD, min_repeats: int = MIN_REPEATS, min_span: int = MIN_SPAN,
                 window: int = 512) -> None:
        self.period = 0
        self._args = (max_period, min_repeats, min_span)
        self.window = max(window, max_period * max(min_repeats, 2) + min_span)
        """How many of the last ids :meth:`check` needs (it reads no more)."""

    @property
    def tripped(self) -> bool:
        return self.period > 0

    def check(self, generated: Sequence[int]) -> bool:
        """``generated``: every id of the answer so far (not the prompt's); True once it loops."""
        if not self.period:
            self.period = loop_period(list(generated[-self.window:]), *self._args)
        return self.tripped
