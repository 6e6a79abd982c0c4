"""`network log`: the connections the studio made, allowed and refused (the network guard's audit log)."""
from __future__ import annotations

import argparse
import json
import time

from studio.core.errors import StudioError
from studio.core.i18n import _


def _counts(counts: dict[str, int]) -> str:
    return _("{made} made, {allowed} allowed (downloads, remote engine), {refused} refused").format(
        made=counts["made"], allowed=counts["allowed"], refused=counts["refused"])


def event_label(event: str) -> str:
    return {"made": _("made"), "allowed": _("allowed"), "refused": _("refused")}.get(event, event)


def describe(entry: dict) -> str:
    """One line of the log: when, what, where to, who tried and (for allowed ones) why it was let through."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry["time"]))
    line = f"{when}  {event_label(str(entry['event'])):<8} {entry.get('kind', '')}  {entry.get('target', '')}"
    line += "  " + _("by {by} ({process}, pid {pid})").format(by=entry.get("by", "?"), process=entry.get("process", "?"),
                                                             pid=entry.get("pid", "?"))
    if entry.get("purpose"):
        line += "  " + _("for {purpose}").format(purpose=entry["purpose"])
    return line


def cmd_log(args: argparse.Namespace) -> int:
    from studio.core.netguard import audit_path, read_log, summarise
    from studio.core.paths import StudioPaths
    from studio.core.settings import load_settings

    if args.limit < 0:
        raise StudioError(_("--limit is a number of records (0: all)."))
    paths = StudioPaths.from_env()
    entries = read_log(paths)
    summary = summarise(entries)
    attempts = [e for e in entries if e.get("event") != "start"]
    if args.json:
        print(json.dumps({"total": summary.total, "since_start": summary.since_start, "started": summary.started,
                          "entries": attempts[-args.limit:] if args.limit else attempts}, ensure_ascii=False, indent=1))
        return 0
    if load_settings(paths.settings_file).offline:
        print(_("Offline mode: on. The network guard refuses every connection except consented downloads and the "
                "configured remote engine."))
    else:
        print(_("Offline mode: off. Connections are allowed and recorded."))
    print(_("Since installation: {counts}.").format(counts=_counts(summary.total)))
    if summary.started is not None:
        print(_("Since the studio last started ({when}): {counts}.").format(
            when=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(summary.started)),
            counts=_counts(summary.since_start)))
    print(_("Audit log: {path}").format(path=audit_path(paths)))
    shown = attempts[-args.limit:] if args.limit else attempts
    if shown:
        print()
        for entry in shown:
            print(describe(entry))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("network", help=_("the network guard: connections made and refused"),
                                   description=_("Every studio process runs under a network guard: while offline "
                                                 "(the default) outbound connections are refused and recorded."))
    cmds = parser.add_subparsers(dest="network_command", metavar="ACTION", required=True)
    p = cmds.add_parser("log", help=_("list the connections made, allowed and refused since installation"))
    p.add_argument("--limit", type=int, default=50, metavar="N", help=_("show the last N records (0: all; default 50)"))
    p.add_argument("--json", action="store_true", help=_("print the counts and records as JSON"))
    p.set_defaults(func=cmd_log)
