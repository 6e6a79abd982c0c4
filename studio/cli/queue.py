"""`queue list|run|retry|cancel|remove|move|clear`: the studio's persistent job queue, headless.

``queue run`` serves queued jobs in this process (the same engines and store as the GUI's
workers), so jobs queued in the window can run on a machine without a display. Ctrl+C stops it:
the running job becomes interrupted (retryable) and the others stay queued.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Callable

from studio.cli.common import open_queue
from studio.core.i18n import N_, _
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, ConsoleReporter, format_seconds
from studio.core.store.queue import QUEUED, STATE_WORDS, STATES, JobRecord, QueueStore, reorder_moves


def register(sub) -> None:
    parser = sub.add_parser("queue", help=_("list, run, reorder, retry, cancel or remove queued jobs"))
    cmds = parser.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    p = cmds.add_parser("list", help=_("every job in queue order with its state"))
    p.add_argument("--state", choices=STATES, action="append", help=_("only jobs in this state (repeatable)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)

    p = cmds.add_parser("run", help=_("run the queued jobs in this process until none is left"))
    p.add_argument("--once", action="store_true", help=_("run only the next queued job"))
    p.set_defaults(func=cmd_run)

    for name, func, text in (("retry", cmd_retry, N_("queue a job again (a new job with the same parameters)")),
                             ("cancel", cmd_cancel, N_("cancel a queued job")),
                             ("remove", cmd_remove, N_("remove a job that is not running from the list"))):
        p = cmds.add_parser(name, help=_(text))
        p.add_argument("job_id", type=int, nargs="+")
        p.set_defaults(func=func)

    p = cmds.add_parser("move", help=_("put queued jobs at another place in the queue (as dragging them in "
                                       "the window does)"))
    p.add_argument("job_id", type=int, nargs="+", help=_("the queued jobs; they stay together, in queue order"))
    p.add_argument("--to", type=int, required=True, metavar="PLACE",
                   help=_("their place among the queued jobs: 1 runs next"))
    p.set_defaults(func=cmd_move)

    p = cmds.add_parser("clear", help=_("remove every finished job (done, failed, cancelled, interrupted)"))
    p.set_defaults(func=cmd_clear)


def _store() -> QueueStore:
    return open_queue()


def _spec_dict(j: JobRecord) -> dict | None:
    try:
        spec = json.loads(j.spec_json)
    except (ValueError, RecursionError):
        return None
    return spec if isinstance(spec, dict) else None


def _job_dict(j: JobRecord) -> dict:
    return {"id": j.id, "state": j.state, "kind": j.kind, "title": j.title, "created": j.created,
            "started": j.started, "finished": j.finished, "progress": [j.progress_done, j.progress_total],
            "error": j.error, "outputs": list(j.outputs), "spec": _spec_dict(j), "damaged": list(j.damaged)}


def _report_bad_rows(store: QueueStore, jobs: list[JobRecord]) -> None:
    """One line per damaged row: skipped entirely, or shown without its unreadable columns."""
    if store.skipped_rows:
        print(_("warning: job(s) {ids} could not be read and are not listed").format(
            ids=", ".join(map(str, store.skipped_rows))), file=sys.stderr)
    for j in jobs:
        if j.damaged or _spec_dict(j) is None:
            print(_("warning: job {id} has damaged stored data; it is shown without it").format(id=j.id),
                  file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    store = _store()
    jobs = store.list(args.state)
    _report_bad_rows(store, jobs)
    if args.json:
        print(json.dumps([_job_dict(j) for j in jobs], indent=2, ensure_ascii=False))
        return 0
    if not jobs:
        print(_("the queue is empty"))
    for j in jobs:
        extra = j.error or (j.outputs[0] if j.outputs else "")
        progress = f"{j.progress_done}/{j.progress_total}" if j.progress_total else ""
        print(f"{j.id:>5}  {j.state:<11} {j.kind:<7} {progress:>9}  {j.title}" + (f"  [{extra}]" if extra else ""))
    return 0


def _missing(store: QueueStore, job_id: int) -> bool:
    try:
        store.get(job_id)
        return False
    except KeyError:
        print(_("error: there is no job {job_id}").format(job_id=job_id), file=sys.stderr)
        return True


def _each_job(job_ids: list[int], act: Callable[[QueueStore, int], bool]) -> int:
    """Apply ``act`` to every existing job id (it prints and says whether it succeeded); 1 if any failed."""
    store, code = _store(), 0
    for job_id in job_ids:
        if _missing(store, job_id) or not act(store, job_id):
            code = 1
    return code


def _retry(store: QueueStore, job_id: int) -> bool:
    print(_("job {job_id} queued again as job {new_id}").format(job_id=job_id, new_id=store.retry(job_id)))
    return True


def _cancel(store: QueueStore, job_id: int) -> bool:
    if store.cancel_queued(job_id):
        print(_("job {job_id} cancelled").format(job_id=job_id))
        return True
    state = store.get(job_id).state
    print(_("error: job {job_id} is {state}, not queued (cancel a running job where it runs)").format(
        job_id=job_id, state=_(STATE_WORDS.get(state, state))), file=sys.stderr)
    return False


def _remove(store: QueueStore, job_id: int) -> bool:
    if store.get(job_id).state == "running":
        print(_("error: job {job_id} is running; cancel it first").format(job_id=job_id), file=sys.stderr)
        return False
    store.remove(job_id)
    print(_("job {job_id} removed").format(job_id=job_id))
    return True


def cmd_retry(args: argparse.Namespace) -> int:
    return _each_job(args.job_id, _retry)


def cmd_cancel(args: argparse.Namespace) -> int:
    return _each_job(args.job_id, _cancel)


def cmd_remove(args: argparse.Namespace) -> int:
    return _each_job(args.job_id, _remove)


def cmd_move(args: argparse.Namespace) -> int:
    """The same moves as a drag in the queue dock, through the same store call."""
    if args.to < 1:
        print(_("error: --to counts from 1 (1 runs next)"), file=sys.stderr)
        return 2
    store = _store()
    for job_id in args.job_id:
        if _missing(store, job_id):
            return 1
        state = store.get(job_id).state
        if state != QUEUED:
            print(_("error: job {job_id} is {state}: only queued jobs can be moved").format(
                job_id=job_id, state=_(STATE_WORDS.get(state, state))), file=sys.stderr)
            return 1
    queued = store.queued_ids()
    for job_id, index in reorder_moves(queued, args.job_id, args.to - 1):
        store.move(job_id, index)
    print(_("queued jobs in order: {ids}").format(ids=", ".join(map(str, store.queued_ids()))))
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    print(_("{count} finished job(s) removed").format(count=len(_store().clear_finished())))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from studio.core.settings import load_settings
    from studio.jobs.host_client import HostClient
    from studio.jobs.runner import run_record

    store = _store()
    for job_id in store.recover():
        print(_("job {job_id} was interrupted by a previous run (retry it with: queue retry {job_id})").format(
            job_id=job_id), file=sys.stderr)
    if not store.queued_ids():
        print(_("no queued jobs"))
        return 0
    paths = StudioPaths.from_env()
    settings = load_settings(paths.settings_file)
    # The same engine host process and protocol as the window's workers (hard cancel, crash isolation).
    host = HostClient(paths, settings, name="queue-run")
    stopping = CancelToken()
    current: list[CancelToken] = []

    def on_sigint(signum, frame):  # first Ctrl+C: interrupt the running job and stop; second: abort
        if stopping.cancelled:
            raise KeyboardInterrupt
        print("\n" + _("stopping: the running job will be marked interrupted (Ctrl+C again to abort)"),
              file=sys.stderr)
        stopping.cancel()
        for token in current:
            token.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    failures = 0
    try:
        while not stopping.cancelled and (rec := store.next_queued()) is not None:
            print(_("job {id}: {title}").format(id=rec.id, title=rec.title), file=sys.stderr)
            token = CancelToken()
            current[:] = [token]
            t0 = time.monotonic()
            reporter = ConsoleReporter()
            outcome = run_record(store, rec, reporter, token, host, closing=lambda: stopping.cancelled,
                                 grace_s=float(settings.cancel_grace_s))
            current.clear()
            detail = outcome.message or ", ".join(outcome.result.outputs if outcome.result else ())
            state = _(STATE_WORDS.get(outcome.state, outcome.state))
            line = _("job {id} {state} in {duration}: {detail}") if detail else _("job {id} {state} in {duration}")
            print(line.format(id=rec.id, state=state, duration=format_seconds(time.monotonic() - t0), detail=detail))
            failures += outcome.state == "failed"
            if args.once:
                break
    finally:
        signal.signal(signal.SIGINT, previous)
        host.close()
    left = len(store.list([QUEUED]))
    if left:
        print(_("{left} job(s) still queued").format(left=left), file=sys.stderr)
    return 130 if stopping.cancelled else (1 if failures else 0)
