"""Prompt expansion in-process: a short image prompt in, a detailed one out.

The GUI submits ``studio.core.prompt_expansion.expansion_spec`` as an ordinary text job and tidies
the answer with ``clean_expansion``; this helper does the same synchronously (CLI, scripts, tests).
"""
from __future__ import annotations

from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.prompt_expansion import clean_expansion, expansion_spec
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text.generate import run

__all__ = ["expand_prompt", "expansion_spec", "clean_expansion"]


def expand_prompt(short_prompt: str, ctx: EngineContext, model: str = "", seed: int = 0,
                  reporter: Reporter | None = None, cancel: CancelToken | None = None) -> str:
    """The detailed image prompt the LLM writes for ``short_prompt`` (the short one if it gives nothing)."""
    spec: TextSpec = expansion_spec(short_prompt, model=model, seed=seed)
    result = run(spec, reporter or NullReporter(), cancel or CancelToken(), ctx)
    return clean_expansion(result.text) or " ".join(short_prompt.split())
