"""The studio's side of one engine host process (no Qt: the Qt workers and ``queue run`` share it).

:class:`HostClient` starts the host with the studio's own interpreter (or frozen executable),
checks its protocol version, sends it jobs and control messages and turns its messages into
Reporter calls. It owns the policies that keep the studio alive whatever the host does:

* hard cancel: a cancelled job that has not stopped ``grace_s`` seconds later ends with its host
  (a job that said it saw the cancel, "stopping", gets :data:`WIND_DOWN_S` to finish its checkpoint);
* crash isolation: a host that dies or breaks the protocol mid-job fails that job with one line
  and is started afresh for the next one;
* a host that dies :data:`MAX_START_FAILURES` times in a row while starting stops the lane.
"""
from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, TypeVar

from studio.core.protocol.frames import PROTOCOL_VERSION, ProtocolError, result_from_wire
from studio.core.protocol.messages import (Bye, Cancel, Cancelled, Consumed, Error, Hello, Load, Log, Message,
                                           MessageWriter, Metrics, NewSettings, Preview, Progress, Ready, Result,
                                           RunJob, Status, Stopping, Text, Unload, read_message)
from studio.core.protocol.status import HostStatus
from studio.core.errors import StudioError
from studio.core.i18n import _, current_language
from studio.core.language import LANG_ENV
from studio.core.paths import HOME_ENV, StudioPaths
from studio.core.progress import CancelToken, Reporter, report_load
from studio.core.settings import Settings, settings_to_dict
from studio.core.results import JobResult
from studio.core.specs.base import Spec
from studio.core.specs.serial import spec_to_dict

log = logging.getLogger(__name__)

MAX_START_FAILURES = 3
HELLO_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 600.0  # importing torch from a cold disk can take minutes
CLOSE_TIMEOUT_S = 5.0
POLL_S = 0.02
WIND_DOWN_S = 120.0
"""How long a job that acknowledged its cancel ("stopping": it saw the flag and is, e.g., writing a
checkpoint) may take to end before its host is ended too; the short grace is for jobs that ignore it."""

DONE, CANCELLED, FAILED = "done", "cancelled", "failed"
M = TypeVar("M")
Inbox = queue.Queue[tuple[str, object]]
"""What a host's reader thread hands over: ("message", Message), ("protocol", ProtocolError) or ("eof", None)."""
PreviewSink = Callable[[int, int, bytes, float], None]
"""Receives one preview: width, height, width*height*3 bytes of RGB, and when the host sent it (time.time())."""


class HostStartError(StudioError):
    """The engine host could not be started; ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class JobEnd:
    """How a job ended in the host: state, result (done, or cancelled with partial output), failure text."""

    state: str
    result: JobResult | None = None
    message: str = ""
    traceback: str = ""
    host_ended: bool = False
    """The host process was ended or died during the job (it starts afresh for the next one)."""


def host_command() -> list[str]:
    """How to start a host: the frozen executable's ``engine host``, else this interpreter's module."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "engine", "host"]
    return [sys.executable, "-m", "studio.host.process"]


def _box(preview_box: tuple[int, int]) -> tuple[int, int]:
    """A preview box as sent: whole pixels, never negative (0: no bound on that side)."""
    return max(0, int(preview_box[0])), max(0, int(preview_box[1]))


def _how_it_ended(code: int | None) -> str:
    if code is None:
        return _("no exit code")
    if code < 0:
        return _("signal {number}").format(number=-code)
    return _("exit code {code}").format(code=code)


class HostClient:
    """One engine host process, started on demand and restarted after it ends."""

    def __init__(self, paths: StudioPaths, settings: Settings, name: str = "engine",
                 command: list[str] | None = None, env: Mapping[str, str] | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.name = name
        self.command = command or host_command()
        self.env = env
        self.device = ""
        self.on_status: Callable[[HostStatus], None] = lambda status: None
        self._proc: subprocess.Popen[bytes] | None = None
        self._writer: MessageWriter | None = None
        self._inbox: Inbox = queue.Queue()
        self._start_failures = 0
        self._lock = threading.Lock()

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def ensure_started(self, stopping: Callable[[], bool] = lambda: False) -> str:
        """Start the host unless it runs; its device. HostStartError after repeated deaths at start-up."""
        while not self.running:
            try:
                return self._start(stopping)
            except HostStartError as exc:
                if stopping():
                    raise
                self._start_failures += 1
                log.error("engine host %s did not start (%d in a row): %s", self.name, self._start_failures, exc)
                if exc.permanent or self._start_failures >= MAX_START_FAILURES:
                    if not exc.permanent:
                        raise HostStartError(_("The engine stopped {count} times in a row while starting; "
                                               "this lane is stopped ({reason}).").format(
                            count=self._start_failures, reason=str(exc)), permanent=True) from None
                    raise
        return self.device

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ if self.env is None else self.env)
        env[HOME_ENV] = str(self.paths.root)
        env[LANG_ENV] = current_language()  # the engine's messages in the studio's language
        if not getattr(sys, "frozen", False):  # the studio package (and a checkout's tests) importable
            root = str(Path(__file__).resolve().parents[2])
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        return env

    def _start(self, stopping: Callable[[], bool]) -> str:
        self._discard()
        log.info("starting engine host %s: %s", self.name, " ".join(self.command))
        try:
            proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    env=self._environment(), bufsize=0)
        except OSError as exc:
            raise HostStartError(_("The engine could not be started: {reason}").format(reason=exc),
                                 permanent=True) from exc
        self._proc, self._writer, self._inbox = proc, MessageWriter(proc.stdin), queue.Queue()
        threading.Thread(target=self._read_loop, args=(proc, self._inbox), name=f"{self.name}-reader",
                         daemon=True).start()
        hello = self._wait_for(Hello, HELLO_TIMEOUT_S, stopping)
        if hello.version != PROTOCOL_VERSION:
            self.kill()
            raise HostStartError(_("Protocol version mismatch: the engine speaks {theirs}, the studio {mine}.").format(
                theirs=hello.version, mine=PROTOCOL_VERSION), permanent=True)
        self._send(Hello(PROTOCOL_VERSION, settings=settings_to_dict(self.settings)))
        ready = self._wait_for(Ready, READY_TIMEOUT_S, stopping)
        self.device = ready.device
        self._start_failures = 0
        log.info("engine host %s (pid %d) ready on %s", self.name, proc.pid, self.device)
        return self.device

    def _wait_for(self, kind: type[M], timeout: float, stopping: Callable[[], bool]) -> M:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stopping():
            try:
                what, item = self._inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, kind):
                return item
            if isinstance(item, Error):
                self.kill()
                raise HostStartError(item.message, permanent=True)
            if isinstance(item, Status):
                self._status(item)
            elif what == "eof":
                raise HostStartError(_("the engine stopped ({how})").format(how=_how_it_ended(self._reap())))
            elif what == "protocol":
                self.kill()
                raise HostStartError(str(item))
        self.kill()
        raise HostStartError(_("the engine did not answer in time") if not stopping() else _("stopped"))

    @staticmethod
    def _read_loop(proc: subprocess.Popen[bytes], inbox: Inbox) -> None:
        try:
            while (message := read_message(proc.stdout)) is not None:
                inbox.put(("message", message))
        except ProtocolError as exc:
            inbox.put(("protocol", exc))
            return
        except (OSError, ValueError):
            pass
        inbox.put(("eof", None))

    def _reap(self) -> int | None:
        proc = self._proc
        if proc is None:
            return None
        try:
            return proc.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def kill(self) -> None:
        """End the host process now (its memory goes back to the OS)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        self._reap()

    def _discard(self) -> None:
        self.kill()
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except (OSError, AttributeError):
                    pass
        self._proc, self._writer = None, None

    def close(self) -> None:
        """Say bye and end the host now (a job still running is abandoned: the window asks before it closes)."""
        if self.running:
            try:
                self._send(Bye())
            except OSError:
                pass
        self._discard()

    # -- messages ------------------------------------------------------------------------------

    def _send(self, message: Message) -> None:
        writer = self._writer
        if writer is None:
            raise OSError("no engine host")
        writer.send(message)

    def _try_send(self, message: Message) -> None:
        try:
            self._send(message)
        except OSError:
            pass  # the host is gone: the reader reports it

    def consumed(self, job_id: int, preview_box: tuple[int, int] | None = None) -> None:
        """The preview of ``job_id`` was shown (any thread); ``preview_box``: the largest the next ones may be
        now (the window was resized while the job runs)."""
        self._try_send(Consumed(job_id, None if preview_box is None else _box(preview_box)))

    def unload(self) -> None:
        self._try_send(Unload())

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings for the next jobs (a new host gets them when it starts)."""
        self.settings = settings
        self._try_send(NewSettings(settings_to_dict(settings)))

    def request_status(self) -> None:
        self._try_send(Status())

    def poll_idle(self) -> bool:
        """Handle what an idle host said (status); False when it has ended (it restarts on demand)."""
        while True:
            try:
                what, item = self._inbox.get_nowait()
            except queue.Empty:
                return self.running
            if isinstance(item, Status):
                self._status(item)
            elif what in ("eof", "protocol"):
                log.error("engine host %s ended while idle (%s)", self.name, item or _how_it_ended(self._reap()))
                self._discard()
                return False

    def run_job(self, job_id: int, spec: Spec, reporter: Reporter, cancel: CancelToken, *, title: str = "",
                grace_s: float = 5.0, on_preview: PreviewSink | None = None, preview_box: tuple[int, int] = (0, 0),
                preview_interval: float = 0.05) -> JobEnd:
        """Run ``spec`` on the host (started first if needed) and wait for its end.

        ``cancel`` is polled: the host is told at once, and ended ``grace_s`` seconds later if the job
        still runs. Previews come scaled down to fit ``preview_box`` (width, height; 0: no limit) by the host.
        Never raises for what the host does; HostStartError if no host can be started.
        """
        if cancel.cancelled:
            return JobEnd(CANCELLED)
        try:
            self.ensure_started(lambda: cancel.cancelled)
        except HostStartError:
            if cancel.cancelled:
                return JobEnd(CANCELLED)
            raise
        label = title or spec.title()
        try:
            self._send(RunJob(job_id, spec_to_dict(spec), on_preview is not None, _box(preview_box),
                              float(preview_interval)))
        except OSError:
            pass  # the reader reports the dead host below
        deadline: float | None = None
        while True:
            if cancel.cancelled and deadline is None:
                deadline = time.monotonic() + max(0.0, grace_s)
                self._try_send(Cancel(job_id))
            if deadline is not None and time.monotonic() >= deadline:
                log.warning("job %d did not stop %.1f s after cancel: ending engine host %s", job_id, grace_s, self.name)
                self._discard()
                return JobEnd(CANCELLED, host_ended=True,
                              message=_("Stopped by ending its engine after {seconds} s.").format(seconds=f"{grace_s:g}"))
            try:
                what, item = self._inbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if what == "eof":
                code = self._reap()
                self._discard()
                if deadline is not None:
                    return JobEnd(CANCELLED, host_ended=True)
                return JobEnd(FAILED, host_ended=True, message=_(
                    "The engine stopped unexpectedly ({how}) while running “{title}”; retry the job to run it "
                    "again.").format(how=_how_it_ended(code), title=label))
            if what == "protocol":
                self._discard()
                return JobEnd(FAILED, host_ended=True, message=_(
                    "The engine sent a message the studio cannot read: {reason}. It was restarted.").format(
                    reason=str(item).rstrip(".")))
            if isinstance(item, Stopping):
                if deadline is not None and item.job == job_id:
                    deadline = max(deadline, time.monotonic() + WIND_DOWN_S)
                continue
            end = self._handle(job_id, item, reporter, on_preview)
            if end is not None:
                return end

    def _status(self, message: Status) -> None:
        if message.status is not None:
            self.on_status(message.status)

    def _handle(self, job_id: int, message: Message, reporter: Reporter,
                on_preview: PreviewSink | None) -> JobEnd | None:
        if isinstance(message, Status):
            self._status(message)
            return None
        if isinstance(message, Error) and message.job == -1:
            self._discard()
            return JobEnd(FAILED, message=message.message, traceback=message.traceback, host_ended=True)
        if getattr(message, "job", None) != job_id:
            return None  # a late message of an earlier job
        if isinstance(message, Progress):
            reporter.progress(message.done, message.total, message.message)
        elif isinstance(message, Preview):
            if on_preview is not None:
                on_preview(message.width, message.height, message.payload,
                           message.sent if message.sent is not None else time.time())
        elif isinstance(message, Load):
            report_load(reporter, message.done, message.total, message.model)
        elif isinstance(message, Text):
            reporter.text(message.chunk)
        elif isinstance(message, Metrics):
            reporter.metrics(message.step, message.values)
        elif isinstance(message, Log):
            reporter.log(message.message)
        elif isinstance(message, Result):
            try:
                result = result_from_wire(message.result)
            except ProtocolError as exc:
                self._discard()
                return JobEnd(FAILED, message=str(exc), host_ended=True)
            return JobEnd(CANCELLED if result.cancelled else DONE, result)
        elif isinstance(message, Cancelled):
            return JobEnd(CANCELLED)
        elif isinstance(message, Error):
            return JobEnd(FAILED, message=message.message, traceback=message.traceback)
        return None
