"""How engines talk back while they run: a reporter for progress and a token for cancelling.

Engines receive both as plain arguments (see ``studio.engines``); the worker pool in
``studio.jobs`` supplies a reporter that turns these calls into Qt signals, the CLI one that
prints a progress bar. Cancelling is cooperative: engines poll ``cancel.cancelled`` at safe
points (each diffusion step, each token, each training step) and stop cleanly.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

from studio.core.errors import JobCancelled
from studio.core.i18n import _


@runtime_checkable
class Reporter(Protocol):
    """What an engine may tell the outside world while a job runs. All methods are cheap."""

    def progress(self, done: int, total: int, message: str = "") -> None:
        """``done`` of ``total`` units (steps, tokens, bytes) are finished."""

    def wants_preview(self) -> bool:
        """False while the consumer still has not shown the last preview: skip decoding one."""

    def preview(self, image: Any) -> None:
        """An intermediate image (PIL.Image) to show while the job runs."""

    def text(self, chunk: str) -> None:
        """A piece of streamed text (LLM tokens)."""

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        """Training figures (losses, steps/s) at ``step``."""

    def log(self, message: str) -> None:
        """A line for the job's log (warnings such as a truncated prompt)."""

    def load(self, done: int, total: int, what: str) -> None:
        """Loading model ``what``: ``done`` of ``total`` bytes read (total 0: unknown). Monotonic; the last
        call of a load has ``done == total``. Engines call :func:`report_load`, which any reporter takes."""


def report_load(reporter: Any, done: int, total: int, what: str) -> None:
    """Send a load event to ``reporter`` (a reporter without ``load``, e.g. a test's, ignores it)."""
    fn = getattr(reporter, "load", None)
    if callable(fn):
        fn(int(done), int(total), str(what))


ETA_WORTH_S = 1.0
"""A load (or any phase) shows its ETA only when it takes longer than this."""


class LoadTracker:
    """One consumer's view of a job's load events: the rate, the ETA (where the load takes over a second)
    and a percentage that never goes back."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.what = ""
        self._eta: Eta | None = None
        self.done = self.total = 0
        self.percent = 0

    def update(self, done: int, total: int, what: str) -> float | None:
        """Take one event; the seconds left when worth showing, else None."""
        if self._eta is None or what != self.what or done < self.done:  # a new load
            self._eta, self.what, self.percent = Eta(clock=self._clock), what, 0
        self.done, self.total = done, total
        self._eta.update(done)
        if total > 0:
            self.percent = max(self.percent, min(100, done * 100 // total))
        if total <= 0 or done >= total:
            return None
        remaining = self._eta.remaining(done, total)
        if remaining is None or self._eta.elapsed() + remaining < ETA_WORTH_S:
            return None
        return remaining


def describe_load(what: str, done: int, total: int, eta: float | None = None) -> str:
    """"loading SmolLM2: 45 % · 12.0 MB of 26.0 MB · ETA 3 s" (the same words in the window and the CLI)."""
    if total <= 0:
        return _("loading {model}: {done} read").format(model=what, done=format_bytes(done))
    line = _("loading {model}: {percent} % · {done} of {total}").format(
        model=what, percent=min(100, done * 100 // total), done=format_bytes(done), total=format_bytes(total))
    if eta is not None and eta >= 0:
        line += " · " + _("ETA {time}").format(time=format_seconds(eta))
    return line


class NullReporter:
    """A reporter that ignores everything; records warnings so callers can inspect them."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def progress(self, done: int, total: int, message: str = "") -> None:
        pass

    def wants_preview(self) -> bool:
        return False

    def preview(self, image: Any) -> None:
        pass

    def text(self, chunk: str) -> None:
        pass

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        pass

    def log(self, message: str) -> None:
        self.messages.append(message)

    def load(self, done: int, total: int, what: str) -> None:
        pass


class CancelToken:
    """A thread-safe flag that the UI sets and the engine polls.

    ``on_seen`` (optional) is called once, the first time the engine sees the flag set: the job has
    acknowledged the cancel and is winding down (an engine host tells the studio, which then waits
    for a checkpoint to be written instead of ending the host after the short grace period).
    """

    def __init__(self, on_seen: Callable[[], None] | None = None) -> None:
        self._event = threading.Event()
        self._on_seen = on_seen
        self._seen = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if not self._event.is_set():
            return False
        if self._on_seen is not None and not self._seen.is_set():
            self._seen.set()
            self._on_seen()
        return True

    def raise_if_cancelled(self) -> None:
        """For deep loops where returning is awkward: raises JobCancelled (never a failure)."""
        if self.cancelled:
            raise JobCancelled()


class Eta:
    """Rate and time-left estimate from progress calls (exponential smoothing of the rate)."""

    def __init__(self, smoothing: float = 0.3, clock=time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._last_t = self._start
        self._last_done = 0
        self._rate: float | None = None
        self._alpha = smoothing

    def update(self, done: int) -> None:
        now = self._clock()
        dt, dd = now - self._last_t, done - self._last_done
        if dd < 0:  # a new phase counts from 0 again (model loaded, now tokens): its rate starts afresh
            self._last_t, self._last_done, self._rate = now, done, None
        elif dt > 0 and dd > 0:
            r = dd / dt
            self._rate = r if self._rate is None else self._alpha * r + (1 - self._alpha) * self._rate
            self._last_t, self._last_done = now, done

    @property
    def rate(self) -> float | None:
        """Units per second, or None before the second update."""
        return self._rate

    def remaining(self, done: int, total: int) -> float | None:
        """Seconds left, or None while unknown."""
        if not self._rate or total <= 0:
            return None
        return max(0.0, (total - done) / self._rate)

    def elapsed(self) -> float:
        return self._clock() - self._start


def format_seconds(seconds: float | None) -> str:
    """'1:05', '12 s', or '?' for unknown."""
    if seconds is None:
        return "?"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_bytes(n: int | None) -> str:
    """'512 B', '3.0 MB', or '?' for unknown (binary units, as file managers show them)."""
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


class ConsoleReporter(NullReporter):
    """Progress bar with rate and ETA on stderr, streamed text on stdout (the CLI's reporter)."""

    def __init__(self, stream=None, text_stream=None, min_interval: float = 0.1) -> None:
        super().__init__()
        self._stream = stream or sys.stderr
        self._text_stream = text_stream or sys.stdout
        self._eta = Eta()
        self._last_print = 0.0
        self._min_interval = min_interval
        self._tty = hasattr(self._stream, "isatty") and self._stream.isatty()
        self._load = LoadTracker()
        self._load_shown = -1  # the last tenth of a load printed (a pipe gets a line per 10 %)

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._eta.update(done)
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and now - self._last_print < self._min_interval:
            return
        self._last_print = now
        width = 24
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "-" * (width - filled)
        rate = self._eta.rate
        rate_s = f"{rate:.2f}/s" if rate else ""
        eta = _("ETA {time}").format(time=format_seconds(self._eta.remaining(done, total)))
        line = f"[{bar}] {done}/{total} {rate_s} {eta} {message}".rstrip()
        end = "\n" if final or not self._tty else ""
        print(("\r" if self._tty else "") + line, end=end, file=self._stream, flush=True)

    def load(self, done: int, total: int, what: str) -> None:
        """The load's line: rewritten in place on a terminal, one per 10 % on a pipe; ends at 100 %."""
        new = what != self._load.what or done < self._load.done
        eta = self._load.update(done, total, what)
        final = total > 0 and done >= total
        if new:
            self._load_shown = -1
        tenth = self._load.percent // 10
        if self._tty:
            now = time.monotonic()
            if not (final or new) and now - self._last_print < self._min_interval:
                return
            self._last_print = now
        elif tenth <= self._load_shown:
            return
        self._load_shown = tenth
        line = describe_load(what, done, total, eta)
        print(("\r\x1b[K" if self._tty else "") + line, end="\n" if final or not self._tty else "",
              file=self._stream, flush=True)

    def text(self, chunk: str) -> None:
        print(chunk, end="", file=self._text_stream, flush=True)

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        figures = " ".join(f"{k}={v:.4g}" for k, v in values.items())
        print(_("step {step}: {figures}").format(step=step, figures=figures), file=self._stream, flush=True)

    def log(self, message: str) -> None:
        super().log(message)
        print(_("note: {message}").format(message=message), file=self._stream, flush=True)
