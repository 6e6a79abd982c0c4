"""Helpers shared by CLI commands: logging, the engine context, running one spec in-process."""
from __future__ import annotations

import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, ConsoleReporter, NullReporter
from studio.core.results import JobResult
from studio.core.settings import load_settings
from studio.core.specs.base import Spec
from studio.core.specs.training import TrainSpec
from studio.core.launch import process_rank, world_size

if TYPE_CHECKING:
    from studio.core.store.gallery import GalleryStore
    from studio.core.store.queue import QueueStore
    from studio.engines.context import EngineContext


def say_notice(notice: str) -> None:
    """Print a one-line notice (e.g. "the queue database was repaired") on stderr, if any."""
    if notice:
        print(_("note: {notice}").format(notice=notice), file=sys.stderr)


def open_queue() -> "QueueStore":
    """The studio's queue (a damaged database is moved aside and the CLI says so once)."""
    from studio.core.store.queue import QueueStore

    store = QueueStore.open(StudioPaths.from_env().queue_db)
    say_notice(store.notice)
    return store


def open_gallery(paths: StudioPaths | None = None) -> "GalleryStore":
    """The studio's history (same database as the queue; repaired on open like :func:`open_queue`)."""
    from studio.core.store.gallery import GalleryStore

    gallery = GalleryStore.open(paths or StudioPaths.from_env())
    say_notice(gallery.notice)
    return gallery


class _LogFile(logging.FileHandler):
    """The studio log file; when it cannot be written (a full disk), it says so once on stderr and
    goes quiet instead of printing a "Logging error" traceback for every later record."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        if not self.failed:
            self.failed = True
            print(_("warning: the log file {path} cannot be written (is the disk full?); logging stops.")
                  .format(path=self.baseFilename), file=sys.stderr)


def setup_logging() -> None:
    """Log everything to the studio log file; only warnings reach stderr (through the reporter).

    StudioError (one line) when the studio home is unusable (a file, read-only, not writable).
    """
    paths = StudioPaths.from_env()
    root = logging.getLogger()
    if any(getattr(h, "_studio", False) for h in root.handlers):
        return
    paths.check_usable()
    try:
        handler: logging.Handler = _LogFile(paths.log_file, encoding="utf-8")
    except OSError as exc:  # e.g. a full disk: the command can still run (and say what is wrong)
        print(_("warning: the log file {path} cannot be opened ({reason}); nothing is logged.").format(
            path=paths.log_file, reason=exc.strerror or exc), file=sys.stderr)
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._studio = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def engine_context() -> "EngineContext":
    from studio.engines.context import EngineContext

    paths = StudioPaths.from_env()
    return EngineContext.create(paths, load_settings(paths.settings_file))


def check_flagged(spec: Spec, ctx: "EngineContext", allow_flagged: bool) -> None:
    """The content filter's "warn" mode on the command line: a flagged job runs only with
    ``--allow-flagged`` (the warning goes to stderr); without it, ContentFlagged (exit status 1).
    ("block" is enforced where every job runs, in ``run_spec``.)"""
    from studio.core.content_filter import ContentFlagged, flagged_message, screen

    if ctx.settings.content_filter != "warn":
        return
    hit = screen(spec, "warn", ctx.paths)
    if hit is None:
        return
    if not allow_flagged:
        raise ContentFlagged(_("{warning} Not run: add --allow-flagged to run it anyway.").format(
            warning=flagged_message(hit)))
    print(_("warning: {warning} Running it anyway (--allow-flagged).").format(warning=flagged_message(hit)),
          file=sys.stderr, flush=True)


def with_launch_note(description: str) -> str:
    """``description`` (a batch command's --help) followed by how to run it on several processes."""
    return f"{description} {launch_note()}"


def launch_note() -> str:
    """The sentence the --help of each batch command ends with: how to run it on several processes."""
    return _("Several processes can share the images: run it under torchrun or accelerate launch "
             "(e.g. `torchrun --nproc_per_node 2 -m studio.cli ...`); the same seeds give the same images, "
             "the main process records them all.")


def is_launch_worker() -> bool:
    """True in a process other than the main one of an ``accelerate launch`` / ``torchrun`` launch: it makes its
    share of a batch, and prints and records nothing (the main process does, for all)."""
    return process_rank() > 0


def run_in_process(spec: Spec, ctx: "EngineContext | None" = None, reporter: ConsoleReporter | None = None,
                   record: bool = True, allow_flagged: bool = False) -> JobResult:
    """Run one spec with a console progress bar; Ctrl+C cancels cooperatively.

    With ``record`` the result is added to the studio's history (as a GUI job's would be).
    ``allow_flagged``: run it even when the content filter (in "warn" mode) flags it.
    """
    from studio.host.dispatch import run_spec

    cancel = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):  # first Ctrl+C cancels cleanly, the second one aborts
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\n" + _("cancelling... (Ctrl+C again to abort)"), file=sys.stderr)
        cancel.cancel()

    signal.signal(signal.SIGINT, on_sigint)
    launched = world_size() > 1
    if launched:  # torchrun stops the others with SIGTERM when one process fails: finish the item, keep it
        previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: cancel.cancel())
    ctx = ctx or engine_context()
    check_flagged(spec, ctx, allow_flagged)
    try:
        # Under a launch the main process speaks for a batch's images: the others show no progress (errors still
        # print). A training's processes each report (each names its weights' digest, which must agree).
        quiet = is_launch_worker() and not isinstance(spec, TrainSpec)
        result = run_spec(spec, NullReporter() if quiet else reporter or ConsoleReporter(), cancel, ctx)
    finally:
        signal.signal(signal.SIGINT, previous)
        if launched:
            signal.signal(signal.SIGTERM, previous_term)
    if is_launch_worker():  # the main process of a launch records what every process made
        record = False
    if record and not result.cancelled and (result.outputs or result.text):
        _record_in_gallery(ctx.paths, spec, result)
    return result


def _record_in_gallery(paths: StudioPaths, spec: Spec, result: JobResult) -> None:
    """CLI results join the same history as the GUI's, so they can be found and reproduced there."""
    try:
        with contextlib.closing(open_gallery(paths)) as gallery:  # one connection per call, not leaked
            gallery.add(spec, result)
    except Exception:  # the output file is written already; a history hiccup must not fail the command
        logging.getLogger(__name__).exception("could not record the result in the history")
