"""Prompt history: every prompt used (as typed, wildcards unexpanded), newest last, searchable.

Kept in ``prompt_history.json`` in the studio home (written atomically; a damaged file starts afresh with
a log line). The window's prompt editor walks it with Alt+Up/Alt+Down (or Up on the first line, Down on
the last while walking); ``main.py history prompts [WORDS]`` lists it. :class:`HistoryWalker` is the
walk itself: pure logic, so the editor only maps keys to it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.paths import StudioPaths

MAX_PROMPTS = 1000
log = logging.getLogger(__name__)


@dataclass
class PromptHistory:
    path: Path | None
    prompts: list[str] = field(default_factory=list)
    """Oldest first; each prompt once (using one again moves it to the end)."""

    @classmethod
    def open(cls, paths: StudioPaths) -> "PromptHistory":
        path = paths.prompt_history_file
        prompts: list[str] = []
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                prompts = [p for p in data.get("prompts", []) if isinstance(p, str)][-MAX_PROMPTS:]
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("prompt history %s unreadable (%s); starting afresh", path, exc)
        return cls(path, prompts)

    def add(self, prompt: str) -> None:
        """Record ``prompt`` as the newest (blank prompts are not kept) and save."""
        prompt = prompt.strip()
        if not prompt:
            return
        if prompt in self.prompts:
            self.prompts.remove(prompt)
        self.prompts.append(prompt)
        del self.prompts[:-MAX_PROMPTS]
        if self.path is not None:
            try:
                atomic_write_text(self.path, json.dumps({"prompts": self.prompts}, ensure_ascii=False, indent=0))
            except OSError as exc:
                log.warning("prompt history not saved: %s", exc)

    def search(self, query: str = "") -> list[str]:
        """Prompts holding every word of ``query`` (case-insensitive), newest first."""
        words = query.lower().split()
        return [p for p in reversed(self.prompts) if all(w in p.lower() for w in words)]


class HistoryWalker:
    """Up/Down through the prompts, newest first; the text being written is kept and comes back at the end."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index = -1
        """-1: not walking (the draft is shown); else the position in ``items`` (0 = newest)."""
        self.draft = ""

    def start(self, prompts: list[str], draft: str) -> None:
        self.items, self.index, self.draft = list(reversed(prompts)), -1, draft

    @property
    def walking(self) -> bool:
        return self.index >= 0

    def older(self, current: str) -> str | None:
        """The next older prompt (None at the oldest)."""
        if self.index + 1 >= len(self.items):
            return None
        if self.index < 0:
            self.draft = current
        self.index += 1
        # Skip an entry equal to what is shown (the last prompt usually is what the box holds).
        if self.items[self.index] == current and self.index + 1 < len(self.items):
            self.index += 1
        return self.items[self.index]

    def newer(self) -> str | None:
        """The next newer prompt, the draft after the newest, None when not walking."""
        if self.index < 0:
            return None
        self.index -= 1
        return self.draft if self.index < 0 else self.items[self.index]
