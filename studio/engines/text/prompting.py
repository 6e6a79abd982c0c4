"""Turn a TextSpec into token ids: the model's own chat template for chats, the raw text otherwise."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.core.errors import ModelError, SpecError
from studio.core.i18n import _
from studio.core.specs.text import TextSpec

ROLES = ("system", "user", "assistant")


@dataclass
class Encoded:
    ids: list[int]
    text: str
    """The rendered prompt (the chat template's output, or the completion text)."""
    dropped: int = 0
    """How many old chat messages were left out to fit the context."""


def chat_messages(spec: TextSpec) -> list[dict[str, str]]:
    """The spec's conversation as chat-template messages (system prompt first)."""
    msgs: list[dict[str, str]] = []
    if spec.system.strip():
        msgs.append({"role": "system", "content": spec.system})
    turns = list(spec.messages) or ([("user", spec.prompt)] if spec.prompt.strip() else [])
    for role, content in turns:
        if role not in ROLES:
            raise SpecError(_("Unknown chat role {role!r}; use user, assistant or system.").format(role=role))
        msgs.append({"role": role, "content": content})
    return msgs


def render_chat(tokenizer: Any, messages: list[dict[str, str]], model_name: str = "the model") -> str:
    """The prompt text from the tokenizer's Jinja chat template.

    When the last message is the assistant's, generation continues that message (edit & continue)
    instead of starting a new answer.
    """
    if not getattr(tokenizer, "chat_template", None):
        raise ModelError(_("{model_name} has no chat template, so it cannot chat; use Completion mode instead.").format(
            model_name=model_name))
    continue_last = bool(messages) and messages[-1]["role"] == "assistant"
    try:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=not continue_last,
                                             continue_final_message=continue_last)
    except Exception as exc:  # a Jinja template can raise anything (TemplateError, raise_exception(), ...)
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(_("The chat template of {model_name} failed on this conversation: {msg}").format(
            model_name=model_name, msg=msg)) from exc
    if not isinstance(text, str):
        raise ModelError(_("The chat template of {model_name} did not produce text.").format(model_name=model_name))
    return text


def _encode_text(tokenizer: Any, text: str, chat: bool) -> list[int]:
    # A rendered chat template already holds the special tokens (BOS etc.); don't add them twice.
    return list(tokenizer(text, add_special_tokens=not chat)["input_ids"])


def encode(spec: TextSpec, tokenizer: Any, context_length: int, model_name: str) -> Encoded:
    """Token ids for ``spec``. In chat mode, the oldest turns are dropped when the chat outgrows the
    context (the system prompt and the last message always stay); SpecError when even that is too long.
    """
    if spec.chat:
        messages = chat_messages(spec)
        if not any(m["role"] != "system" and m["content"].strip() for m in messages):
            raise SpecError(_("Type a message first."))
        head = [m for m in messages[:1] if m["role"] == "system"]
        body = messages[len(head):]
        dropped = 0
        while True:
            text = render_chat(tokenizer, head + body, model_name)
            ids = _encode_text(tokenizer, text, chat=True)
            if len(ids) < context_length or len(body) <= 1:
                break
            # Drop the oldest turn; keep the conversation starting with a user message when possible.
            body = body[1:]
            dropped += 1
            while len(body) > 1 and body[0]["role"] != "user":
                body, dropped = body[1:], dropped + 1
        enc = Encoded(ids, text, dropped)
    else:
        if not spec.prompt.strip():
            raise SpecError(_("The prompt is empty: type the beginning of the text to continue."))
        enc = Encoded(_encode_text(tokenizer, spec.prompt, chat=False), spec.prompt)
    if not enc.ids:
        raise SpecError(_("The prompt gives no tokens for this model."))
    if len(enc.ids) >= context_length:
        raise SpecError(_("The prompt is {n_ids} tokens long but {model_name} reads at most {context_length}; "
                          "shorten it (or start a new chat).").format(
            n_ids=len(enc.ids), model_name=model_name, context_length=context_length))
    return enc
