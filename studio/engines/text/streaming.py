"""Streamed generation: ``model.generate`` in a helper thread, text chunks handed out as they come.

Why a thread: transformers' ``TextIteratorStreamer`` hands decoded text to the caller's thread
while ``generate`` runs. The classic bug with it is a consumer that waits forever when ``generate``
dies; here the producer always closes the stream (``finally``), the consumer polls with a timeout
and checks that the producer is alive, and the producer's exception is re-raised in the caller.
Cancelling and stop strings end generation through a ``StoppingCriteria`` at the next token.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from studio.core.errors import StudioError, user_message
from studio.core.i18n import _
from studio.core.progress import CancelToken
from studio.core.repetition import FINISH as REPETITION, RepetitionGuard, clean_end, kept_length

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1


@dataclass
class StreamResult:
    text: str
    new_tokens: int
    seconds: float
    first_token_seconds: float | None
    finish: str
    """eos, length, stop (a stop string), cancelled, repetition (the repetition guard stopped a loop)."""

    @property
    def tokens_per_second(self) -> float:
        # Rate of decoding after the first token (the first one also pays for reading the prompt).
        if self.first_token_seconds is None or self.new_tokens < 2:
            return 0.0
        dt = self.seconds - self.first_token_seconds
        return (self.new_tokens - 1) / dt if dt > 0 else 0.0


def _make_watch(prompt_len: int, cancel: CancelToken, stop_event: threading.Event, clock: Callable[[], float],
                guard: RepetitionGuard | None = None):
    """A StoppingCriteria that counts new tokens, notes the first one's time and ends on cancel/stop, or
    when ``guard`` finds the answer looping (then ``looped`` holds the answer's ids)."""
    import torch
    from transformers import StoppingCriteria

    class Watch(StoppingCriteria):
        def __init__(self) -> None:
            self.new_tokens = 0
            self.first_token_at: float | None = None
            self.looped: list[int] | None = None

        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
            self.new_tokens = int(input_ids.shape[-1]) - prompt_len
            if self.first_token_at is None and self.new_tokens > 0:
                self.first_token_at = clock()
            stop = cancel.cancelled or stop_event.is_set()
            if guard is not None and self.new_tokens > 0 and self.looped is None:
                tail = input_ids[0, max(prompt_len, int(input_ids.shape[-1]) - guard.window):].tolist()
                if guard.check(tail):
                    self.looped, stop = input_ids[0, prompt_len:].tolist(), True
            return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)

    return Watch()


def _find_stop(text: str, stops: tuple[str, ...], start: int) -> int:
    """Index of the earliest stop string found at or after ``start`` (-1 when none)."""
    hits = [i for i in (text.find(s, start) for s in stops if s) if i >= 0]
    return min(hits) if hits else -1


def stream_generate(model: Any, tokenizer: Any, input_ids: list[int], gen_kwargs: dict[str, Any], *,
                    cancel: CancelToken, on_text: Callable[[str], None],
                    on_token: Callable[[int], None] | None = None, stop: tuple[str, ...] = (),
                    seed: int | None = None, timeout: float = POLL_SECONDS,
                    guard: RepetitionGuard | None = None) -> StreamResult:
    """Generate from ``input_ids`` and pass text pieces to ``on_text`` as they are decoded.

    ``gen_kwargs`` are extra ``generate`` arguments (max_new_tokens, sampling settings). Text after a
    stop string is never passed on (it is held back until it cannot be the start of one). With ``guard``,
    an answer that loops is stopped (finish "repetition") and its text keeps one copy of the looping
    block. An error in ``generate`` is raised here as a StudioError with the original message.
    """
    import torch
    from transformers import StoppingCriteriaList, TextIteratorStreamer

    clock = time.monotonic
    stop = tuple(s for s in stop if s)
    holdback = max((len(s) for s in stop), default=1) - 1
    stop_event = threading.Event()
    ids = torch.tensor([input_ids], dtype=torch.long, device=model.device)
    watch = _make_watch(ids.shape[-1], cancel, stop_event, clock, guard)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, timeout=timeout, skip_special_tokens=True)
    errors: list[BaseException] = []
    started = clock()

    def produce() -> None:
        try:
            if seed is not None:
                torch.manual_seed(seed)
            with torch.inference_mode():
                model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), streamer=streamer,
                               stopping_criteria=StoppingCriteriaList([watch]), **gen_kwargs)
        except BaseException as exc:  # re-raised in the consumer; must never leave it waiting
            errors.append(exc)
            streamer.text_queue.put(streamer.stop_signal)

    thread = threading.Thread(target=produce, name="text-generate", daemon=True)
    thread.start()
    text, emitted, finish, last_count = "", 0, "", 0
    while True:
        try:
            chunk = streamer.text_queue.get(timeout=timeout)
        except queue.Empty:
            if not thread.is_alive() and streamer.text_queue.empty():
                break  # the producer is gone without closing the stream (should not happen)
            continue
        if chunk is streamer.stop_signal:
            break
        if finish == "stop":
            continue  # drain what was already decoded after the stop string
        text += chunk
        cut = _find_stop(text, stop, max(0, emitted - holdback)) if stop else -1
        if cut >= 0:
            text, finish = text[:cut], "stop"
            stop_event.set()
            safe = len(text)
        else:
            safe = len(text) - holdback if stop else len(text)
        if safe > emitted:
            on_text(text[emitted:safe])
            emitted = safe
        if on_token is not None and watch.new_tokens != last_count:
            last_count = watch.new_tokens
            on_token(last_count)
    thread.join()
    if errors:
        from studio.engines.oom import is_oom

        exc = errors[0]
        if isinstance(exc, StudioError) or is_oom(exc):
            raise exc  # an out-of-memory stays one, so the engine can free memory and retry
        log.error("generate failed", exc_info=exc)
        raise StudioError(_("Text generation failed: {error}").format(error=user_message(exc))) from exc
    if emitted < len(text):
        on_text(text[emitted:])
    if on_token is not None and watch.new_tokens != last_count:
        on_token(watch.new_tokens)
    if not finish and watch.looped is not None:
        finish = REPETITION
        period = guard.period if guard else 0
        kept = watch.looped[:kept_length(watch.looped, period)]
        text = tokenizer.decode(kept, skip_special_tokens=True)
        text = clean_end(text, len(tokenizer.decode(kept[-period:], skip_special_tokens=True)) if period else 0)
    if not finish:
        if cancel.cancelled:
            finish = "cancelled"
        elif watch.new_tokens >= int(gen_kwargs.get("max_new_tokens", 1 << 30)):
            finish = "length"
        else:
            finish = "eos"
    return StreamResult(text=text, new_tokens=watch.new_tokens, seconds=clock() - started,
                        first_token_seconds=None if watch.first_token_at is None else watch.first_token_at - started,
                        finish=finish)
