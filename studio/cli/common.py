"""Helpers shared by CLI commands: logging, the queue and history, launches (jobs run through :mod:`studio.cli.submit`)."""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import TYPE_CHECKING

from studio.core.i18n import _
from studio.core.launch import process_rank
from studio.core.paths import StudioPaths
from studio.core.results import JobResult
from studio.core.specs.base import Spec

if TYPE_CHECKING:
    from studio.core.store.gallery import GalleryStore
    from studio.core.store.queue import QueueStore


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


def record_in_gallery(paths: StudioPaths, spec: Spec, result: JobResult) -> None:
    """CLI results join the same history as the GUI's, so they can be found and reproduced there."""
    try:
        with contextlib.closing(open_gallery(paths)) as gallery:  # one connection per call, not leaked
            gallery.add(spec, result)
    except Exception:  # the output file is written already; a history hiccup must not fail the command
        logging.getLogger(__name__).exception("could not record the result in the history")
