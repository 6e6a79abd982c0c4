"""Prompt expansion: ask the LLM to turn a short image prompt into a detailed one.

Pure functions so the UI can build the job (``expansion_spec``) and tidy its answer
(``clean_expansion``) without touching the engines; the job itself is an ordinary TextSpec.
"""
from __future__ import annotations

import re

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.specs.text import TextSpec

EXPANSION_SYSTEM = (
    "You write prompts for an image generator. Expand the user's short idea into one detailed image "
    "prompt: subject, setting, composition, lighting, colours, style and mood, as a comma-separated "
    "list of descriptive phrases. Answer with the prompt only, on one line, no explanation.")
EXPANSION_MAX_TOKENS = 120
_LEAD_RE = re.compile(r"^\s*(?:here(?: is|'s)[^:\n]*:|(?:expanded |detailed |image )?prompt\s*:)\s*", re.I)


def expansion_spec(short_prompt: str, model: str = "", seed: int = 0, temperature: float = 0.7) -> TextSpec:
    """The chat TextSpec that expands ``short_prompt`` (SpecError when it is empty)."""
    idea = " ".join(short_prompt.split())
    if not idea:
        raise SpecError(_("Type a short prompt first; the model expands it into a detailed one."))
    return TextSpec(model=model, chat=True, system=EXPANSION_SYSTEM,
                    messages=(("user", f"Short idea: {idea}\nDetailed image prompt:"),),
                    max_new_tokens=EXPANSION_MAX_TOKENS, temperature=temperature, top_p=0.9, top_k=50,
                    repetition_penalty=1.1, seed=seed, stop=("\n\n",))


def clean_expansion(text: str) -> str:
    """The model's answer as a one-line prompt: no lead-in ("Here is...:"), quotes or line breaks."""
    out = _LEAD_RE.sub("", text.strip())
    out = " ".join(out.split())
    if len(out) >= 2 and out[0] == out[-1] and out[0] in "\"'“”":
        out = out[1:-1].strip()
    out = out.strip("\"“”")
    return out
