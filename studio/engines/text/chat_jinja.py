"""A GGUF's chat template rendered with Jinja's sandbox, the way transformers renders chat templates.

llama-cpp-python already loads ``jinja2``; importing transformers only to render the template would add
about 25 MB and seconds to every GGUF chat. The environment matches transformers' ``render_jinja_template``
(sandboxed, ``trim_blocks``/``lstrip_blocks``, loop controls, its ``tojson``, ``raise_exception``,
``strftime_now``, ``{% generation %}`` blocks rendered as their body) and continues a final assistant
message the same way; ``tests/text/test_chat_jinja.py`` compares the two on real templates.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from studio.core.i18n import _

_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


@lru_cache(maxsize=8)
def compile_template(template: str) -> Any:
    """The compiled template (cached: a model's template is rendered for every answer)."""
    import jinja2
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        """``{% generation %}…{% endgeneration %}`` (marks assistant text for training masks): the body."""

        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller: Any) -> str:
            return caller()

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None,
               sort_keys: bool = False) -> str:
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(template)


def render_chat_template(template: str, messages: list[dict[str, str]], add_generation_prompt: bool = True,
                         continue_final_message: bool = False, **special: str) -> str:
    """The prompt text for ``messages`` (``special``: bos_token / eos_token). With ``continue_final_message``
    the text ends where the last message ends (generation continues it), as in transformers."""
    chat = [dict(m) for m in messages]
    if continue_final_message:
        if not chat:
            raise ValueError(_("there is no message to continue"))
        final = chat[-1]["content"]
        chat[-1]["content"] = final + _CONTINUE_TAG
    text = compile_template(template).render(messages=chat, add_generation_prompt=add_generation_prompt,
                                             tools=None, documents=None, **special)
    if continue_final_message:
        tag = _CONTINUE_TAG.strip()
        if final.strip() not in text or tag not in text:
            raise ValueError(_("the chat template leaves out part of the last message, so it cannot be continued"))
        at = text.rindex(tag)
        text = text[:at] if text[at:at + len(_CONTINUE_TAG)] == _CONTINUE_TAG else text[:at].rstrip()
    return text
