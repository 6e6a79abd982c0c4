"""Syntax highlighting for prompts: ``(word:1.2)`` weights, ``((emphasis))``, ``[de-emphasis]``.

The scanner (:func:`prompt_spans`) is plain Python so it can be tested on its own; the
highlighter maps its spans to colours. Bracket depth carries over from one line to the next
through the block state, so a weight group may span several lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

# A weight right before a closing paren: "(word:1.2)" -> ":1.2".
_WEIGHT = re.compile(r":\s*-?\d+(?:\.\d*)?\s*(?=\))")
_LORA = re.compile(r"<(?:lora|lyco|hypernet):[^<>]*>", re.IGNORECASE)
_KEYWORD = re.compile(r"\b(?:BREAK|AND)\b")
_MAX_DEPTH = 15  # depths are packed into the block state (4 bits each)


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of one line: ``kind`` is emphasis, deemphasis, weight, bracket,
    error, lora or keyword; ``depth`` is the bracket nesting (emphasis and brackets)."""

    start: int
    length: int
    kind: str
    depth: int = 0


def prompt_spans(text: str, paren_depth: int = 0, square_depth: int = 0) -> tuple[list[Span], int, int]:
    """Spans of one line, given the bracket depths at its start; returns the depths at its end."""
    spans: list[Span] = []
    protected: set[int] = set()
    for rx, kind in ((_LORA, "lora"), (_KEYWORD, "keyword")):
        for m in rx.finditer(text):
            spans.append(Span(m.start(), m.end() - m.start(), kind))
            protected.update(range(m.start(), m.end()))
    for m in _WEIGHT.finditer(text):
        if m.start() not in protected:
            spans.append(Span(m.start(), m.end() - m.start(), "weight"))
            protected.update(range(m.start(), m.end()))
    # A line may start inside brackets opened on an earlier line.
    run_start = 0
    run_kind = "emphasis" if paren_depth > square_depth else ("deemphasis" if square_depth else "")
    run_depth = paren_depth or square_depth

    def close_run(end: int) -> None:
        if run_kind and end > run_start:
            spans.append(Span(run_start, end - run_start, run_kind, run_depth))

    i = 0
    while i < len(text):
        ch = text[i]
        if i in protected:
            i += 1
            continue
        if ch == "\\" and i + 1 < len(text):  # escaped bracket: literal text
            i += 2
            continue
        if ch in "()[]":
            close_run(i)
            if ch == "(":
                paren_depth = min(paren_depth + 1, _MAX_DEPTH)
                spans.append(Span(i, 1, "bracket", paren_depth))
            elif ch == "[":
                square_depth = min(square_depth + 1, _MAX_DEPTH)
                spans.append(Span(i, 1, "bracket", square_depth))
            elif ch == ")":
                if paren_depth:
                    spans.append(Span(i, 1, "bracket", paren_depth))
                    paren_depth -= 1
                else:
                    spans.append(Span(i, 1, "error"))
            else:
                if square_depth:
                    spans.append(Span(i, 1, "bracket", square_depth))
                    square_depth -= 1
                else:
                    spans.append(Span(i, 1, "error"))
            run_start = i + 1
            run_kind = "emphasis" if paren_depth > square_depth else ("deemphasis" if square_depth else "")
            run_depth = paren_depth or square_depth
        i += 1
    close_run(len(text))
    # Runs must not swallow weights/loras already recorded: later spans win when applied, so
    # order them so the specific kinds are applied last.
    spans.sort(key=lambda s: s.kind in ("weight", "lora", "keyword", "bracket", "error"))
    return spans, paren_depth, square_depth


# kind: (on a light background, on a dark one)
COLOURS = {"weight": ("#d08000", "#f0a830"), "bracket": ("#7f7f9f", "#a0a0c8"), "lora": ("#2a9d5c", "#4cc983"),
           "keyword": ("#8a4fd0", "#c39bff"), "deemphasis": ("#7f8c99", "#8f9aa6"), "error": ("#d0021b", "#ff6b6b")}
EMPHASIS_SHADES = (("#2f6fd6", "#1f55c0", "#1240a0", "#082c80"),  # light: deeper is darker
                   ("#6fa8ff", "#8cbaff", "#a9ccff", "#c6ddff"))  # dark: deeper is brighter


class PromptHighlighter(QSyntaxHighlighter):
    """Colours emphasis (deeper: stronger), de-emphasis, weights, LoRA tags and unmatched brackets."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.dark = not dark
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Colours readable on a dark (or light) editor background; re-highlights when it changes."""
        if dark == self.dark:
            return
        self.dark = dark
        for kind, bold in (("weight", True), ("bracket", True), ("lora", False), ("keyword", True),
                           ("deemphasis", False)):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(COLOURS[kind][dark]))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            self._formats[kind] = fmt
        err = QTextCharFormat()
        err.setForeground(QColor(COLOURS["error"][dark]))
        err.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        err.setUnderlineColor(QColor(COLOURS["error"][dark]))
        self._formats["error"] = err
        self.rehighlight()

    def _emphasis_format(self, depth: int) -> QTextCharFormat:
        fmt = QTextCharFormat()
        # Deeper nesting weighs more: a stronger blue and a heavier font.
        shades = EMPHASIS_SHADES[self.dark]
        fmt.setForeground(QColor(shades[min(depth, len(shades)) - 1]))
        if depth >= 2:
            fmt.setFontWeight(QFont.Weight.Bold)
        return fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        state = self.previousBlockState()
        paren, square = (state >> 4 & 0xF, state & 0xF) if state > 0 else (0, 0)
        spans, paren, square = prompt_spans(text, paren, square)
        for s in spans:
            fmt = self._emphasis_format(s.depth) if s.kind == "emphasis" else self._formats[s.kind]
            self.setFormat(s.start, s.length, fmt)
        self.setCurrentBlockState(paren << 4 | square)
