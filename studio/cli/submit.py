"""Where a CLI command's jobs run: an engine host, through the same client as the window's.

A command opens one :class:`JobContext` (``with job_context() as ctx``) and runs its jobs with
:func:`run_job`. The jobs go to an engine host process (``studio.jobs.host_client``: the window's and
``queue run``'s client) started on first use and kept for the command, so a batch loads its model once;
with a remote engine set (Settings → Engine) the kinds it runs go there, the others to a local host.
The CLI process imports no torch. Progress, load and streamed text come back as the host's typed
events and reach the :class:`~studio.core.progress.ConsoleReporter`; the first Ctrl+C cancels the job
(a job still running ``cancel_grace_s`` later ends with its host), the second aborts.

The named exception, :mod:`studio.cli.in_process`: tests, the processes of a torchrun/accelerate launch
and the frozen self-test run jobs in this process.
"""
from __future__ import annotations

import logging
import signal
import sys
from types import TracebackType
from typing import Protocol

from studio.cli.common import is_launch_worker, record_in_gallery
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.launch import world_size
from studio.core.models.registry import ModelRegistry
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, ConsoleReporter, NullReporter, Reporter
from studio.core.results import JobResult
from studio.core.settings import Settings, load_settings
from studio.core.specs.base import Spec
from studio.core.specs.training import TrainSpec

log = logging.getLogger(__name__)


class Engine(Protocol):
    """Runs a command's jobs: an engine host (:class:`HostEngine`) or, named, this process."""

    @property
    def device(self) -> str: ...

    def run(self, spec: Spec, reporter: Reporter, cancel: CancelToken) -> JobResult: ...

    def close(self, abort: bool = False) -> None: ...


class EngineFailed(StudioError):
    """The job failed in its engine host (the engine's one-line message), or the host died during it."""


class HostEngine:
    """Jobs run in an engine host (or on the remote engine) through ``studio.jobs``' Qt-free client."""

    def __init__(self, paths: StudioPaths, settings: Settings, remote: bool) -> None:
        from studio.jobs.host_client import HostClient
        from studio.jobs.remote_client import RemoteHostClient

        self.grace_s = float(settings.cancel_grace_s)
        self.client = (RemoteHostClient(paths, settings, settings.engine_address, settings.engine_token, name="cli")
                       if remote else HostClient(paths, settings, name="cli"))
        self._jobs = 0

    @property
    def device(self) -> str:
        """The host's device (the host is started now if it is not running)."""
        return self.client.ensure_started()

    def run(self, spec: Spec, reporter: Reporter, cancel: CancelToken) -> JobResult:
        from studio.jobs.host_client import FAILED

        self._jobs += 1
        end = self.client.run_job(self._jobs, spec, reporter, cancel, grace_s=self.grace_s)
        if end.state == FAILED:
            log.error("%s job failed in the engine host: %s\n%s", spec.kind, end.message, end.traceback)
            raise EngineFailed(end.message)
        if end.message:  # e.g. stopped by ending its host after the grace period
            log.warning("%s", end.message)
        return end.result if end.result is not None else JobResult(cancelled=True)

    def close(self, abort: bool = False) -> None:
        if abort:
            self.client.kill()
        self.client.close()


class JobContext:
    """What one command's jobs share: the studio's paths, settings and model registry, and their engines
    (started on first use, ended by :meth:`close`, or on leaving a ``with`` block)."""

    def __init__(self, paths: StudioPaths | None = None, settings: Settings | None = None) -> None:
        self.paths = paths or StudioPaths.from_env()
        self.settings = settings or load_settings(self.paths.settings_file)
        self.registry = ModelRegistry(self.paths, self.settings)
        self._engines: dict[str, Engine] = {}

    def engine(self, kind: str) -> Engine:
        """Where jobs of ``kind`` run: this process (named cases), the remote engine, or a local host."""
        from studio.cli import in_process
        from studio.core.protocol.remote import REMOTE_KINDS

        if in_process.wanted():
            where = "here"
        else:
            where = "remote" if self.settings.engine_address and kind in REMOTE_KINDS else "local"
        if where not in self._engines:
            self._engines[where] = (in_process.InProcessEngine(self.paths, self.settings) if where == "here"
                                    else HostEngine(self.paths, self.settings, remote=where == "remote"))
        return self._engines[where]

    def device_for(self, kind: str) -> str:
        """The device jobs of ``kind`` run on (their engine is started now)."""
        return self.engine(kind).device

    def close(self, abort: bool = False) -> None:
        engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close(abort)

    def __enter__(self) -> "JobContext":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(abort=kind is not None and not issubclass(kind, Exception))


def job_context(settings: Settings | None = None) -> JobContext:
    """The jobs' context of a command (the studio home from the environment; ``settings``: its saved ones)."""
    return JobContext(settings=settings)


def admit(spec: Spec, ctx: JobContext, allow_flagged: bool) -> None:
    """The window's gate (:func:`studio.jobs.admission.admit`): ``spec`` validated once and screened once.

    The content filter's "warn" mode on the command line: a flagged job runs only with ``--allow-flagged``
    (the warning goes to stderr); without it, ContentFlagged (exit status 1). ("block" is enforced where
    every job runs, in the engine host.)"""
    from studio.jobs import admission

    def confirm(warning: str) -> bool:
        if allow_flagged:
            print(_("warning: {warning} Running it anyway (--allow-flagged).").format(warning=warning),
                  file=sys.stderr, flush=True)
        return allow_flagged

    admission.admit(spec, ctx.settings, ctx.paths, confirm,
                    lambda warning: _("{warning} Not run: add --allow-flagged to run it anyway.").format(
                        warning=warning))


def run_job(spec: Spec, ctx: JobContext | None = None, reporter: Reporter | None = None, record: bool = True,
            allow_flagged: bool = False) -> JobResult:
    """Run one spec with a console progress bar; Ctrl+C cancels it (a second Ctrl+C aborts).

    ``ctx``: the command's context (its engine stays up for the next job); without it, one for this job.
    With ``record`` the result is added to the studio's history (as a window job's would be).
    ``allow_flagged``: run it even when the content filter (in "warn" mode) flags it.
    """
    if ctx is None:
        with job_context() as own:
            return run_job(spec, own, reporter, record, allow_flagged)
    admit(spec, ctx, allow_flagged)
    cancel = CancelToken()

    def on_sigint(signum, frame):  # first Ctrl+C cancels cleanly, the second one aborts
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\n" + _("cancelling... (Ctrl+C again to abort)"), file=sys.stderr)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    launched = world_size() > 1
    if launched:  # torchrun stops the others with SIGTERM when one process fails: finish the item, keep it
        previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: cancel.cancel())
    try:
        # Under a launch the main process speaks for a batch's images: the others show no progress (errors still
        # print). A training's processes each report (each names its weights' digest, which must agree).
        quiet = is_launch_worker() and not isinstance(spec, TrainSpec)
        result = ctx.engine(spec.kind).run(spec, NullReporter() if quiet else reporter or ConsoleReporter(), cancel)
    finally:
        signal.signal(signal.SIGINT, previous)
        if launched:
            signal.signal(signal.SIGTERM, previous_term)
    if is_launch_worker():  # the main process of a launch records what every process made
        record = False
    if record and not result.cancelled and (result.outputs or result.text):
        record_in_gallery(ctx.paths, spec, result)
    return result
