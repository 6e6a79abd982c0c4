"""The engine host: a process that owns torch and an EngineContext and runs jobs sent to it.

Run as ``python -m studio.host.process`` (or ``main.py engine host`` in a frozen build) by a
studio worker, it speaks :mod:`studio.core.protocol.frames` on its stdin/stdout. :class:`Host`
serves any pair of binary streams, so a socket can carry the same conversation.

Conversation: the host says ``hello`` at once (before importing torch), waits for the client's
``hello`` (its protocol version and settings), makes the context and says ``ready``. Then it runs
each ``job`` with :func:`studio.host.dispatch.run_spec`, streaming progress, previews (raw RGB,
scaled down to the client's ``preview_box``: what its canvas shows), text, metrics and log lines, and ends it with ``result``,
``cancelled`` or ``error``. ``cancel`` and ``consumed`` (with the client's preview box now) act at once (a reader thread); ``unload``
and ``status`` are answered between jobs. End of input or ``bye`` ends the host.
"""
from __future__ import annotations

import gc
import logging
import os
import queue
import signal
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, BinaryIO, Callable, Mapping

from studio.core import netguard
from studio.core.language import resolve_language, use_language
from studio.core.protocol.status import HostStatus
from studio.core.protocol.frames import PROTOCOL_VERSION, ProtocolError, result_to_wire
from studio.core.protocol.messages import (Bye, Cancel, Cancelled, Consumed, Error, Hello, Load, Log, Message,
                                           MessageWriter, Metrics, NewSettings, Preview, Progress, Ready, Result,
                                           RunJob, Status, Stopping, Text, Unload, read_message)
from studio.core.errors import JobCancelled, user_message
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken
from studio.core.settings import Settings, settings_from_dict
from studio.core.specs.serial import spec_from_dict

if TYPE_CHECKING:  # the host imports torch-side modules only once the client said hello
    from PIL.Image import Image

    from studio.engines.context import EngineContext

log = logging.getLogger("studio.host.process")  # also when run as __main__

ENGINES_ENV = "AIGC_STUDIO_ENGINES"
"""``kind=module:function,...``: engines that replace the built-in ones in this host (plug-ins, tests)."""
STATUS_INTERVAL_S = 2.0
STREAM_INTERVAL_S = 0.01
PREVIEW_INTERVAL_S = 0.05
PREVIEW_TIMEOUT_S = 2.0  # a client that never acknowledges still gets a preview this often


class HostReporter:
    """The Reporter engines get inside a host: each call becomes a message (lightly coalesced)."""

    def __init__(self, channel: MessageWriter, job_id: int, previews: bool, preview_box: tuple[int, int],
                 on_tick: Callable[[], None] = lambda: None, preview_interval: float = PREVIEW_INTERVAL_S) -> None:
        self.channel = channel
        self._preview_interval = preview_interval
        self.job_id = job_id
        self._previews = previews
        self._preview_box = preview_box
        """The largest preview the client shows (width, height; 0: no limit): larger ones are scaled down here."""
        self._on_tick = on_tick
        self._lock = threading.Lock()
        self._awaiting = False
        self._last_preview = float("-inf")
        self._last_progress = float("-inf")
        self._pending_progress: tuple[int, int, str] | None = None
        self._phase: tuple[int, str] | None = None  # (total, message) of the last progress sent
        self._text: list[str] = []
        self._last_text = float("-inf")

    def consumed(self, box: tuple[int, int] | None = None) -> None:
        """The client showed the last preview; ``box``: its view's size now (the window was resized)."""
        with self._lock:
            self._awaiting = False
            if box is not None:
                self._preview_box = box

    def progress(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        final = total > 0 and done >= total
        # A new phase (a sample grid inside a training, then the training again) is sent at once: what the
        # studio shows next (a grid labelled with the training step) depends on which phase it is in.
        new_phase = self._phase != (int(total), str(message))
        if final or new_phase or now - self._last_progress >= STREAM_INTERVAL_S:
            self._last_progress, self._pending_progress = now, None
            self._phase = (int(total), str(message))
            self.channel.send(Progress(self.job_id, int(done), int(total), str(message)))
        else:
            self._pending_progress = (int(done), int(total), str(message))
        self._on_tick()

    def load(self, done: int, total: int, what: str) -> None:
        """Load events are throttled where they are made (the meter): each one goes out."""
        self.channel.send(Load(self.job_id, int(done), int(total), str(what)))
        self._on_tick()

    def wants_preview(self) -> bool:
        if not self._previews:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._last_preview < self._preview_interval:
                return False
            return not self._awaiting or now - self._last_preview >= PREVIEW_TIMEOUT_S

    def preview(self, image: Image) -> None:
        if not self.wants_preview():
            return
        if image.mode != "RGB":
            image = image.convert("RGB")
        with self._lock:
            box = tuple(side or image.size[i] for i, side in enumerate(self._preview_box))
        if image.size[0] > box[0] or image.size[1] > box[1]:
            image = image.copy()
            image.thumbnail(box)  # what the canvas shows, not more (aspect kept)
        with self._lock:
            self._awaiting, self._last_preview = True, time.monotonic()
        self._send_pending_progress()  # the preview belongs to the newest step, so that goes first
        width, height = image.size
        self.channel.send(Preview(self.job_id, width, height, image.tobytes(), sent=time.time()))
        self._on_tick()

    def text(self, chunk: str) -> None:
        if not chunk:
            return
        self._text.append(chunk)
        if time.monotonic() - self._last_text >= STREAM_INTERVAL_S:
            self._flush_text()
        self._on_tick()

    def _flush_text(self) -> None:
        if self._text:
            chunk, self._text = "".join(self._text), []
            self._last_text = time.monotonic()
            self.channel.send(Text(self.job_id, chunk))

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        self.channel.send(Metrics(self.job_id, int(step), {str(k): float(v) for k, v in values.items()}))
        self._on_tick()

    def log(self, message: str) -> None:
        self.channel.send(Log(self.job_id, str(message)))

    def flush(self) -> None:
        """Send the text and the progress value still held back (before the job's end message)."""
        self._flush_text()
        self._send_pending_progress()

    def _send_pending_progress(self) -> None:
        if self._pending_progress is not None:
            done, total, message = self._pending_progress
            self._pending_progress = None
            self.channel.send(Progress(self.job_id, done, total, message))


ContextFactory = Callable[[Settings], "EngineContext"]


def local_context(settings: Settings) -> EngineContext:
    """The EngineContext of a host on this machine: the studio home from the environment."""
    from studio.engines.context import EngineContext

    return EngineContext.create(StudioPaths.from_env(), settings)


class Host:
    """Serves one client over ``reader``/``writer`` until the client says bye or goes away."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO, make_context: ContextFactory = local_context) -> None:
        self._reader = reader
        self.channel = MessageWriter(writer)
        self._make_context = make_context
        self._commands: queue.Queue[Message | None] = queue.Queue()
        self._lock = threading.Lock()
        self._current: tuple[int, CancelToken, HostReporter] | None = None
        self._cancelled: set[int] = set()
        self._last_status = 0.0
        self.ctx: EngineContext | None = None

    def serve(self) -> int:
        """Run the conversation; the process exit code (0 after bye or end of input)."""
        self.channel.send(Hello(PROTOCOL_VERSION, pid=os.getpid()))
        try:
            first = read_message(self._reader)
        except ProtocolError as exc:
            self._fatal(str(exc))
            return 2
        return self.converse(first)

    def converse(self, first: Message | None) -> int:
        """The conversation after the client's first message ``first`` (its hello): context, ready, jobs."""
        if first is None or isinstance(first, Bye):
            return 0
        if not isinstance(first, Hello) or first.version != PROTOCOL_VERSION:
            self._fatal(_("Protocol version mismatch: this engine speaks {mine}, the studio {theirs}.").format(
                mine=PROTOCOL_VERSION, theirs=first.version if isinstance(first, Hello) else None))
            return 2
        refusal = self.refusal(first)
        if refusal:
            self._fatal(refusal)
            return 4
        try:
            settings = settings_from_dict(first.settings)
            self.ctx = self._make_context(settings)
            _apply_engine_overrides()
            import studio.host.dispatch  # noqa: F401 (a broken install shows now, not per job)

            if settings.engine_prewarm:
                import torch  # noqa: F401 (the first job then starts at once)
        except Exception as exc:
            log.exception("the engine could not start")
            self._fatal(_("The engine could not start: {reason}").format(reason=user_message(exc)),
                        traceback.format_exc())
            return 3
        self.channel.send(Ready(str(self.ctx.device)))
        self._send_status()
        threading.Thread(target=self._read_loop, name="host-reader", daemon=True).start()
        while True:
            message = self._commands.get()
            if message is None or isinstance(message, Bye):
                return 0
            if isinstance(message, RunJob):
                self._run(message)
            elif isinstance(message, Unload):
                self._unload()
            elif isinstance(message, NewSettings):
                self._reconfigure(message.settings)
            elif isinstance(message, Status):
                self._send_status()

    def refusal(self, hello: Hello) -> str | None:
        """Why the client that said ``hello`` may not use this host (None: it may). A local host's
        client is the studio that started it; a remote host checks its token (studio.host.remote)."""
        return None

    def _fatal(self, message: str, tb: str = "") -> None:
        try:
            self.channel.send(Error(-1, message, tb))
        except OSError:
            pass

    def _read_loop(self) -> None:
        """Acts on cancel/consumed at once; queues the rest for the main thread."""
        try:
            while (message := read_message(self._reader)) is not None:
                if isinstance(message, Cancel):
                    self._cancel(message.job)
                elif isinstance(message, Consumed):
                    with self._lock:
                        current = self._current
                    if current is not None and current[0] == message.job:
                        current[2].consumed(message.preview_box)
                else:
                    self._commands.put(message)
        except (ProtocolError, OSError, ValueError) as exc:
            log.error("the studio's connection broke: %s", exc)
        self._cancel(None)  # the client is gone: stop the running job, then end
        self._commands.put(None)

    def _cancel(self, job_id: int | None) -> None:
        with self._lock:
            if self._current is not None and (job_id is None or self._current[0] == job_id):
                self._current[1].cancel()
            elif job_id is not None:
                self._cancelled.add(job_id)

    def _run(self, job: RunJob) -> None:
        from studio.host.dispatch import run_spec

        job_id = job.job
        token = CancelToken(on_seen=lambda: self._send_quietly(Stopping(job_id)))
        reporter = HostReporter(self.channel, job_id, job.previews, job.preview_box, self._maybe_status,
                                PREVIEW_INTERVAL_S if job.preview_interval is None else job.preview_interval)
        with self._lock:
            self._current = (job_id, token, reporter)
            if job_id in self._cancelled:
                self._cancelled.discard(job_id)
                token.cancel()
        try:
            spec = spec_from_dict(job.spec)
            result = run_spec(spec, reporter, token, self.ctx)
            reporter.flush()
            self.channel.send(Result(job_id, result_to_wire(result)))
        except JobCancelled:
            reporter.flush()
            self.channel.send(Cancelled(job_id))
        except OSError as exc:
            if getattr(exc, "errno", None) == 32:  # EPIPE: the client is gone
                raise
            self._send_error(job_id, reporter, exc)
        except Exception as exc:
            self._send_error(job_id, reporter, exc)
        finally:
            with self._lock:
                self._current = None
        gc.collect()
        self._send_status()

    def _send_quietly(self, message: Message) -> None:
        """A courtesy message from the engine thread; a gone client is noticed by the reader."""
        try:
            self.channel.send(message)
        except OSError:
            pass

    def _send_error(self, job_id: int, reporter: HostReporter, exc: BaseException) -> None:
        reporter.flush()
        tb = traceback.format_exc()
        log.info("job %d failed: %s\n%s", job_id, user_message(exc), tb)  # the studio logs it as an error
        self.channel.send(Error(job_id, user_message(exc), tb))

    def _reconfigure(self, data: Mapping[str, object]) -> None:
        try:
            self.ctx.reconfigure(settings_from_dict(data))
        except Exception:  # bad values keep the settings the host had; the studio checked them anyway
            log.exception("could not apply the studio's settings")
        self._send_status()

    def _unload(self) -> None:
        self.ctx.cache.unload()
        gc.collect()
        self._send_status()

    def _maybe_status(self) -> None:
        if time.monotonic() - self._last_status >= STATUS_INTERVAL_S:
            self._send_status()

    def _send_status(self) -> None:
        self._last_status = time.monotonic()
        self.channel.send(Status(self.status()))

    def status(self) -> HostStatus:
        from studio.engines.devices import memory_in_use
        from studio.engines.load_meter import key_label

        loaded = self.ctx.cache.loaded()
        return HostStatus(device=self.ctx.device, memory_bytes=memory_in_use(self.ctx.device), pid=os.getpid(),
                          loaded=tuple(key_label(k) for k, _ in loaded), loaded_bytes=sum(s for _, s in loaded),
                          budget_bytes=self.ctx.cache.budget_bytes)


def _apply_engine_overrides() -> None:
    import studio.host.dispatch as dispatch

    for item in filter(None, os.environ.get(ENGINES_ENV, "").split(",")):
        kind, _sep, target = item.partition("=")
        if kind and ":" in target:
            dispatch.ENGINES[kind.strip()] = target.strip()


def _setup_logging() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(f"engine host {os.getpid()}: %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if any(isinstance(h, logging.FileHandler) for h in root.handlers):
        return  # started as `main.py engine host`: the CLI's log file is already set up
    try:
        file_handler = logging.FileHandler(StudioPaths.from_env().log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"))
        root.addHandler(file_handler)
    except OSError:
        pass
    root.setLevel(logging.INFO)


def main() -> int:
    """Serve the studio that started this process on stdin/stdout."""
    # Frames go to a private copy of stdout; fd 1 becomes stderr so stray prints cannot corrupt them.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if hasattr(signal, "SIGINT"):  # Ctrl+C in a terminal reaches the whole group: the studio decides
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _setup_logging()
    netguard.install(StudioPaths.from_env(), "engine host")
    use_language(resolve_language())  # $AIGC_STUDIO_LANG, set by the studio that started this process
    try:
        return Host(sys.stdin.buffer, out).serve()
    except BrokenPipeError:
        return 0
    finally:
        try:
            out.close()
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
