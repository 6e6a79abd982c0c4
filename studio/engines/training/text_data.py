"""Training examples for a causal-LM LoRA: instruction/response pairs (JSONL) or plain text.

JSONL lines hold either ``{"messages": [{"role", "content"}, ...]}`` or an instruction/response pair
under common key names (instruction/prompt/question/input/user and response/output/completion/
answer/assistant). Pairs are rendered with the model's chat template (exactly as the text engine
renders chats) and only the answer tokens are learnt; without a template an Alpaca-style layout is
used. A ``.txt``/``.md`` file is learnt as plain text in windows of ``max_length`` tokens.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.progress import Reporter

PROMPT_KEYS = ("instruction", "prompt", "question", "user", "query")
RESPONSE_KEYS = ("response", "output", "completion", "answer", "assistant", "chosen")
IGNORE = -100


@dataclass
class Example:
    ids: list[int]
    labels: list[int]


def _messages(obj: Any) -> list[dict[str, str]] | None:
    if not isinstance(obj, dict):
        return None
    msgs = obj.get("messages") or obj.get("conversations")
    if isinstance(msgs, list) and msgs and all(isinstance(m, dict) for m in msgs):
        out = [{"role": str(m.get("role") or m.get("from", "")).replace("human", "user").replace("gpt", "assistant"),
                "content": str(m.get("content") or m.get("value") or "")} for m in msgs]
        return out if any(m["role"] == "assistant" for m in out) else None
    prompt = next((str(obj[k]) for k in PROMPT_KEYS if obj.get(k)), "")
    answer = next((str(obj[k]) for k in RESPONSE_KEYS if obj.get(k)), "")
    if obj.get("input") and prompt:
        prompt = f"{prompt}\n\n{obj['input']}"
    elif obj.get("input") and not prompt:
        prompt = str(obj["input"])
    if not prompt or not answer:
        return None
    msgs = [{"role": "system", "content": str(obj["system"])}] if obj.get("system") else []
    return msgs + [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def read_conversations(path: Path, reporter: Reporter) -> list[list[dict[str, str]]]:
    """Conversations from a JSONL (or JSON list) file; unusable lines are skipped and reported."""
    text = path.read_text(encoding="utf-8", errors="replace")
    items: list[Any]
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StudioError(_("{file} is not valid JSON ({error}).").format(file=path.name, error=exc)) from exc
        items = data if isinstance(data, list) else [data]
        lines = [str(i + 1) for i in range(len(items))]
    else:
        items, lines = [], []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                items.append(None)
            lines.append(str(n))
    convs, bad = [], []
    for item, n in zip(items, lines):
        msgs = _messages(item)
        (convs.append(msgs) if msgs else bad.append(n))
    if bad:
        reporter.log(_("{count} line(s) of {file} are not instruction/response pairs and were skipped (line "
                       "{lines}{more}).").format(
            count=len(bad), file=path.name, lines=', '.join(bad[:10]), more='…' if len(bad) > 10 else ''))
    if not convs:
        raise StudioError(_("No instruction/response pairs in {file}: use JSONL lines like "
                            '{{"instruction": "...", "response": "..."}}.').format(file=path.name))
    return convs


def _render(tokenizer: Any, msgs: list[dict[str, str]], prompt_only: bool) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=prompt_only)
    parts = [m["content"] for m in msgs if m["role"] == "system"]
    for m in msgs:
        if m["role"] == "user":
            parts.append(f"### Instruction:\n{m['content']}")
        elif m["role"] == "assistant":
            parts.append(f"### Response:\n{m['content']}{tokenizer.eos_token or ''}")
    if prompt_only:
        parts.append("### Response:\n")
    return "\n\n".join(parts)


def conversation_example(tokenizer: Any, msgs: list[dict[str, str]], max_length: int) -> Example:
    """Token ids of the whole conversation; labels only on the assistant turns' tokens."""
    chat = bool(getattr(tokenizer, "chat_template", None))
    ids: list[int] = []
    labels: list[int] = []
    # Render growing prefixes: each assistant turn's tokens are what its prefix adds.
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        before = tokenizer(_render(tokenizer, msgs[:i], True), add_special_tokens=not chat)["input_ids"]
        after = tokenizer(_render(tokenizer, msgs[:i + 1], False), add_special_tokens=not chat)["input_ids"]
        common = len(before) if after[:len(before)] == before else _common_prefix(before, after)
        if len(ids) > common:  # earlier turns re-rendered differently: keep the latest rendering
            ids, labels = ids[:common], labels[:common]
        labels += [IGNORE] * (common - len(ids)) + after[common:]
        ids = list(after)
    return Example(ids[:max_length], labels[:max_length])


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def text_examples(tokenizer: Any, text: str, max_length: int) -> list[Example]:
    """Plain text in windows of ``max_length`` tokens (every token learnt)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        raise StudioError(_("The text file is empty."))
    return [Example(ids[i:i + max_length], ids[i:i + max_length]) for i in range(0, len(ids), max_length)
            if len(ids[i:i + max_length]) > 1]


def load_examples(path: str, tokenizer: Any, max_length: int, reporter: Reporter) -> list[Example]:
    """Examples from a .jsonl/.json (pairs or chats) or .txt/.md (plain text) file."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise StudioError(_("Training text not found: {path} (give a .jsonl of instruction/response pairs or a "
                            ".txt).").format(path=path))
    if p.suffix.lower() in (".jsonl", ".json"):
        out = [conversation_example(tokenizer, c, max_length) for c in read_conversations(p, reporter)]
        out = [e for e in out if any(x != IGNORE for x in e.labels[1:])]
        if not out:
            raise StudioError(_("Every answer in {file} is cut off by the maximum length ({max_length} tokens).").format(
                file=p.name, max_length=max_length))
        return out
    return text_examples(tokenizer, p.read_text(encoding="utf-8", errors="replace"), max_length)
