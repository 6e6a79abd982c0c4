"""Chat conversations saved as JSON files under ``paths.conversations`` (one file per chat).

A conversation stores everything needed to restore it exactly: the model, the system prompt, the
messages in order, the sampling settings and the mode. Files are written atomically, so a crash
never leaves a half-written chat.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.paths import StudioPaths

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
ROLES = ("system", "user", "assistant")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Conversation:
    """One chat (or completion document) as the user sees it."""

    id: str
    title: str = ""
    model: str = ""
    system: str = ""
    messages: tuple[tuple[str, str], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    mode: str = "chat"
    created: float = 0.0
    updated: float = 0.0
    last_answers: tuple[str, ...] = ()
    """Every answer to the last turn (Regenerate keeps them); ``messages[-1]`` is the one shown."""
    last_answer_index: int = 0

    def with_messages(self, messages: tuple[tuple[str, str], ...]) -> "Conversation":
        return replace(self, messages=tuple(messages))

    def display_title(self) -> str:
        """The title, else the first user message, shortened for a list row."""
        text = self.title or next((c for r, c in self.messages if r == "user"), "") or "New chat"
        text = " ".join(text.split())
        return text if len(text) <= 48 else text[:45] + "..."


def new_conversation(model: str = "", system: str = "", mode: str = "chat",
                     settings: Mapping[str, Any] | None = None) -> Conversation:
    """A fresh, empty conversation with a unique id."""
    now = time.time()
    cid = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + "-" + uuid.uuid4().hex[:8]
    return Conversation(id=cid, model=model, system=system, mode=mode, settings=dict(settings or {}),
                        created=now, updated=now)


def to_dict(conv: Conversation) -> dict[str, Any]:
    return {"format": FORMAT_VERSION, "id": conv.id, "title": conv.title, "model": conv.model,
            "system": conv.system, "mode": conv.mode, "settings": dict(conv.settings),
            "messages": [{"role": r, "content": c} for r, c in conv.messages],
            "last_answers": list(conv.last_answers), "last_answer_index": conv.last_answer_index,
            "created": conv.created, "updated": conv.updated}


def from_dict(data: Mapping[str, Any]) -> Conversation:
    """Inverse of to_dict; raises StudioError when the data is not a conversation."""
    try:
        messages = tuple((str(m["role"]), str(m["content"])) for m in data.get("messages", []))
        return Conversation(id=str(data["id"]), title=str(data.get("title", "")), model=str(data.get("model", "")),
                            system=str(data.get("system", "")), messages=messages,
                            settings=dict(data.get("settings") or {}), mode=str(data.get("mode", "chat")),
                            created=float(data.get("created", 0.0)), updated=float(data.get("updated", 0.0)),
                            last_answers=tuple(str(a) for a in data.get("last_answers") or ()),
                            last_answer_index=int(data.get("last_answer_index", 0)))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # AttributeError: JSON that is not an object
        raise StudioError(_("Not a saved conversation ({exc}).").format(exc=exc)) from exc


class ConversationStore:
    """Save, list, load and delete conversations in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_paths(cls, paths: StudioPaths) -> "ConversationStore":
        return cls(paths.conversations)

    def _file(self, cid: str) -> Path:
        if not _ID_RE.match(cid):
            raise StudioError(_("Invalid conversation id {cid!r}.").format(cid=cid))
        return self.folder / f"{cid}.json"

    def save(self, conv: Conversation, touch: bool = True) -> Conversation:
        """Write ``conv`` (updating its ``updated`` time unless ``touch`` is False); returns what was saved."""
        if touch:
            conv = replace(conv, updated=time.time())
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self._file(conv.id), json.dumps(to_dict(conv), ensure_ascii=False, indent=1))
        return conv

    def load(self, cid: str) -> Conversation:
        path = self._file(cid)
        try:
            return from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise StudioError(_("Conversation {cid} does not exist.").format(cid=cid)) from exc
        except ValueError as exc:
            raise StudioError(_("Conversation {cid} is unreadable ({exc}).").format(cid=cid, exc=exc)) from exc

    def list(self) -> list[Conversation]:
        """Every readable conversation, most recently updated first (unreadable files are skipped and logged)."""
        out = []
        if not self.folder.is_dir():
            return out
        for f in self.folder.glob("*.json"):
            try:
                out.append(from_dict(json.loads(f.read_text(encoding="utf-8"))))
            except (OSError, ValueError, StudioError) as exc:
                log.warning("skipping unreadable conversation %s: %s", f, exc)
        out.sort(key=lambda c: c.updated, reverse=True)
        return out

    def delete(self, cid: str) -> None:
        self._file(cid).unlink(missing_ok=True)
