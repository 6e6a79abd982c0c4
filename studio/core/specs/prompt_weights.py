"""Prompt weights in AUTOMATIC1111 syntax, parsed into (text, weight) fragments. Pure Python.

``(word)`` multiplies the weight by 1.1, ``((word))`` by 1.21, ``[word]`` divides by 1.1,
``(word:1.5)`` multiplies by 1.5 (nesting multiplies), ``\\(`` ``\\)`` ``\\[`` ``\\]`` ``\\\\`` are
literal characters, and a standalone ``BREAK`` starts a new 75-token chunk. Unbalanced
brackets are forgiven the way A1111 forgives them (an open bracket weighs to the end).
"""
from __future__ import annotations

import re

ROUND, SQUARE = 1.1, 1 / 1.1
BREAK = "BREAK"
"""The text of the fragment that marks a chunk break (its weight is -1)."""

_TOKENS = re.compile(
    r"""
    \\[()\[\]\\]           # an escaped bracket or backslash
    | \\                   # a lone backslash is literal
    | \(                   # open emphasis
    | \[                   # open de-emphasis
    | :\s*([+-]?[.\d]+)\s*\)  # ':1.2)' closes a round bracket with an explicit weight
    | \)                   # close emphasis
    | \]                   # close de-emphasis
    | [^\\()\[\]:]+        # plain text
    | :                    # a colon that is not a weight
    """,
    re.VERBOSE,
)
_BREAK = re.compile(r"\s*\bBREAK\b\s*", re.S)


def parse(text: str) -> list[tuple[str, float]]:
    """Fragments of ``text`` with their weights, adjacent equal weights merged; ``[("", 1.0)]`` when empty."""
    out: list[list] = []
    rounds: list[int] = []
    squares: list[int] = []

    def scale(start: int, factor: float) -> None:
        for item in out[start:]:
            if item[1] != -1:
                item[1] *= factor

    for m in _TOKENS.finditer(text):
        tok, weight = m.group(0), m.group(1)
        if tok.startswith("\\") and len(tok) == 2:
            out.append([tok[1], 1.0])
        elif tok == "(":
            rounds.append(len(out))
        elif tok == "[":
            squares.append(len(out))
        elif weight is not None and rounds:
            try:
                factor = float(weight)
            except ValueError:  # e.g. ':1.2.3)' — keep the text, ignore the weight
                out.append([tok, 1.0])
                continue
            scale(rounds.pop(), factor)
        elif tok == ")" and rounds:
            scale(rounds.pop(), ROUND)
        elif tok == "]" and squares:
            scale(squares.pop(), SQUARE)
        else:
            for i, part in enumerate(_BREAK.split(tok)):
                if i:
                    out.append([BREAK, -1])
                if part:
                    out.append([part, 1.0])
    for start in rounds:
        scale(start, ROUND)
    for start in squares:
        scale(start, SQUARE)
    merged: list[list] = []
    for item in out:
        if merged and merged[-1][1] == item[1] and item[1] != -1:
            merged[-1][0] += item[0]
        else:
            merged.append(item)
    return [(t, float(w)) for t, w in merged] or [("", 1.0)]


def is_plain(text: str) -> bool:
    """True when ``text`` has no weights, escapes or BREAKs (the model can read it as is)."""
    frags = parse(text)
    return len(frags) == 1 and frags[0] == (text, 1.0)


def strip_weights(text: str) -> str:
    """The prompt's words without weight syntax (for display and search)."""
    return "".join(" " if w == -1 else t for t, w in parse(text))
