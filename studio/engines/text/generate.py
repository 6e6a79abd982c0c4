"""The text engine: ``run(TextSpec, reporter, cancel, ctx) -> JobResult``.

GGUF files run natively with llama.cpp (``gguf_generate``); transformers folders (and a LoRA trained by
the studio) run with transformers. Loads the model (a job step with progress), renders the prompt
(chat template or raw completion), then streams tokens to ``reporter.text`` while reporting
progress in tokens. Temperature 0 means greedy decoding; otherwise the seed makes sampling
repeatable (same seed + settings + prompt = same text).
"""
from __future__ import annotations

import logging
from typing import Any

from studio.core.errors import ModelError, SpecError, StudioError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.repetition import FINISH as REPETITION, RepetitionGuard, repetition_note
from studio.core.results import TextResult
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text.prompting import Encoded, encode

log = logging.getLogger(__name__)


def generation_kwargs(spec: TextSpec, max_new_tokens: int) -> dict[str, Any]:
    """``generate`` arguments for the spec's sampling settings (greedy when temperature is 0)."""
    kw: dict[str, Any] = {"max_new_tokens": max_new_tokens}
    penalty = spec.effective_repetition_penalty()
    if penalty != 1.0:
        kw["repetition_penalty"] = penalty
    if spec.temperature <= 0.0:
        # Sampling settings are meaningless for greedy decoding; passing them only makes generate warn.
        kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kw
    kw.update(do_sample=True, temperature=float(spec.temperature), top_p=float(spec.top_p) if spec.top_p < 1 else None,
              top_k=int(spec.top_k) if spec.top_k > 0 else None)
    if spec.min_p > 0:
        kw["min_p"] = float(spec.min_p)
    return kw


def plan_tokens(spec: TextSpec, prompt_tokens: int, context_length: int, reporter: Reporter) -> int:
    """max_new_tokens clamped to what fits in the context, with a warning when clamped."""
    room = context_length - prompt_tokens
    if room <= 0:
        raise SpecError(_("The prompt fills the whole context ({context_length} tokens); shorten it.").format(
            context_length=context_length))
    if spec.max_new_tokens > room:
        reporter.log(_("Only {room} of the {asked} tokens asked for fit in the model's context ({prompt_tokens} "
                       "used by the prompt of {context_length}); the answer stops there.").format(
            room=room, asked=spec.max_new_tokens, prompt_tokens=prompt_tokens, context_length=context_length))
        return room
    return spec.max_new_tokens


def shorter_prompt(spec: TextSpec, enc: Encoded, tokenizer: Any, model_name: str) -> Encoded | None:
    """About half of ``enc``'s tokens, for a retry after an out-of-memory (None: nothing left to cut).

    A chat first leaves out its oldest turns (the system prompt and the last message stay, the template
    stays whole); when that is not enough, or for a completion, the last half of the tokens is kept
    (the end of a prompt is what the answer continues from).
    """
    half = len(enc.ids) // 2
    if half < 1:
        return None
    if spec.chat:
        try:
            fewer = encode(spec, tokenizer, half + 1, model_name)
            if len(fewer.ids) <= half:
                return fewer
        except SpecError:
            pass  # even the last message alone is longer than half: cut tokens below
    ids = list(enc.ids[-half:])
    return Encoded(ids, tokenizer.decode(ids), enc.dropped)


def run(spec: TextSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> TextResult:
    """Generate text for ``spec``, streaming it to ``reporter.text``."""
    if not isinstance(spec, TextSpec):
        raise SpecError(_("The text engine runs text jobs only."))
    spec.validate()
    if not spec.chat and not spec.prompt.strip():
        raise SpecError(_("The prompt is empty: type the beginning of the text to continue."))
    if spec.chat and not any(c.strip() for r, c in spec.messages if r != "system") and not spec.prompt.strip():
        raise SpecError(_("Type a message first."))
    entry = ctx.registry.resolve(spec.model, task="text")
    if entry.type == "gguf":
        if not entry.usable:  # the registry's check (a broken header) holds for every load
            raise ModelError(_("Model {name!r} cannot be used: {reason}").format(name=entry.name, reason=entry.reason))
        from studio.engines.text.gguf_generate import run_gguf

        return run_gguf(spec, entry, reporter, cancel, ctx)
    # transformers (torch) only from here: a GGUF job never imports it
    from studio.engines.oom import free_memory, injected_ooms, is_oom, oom_at_first_forward
    from studio.engines.text.loader import LoadedLM, get_text_model
    from studio.engines.text.streaming import StreamResult, stream_generate

    lm: LoadedLM = get_text_model(entry, ctx, reporter, cancel)
    if cancel.cancelled:
        return TextResult(cancelled=True, model=entry.name, seed=spec.seed, finish="cancelled")
    enc = encode(spec, lm.tokenizer, lm.context_length, entry.name)
    if enc.dropped:
        reporter.log(_("The conversation is longer than the model's context: the {dropped} oldest message(s) were "
                       "left out.").format(dropped=enc.dropped))
    injected = injected_ooms()
    streamed: list[str] = []  # what the user has already seen: an attempt that showed text is not retried

    def on_text(chunk: str) -> None:
        streamed.append(chunk)
        reporter.text(chunk)

    for attempt in (0, 1):
        max_new = plan_tokens(spec, len(enc.ids), lm.context_length, reporter)
        reporter.progress(0, max_new, "generating")

        def on_token(n: int) -> None:
            reporter.progress(min(n, max_new), max_new, "")

        try:
            with oom_at_first_forward(lm.model, injected > attempt):
                res: StreamResult = stream_generate(
                    lm.model, lm.tokenizer, enc.ids, generation_kwargs(spec, max_new), cancel=cancel,
                    on_text=on_text, on_token=on_token, stop=spec.stop,
                    seed=spec.seed if spec.temperature > 0 else None, guard=RepetitionGuard())
            break
        except Exception as exc:  # noqa: BLE001 - only an out-of-memory is retried; the rest re-raised
            if not is_oom(exc):
                raise
            free_memory(ctx.device, exc)
            shorter = None if attempt or streamed else shorter_prompt(spec, enc, lm.tokenizer, entry.name)
            if shorter is None:
                where = ctx.device
                if attempt:
                    raise StudioError(_("Out of memory while generating text ({where}), even after retrying with "
                                        "a {tokens}-token prompt; try a shorter prompt or conversation, fewer new "
                                        "tokens, or close other programs.").format(where=where, tokens=len(enc.ids))
                                      ) from exc
                raise StudioError(_("Out of memory while generating text ({where}); try a shorter prompt or "
                                    "conversation, fewer new tokens, or close other programs.").format(where=where)
                                  ) from exc
            reporter.log(_("Out of memory while generating text from a {tokens}-token prompt; memory was freed and "
                           "the answer is retried from its last {kept} tokens.").format(tokens=len(enc.ids),
                                                                                        kept=len(shorter.ids)))
            enc = shorter
    if res.finish == REPETITION:
        reporter.log(repetition_note())
    result = answer_result(spec, entry.name, enc, res, lm.context_length, runner="transformers",
                           precision=getattr(lm, "precision", ""))
    log.info("text job: %s", result)
    return result


def answer_result(spec: TextSpec, model: str, enc: Any, res: Any, context_length: int, **extra: Any) -> TextResult:
    """The TextResult of one streamed answer (``enc``: the encoded prompt, ``res``: the stream's result), the
    same for every runner; ``extra`` names the runner and what only it knows."""
    return TextResult(
        text=res.text, cancelled=res.finish == "cancelled", model=model, prompt_tokens=len(enc.ids),
        new_tokens=res.new_tokens, context_length=context_length, tokens_used=len(enc.ids) + res.new_tokens,
        tokens_per_s=round(res.tokens_per_second, 2), seconds=round(res.seconds, 3),
        first_token_s=None if res.first_token_seconds is None else round(res.first_token_seconds, 3),
        finish=res.finish, seed=None if spec.greedy else spec.seed, dropped_messages=enc.dropped, **extra)
