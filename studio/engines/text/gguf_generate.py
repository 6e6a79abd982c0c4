"""Generation with llama.cpp for GGUF models: token by token, streamed, stoppable between tokens.

Same contract as the transformers path (``streaming.stream_generate``): text pieces go to ``on_text``
as they are decoded (UTF-8 split across tokens is held until whole), text after a stop string is never
passed on, cancelling ends generation at the next token, and the seed makes sampling repeatable.
Temperature 0 is greedy (llama.cpp's greedy sampler); greedy or seeded, the token ids are llama-cpp-python's.
"""
from __future__ import annotations

import codecs
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from studio.core.errors import SpecError, StudioError, user_message
from studio.core.i18n import _
from studio.core.repetition import FINISH as REPETITION, RepetitionGuard, clean_end, kept_length, repetition_note
from studio.core.progress import CancelToken, Reporter
from studio.core.models.registry import ModelEntry
from studio.core.results import TextResult
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text.llama_gguf import LoadedGGUF, load_gguf
from studio.engines.text.prompting import encode
from studio.engines.text.streaming import StreamResult, _find_stop

log = logging.getLogger(__name__)


@dataclass
class GGUFStream(StreamResult):
    ids: list[int] = field(default_factory=list)


def sampling_kwargs(spec: TextSpec) -> dict[str, float | int]:
    """``NativeLlama.generate`` sampling arguments (``Llama.generate``'s names) for the spec (greedy at
    temperature 0)."""
    return {"temp": max(0.0, float(spec.temperature)), "top_k": int(spec.top_k), "top_p": float(spec.top_p),
            "min_p": float(spec.min_p), "repeat_penalty": float(spec.effective_repetition_penalty())}


def stream_gguf(lm: LoadedGGUF, prompt_ids: list[int], max_new_tokens: int, sampling: dict[str, float | int], *,
                cancel: CancelToken, on_text: Callable[[str], None], on_token: Callable[[int], None] | None = None,
                stop: tuple[str, ...] = (), seed: int = 0, guard: RepetitionGuard | None = None) -> GGUFStream:
    """Generate up to ``max_new_tokens`` after ``prompt_ids``, passing text pieces to ``on_text``; with ``guard``
    an answer that loops is stopped (finish "repetition") and keeps one round of the loop."""
    clock = time.monotonic
    stop = tuple(s for s in stop if s)
    holdback = max((len(s) for s in stop), default=1) - 1
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    llm = lm.llm
    ids: list[int] = []
    text, emitted, finish = "", 0, ""
    started, first = clock(), None
    try:
        for token in llm.generate(prompt_ids, seed=int(seed), **sampling):
            if cancel.cancelled:
                finish = "cancelled"
                break
            if lm.token_is_eog(token):
                finish = "eos"
                break
            ids.append(token)
            if first is None:
                first = clock() - started
            text += decoder.decode(lm.piece(token))
            cut = _find_stop(text, stop, max(0, emitted - holdback)) if stop else -1
            if cut >= 0:
                text, finish = text[:cut], "stop"
                safe = len(text)
            else:
                safe = len(text) - holdback if stop else len(text)
            if safe > emitted:
                on_text(text[emitted:safe])
                emitted = safe
            if on_token is not None:
                on_token(len(ids))
            if not finish and guard is not None and guard.check(ids):
                finish = REPETITION
            if finish:
                break
            if len(ids) >= max_new_tokens:
                finish = "length"
                break
    except (RuntimeError, ValueError, OSError) as exc:  # llama_decode failed (memory, a bad tensor, ...)
        log.error("llama.cpp generation failed", exc_info=exc)
        raise StudioError(_("Text generation failed: {error}").format(error=user_message(exc))) from exc
    if finish != "stop":
        text += decoder.decode(b"", final=True)
        if emitted < len(text):
            on_text(text[emitted:])
    if finish == REPETITION and guard is not None:
        kept = ids[:kept_length(ids, guard.period)]
        text = clean_end(lm.tokenizer.decode(kept), len(lm.tokenizer.decode(kept[-guard.period:])))
    return GGUFStream(text=text, new_tokens=len(ids), seconds=clock() - started, first_token_seconds=first,
                      finish=finish or "length", ids=ids)


def get_gguf_model(entry: ModelEntry, ctx: EngineContext, reporter: Reporter, cancel: CancelToken) -> LoadedGGUF:
    """The loaded GGUF for ``entry`` from the context's cache (loaded by llama.cpp on first use)."""
    s = ctx.settings
    key = ("text-gguf", entry.path, ctx.device, s.gguf_context_length, s.gguf_gpu_layers)
    return ctx.cache.get_or_load(key, lambda: load_gguf(entry, s, ctx.device, reporter, cancel), source=entry.path,
                                 what=entry.name)


def run_gguf(spec: TextSpec, entry: ModelEntry, reporter: Reporter, cancel: CancelToken,
             ctx: EngineContext) -> TextResult:
    """The text engine's run for a GGUF model (``generate.run`` hands GGUF entries here)."""
    from studio.engines.text.generate import plan_tokens

    lm = get_gguf_model(entry, ctx, reporter, cancel)
    if cancel.cancelled:
        return TextResult(cancelled=True, model=entry.name, seed=spec.seed, finish="cancelled", runner="llama.cpp")
    enc = encode(spec, lm.tokenizer, lm.context_length, entry.name)
    if enc.dropped:
        reporter.log(_("The conversation is longer than the model's context: the {dropped} oldest message(s) were "
                       "left out.").format(dropped=enc.dropped))
    if not enc.ids:
        raise SpecError(_("The prompt gives no tokens for this model."))
    max_new = plan_tokens(spec, len(enc.ids), lm.context_length, reporter)
    reporter.progress(0, max_new, "generating")
    res = stream_gguf(lm, enc.ids, max_new, sampling_kwargs(spec), cancel=cancel, on_text=reporter.text,
                      on_token=lambda n: reporter.progress(min(n, max_new), max_new, ""), stop=spec.stop,
                      seed=spec.seed if not spec.greedy else 0, guard=RepetitionGuard())
    if res.finish == REPETITION:
        reporter.log(repetition_note())
    from studio.engines.text.generate import answer_result

    result = answer_result(spec, entry.name, enc, res, lm.context_length, runner="llama.cpp", token_ids=tuple(res.ids))
    log.info("text job (llama.cpp): %s", result)
    return result
