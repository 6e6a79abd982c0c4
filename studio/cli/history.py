"""`history list|delete`: the gallery of outputs, searchable by prompt text, model and seed."""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys

from studio.cli.common import open_gallery
from studio.core.store.gallery import MEDIA, SORTS, GalleryEntry
from studio.core.i18n import _


def register(sub) -> None:
    parser = sub.add_parser("history", help=_("search and manage the history of outputs"))
    cmds = parser.add_subparsers(dest="history_command", metavar="ACTION", required=True)

    p = cmds.add_parser("list", help=_("outputs newest first; filter by words of the prompt, model, seed"))
    p.add_argument("words", nargs="*", help=_("every word must appear in the prompt, negative prompt or text; "
                                            "'score>30' keeps images whose CLIP score passes"))
    p.add_argument("--model", help=_("model name (exact or part of it)"))
    p.add_argument("--seed", type=int)
    p.add_argument("--kind", help=_("job kind: image, text, upscale, train, ..."))
    p.add_argument("--media", choices=MEDIA)
    p.add_argument("--sort", choices=SORTS, default="newest", help=_("newest first, or best CLIP score first"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)

    p = cmds.add_parser("delete", help=_("remove entries from the history"))
    p.add_argument("entry_id", type=int, nargs="+")
    p.add_argument("--files", action="store_true", help=_("also move the output files to the system trash"))
    p.set_defaults(func=cmd_delete)
    p = cmds.add_parser("prompts", help=_("every prompt used, newest first; filter by words"))
    p.add_argument("words", nargs="*", help=_("words every listed prompt holds"))
    p.set_defaults(func=cmd_prompts)


def _entry_dict(e: GalleryEntry) -> dict:
    return {"id": e.id, "job_id": e.job_id, "kind": e.kind, "media": e.media, "created": e.created,
            "path": e.path, "text": e.text, "prompt": e.prompt, "negative_prompt": e.negative_prompt,
            "model": e.model, "seed": e.seed, "score": e.score, "score_clip": e.score_clip, "info": dict(e.info), "spec": json.loads(e.spec_json)}


def cmd_list(args: argparse.Namespace) -> int:
    gallery = open_gallery()
    filters = dict(model=args.model, seed=args.seed, kind=args.kind, media=args.media)
    query = " ".join(args.words)
    entries = gallery.search(query, limit=args.limit, offset=args.offset, order=args.sort, **filters)
    if args.json:
        print(json.dumps([_entry_dict(e) for e in entries], indent=2, ensure_ascii=False))
        return 0
    total = gallery.count(query, **filters)
    seed_word, score_word = _("seed"), _("score")  # the row's two labels (the rest are values)
    for e in entries:
        when = _dt.datetime.fromtimestamp(e.created).strftime("%Y-%m-%d %H:%M")
        what = e.path or e.text.replace("\n", " ")[:60]
        prompt = e.prompt.replace("\n", " ")
        score = f"{e.score:5.1f}" if e.score is not None else "    -"
        seed = e.seed if e.seed is not None else "-"
        print(f"{e.id:>6}  {when}  {e.kind:<7} {seed_word} {seed:<10} {score_word} {score} "
              f"{e.model or '-'}  "
              f"{prompt[:50] + ('...' if len(prompt) > 50 else '')!r}  {what}")
    print(_("{shown} of {total} shown").format(shown=len(entries), total=total) if total > len(entries)
          else _("{total} entries").format(total=total), file=sys.stderr)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from pathlib import Path

    from studio.core.errors import StudioError
    from studio.core.paths import StudioPaths
    from studio.core.trash import hold, release

    gallery = open_gallery()
    paths = StudioPaths.from_env()
    code = 0
    for entry_id in args.entry_id:
        try:
            path = gallery.get(entry_id).path
        except KeyError:
            print(_("error: there is no history entry {id}").format(id=entry_id), file=sys.stderr)
            code = 1
            continue
        held = None
        if args.files and path and Path(path).is_file():
            try:  # before the entry goes: a file the studio may not move keeps its entry too
                held = hold(paths, Path(path))
            except StudioError as exc:
                print(_("error: {problem}").format(problem=exc), file=sys.stderr)
                code = 1
                continue
        gallery.delete(entry_id)
        if held is not None:
            release(held)  # the same way as the window: recoverable from the trash
        print(_("entry {id} deleted (its file moved to the trash)").format(id=entry_id) if held is not None
              else _("entry {id} deleted").format(id=entry_id))
    return code


def cmd_prompts(args: argparse.Namespace) -> int:
    from studio.core.paths import StudioPaths
    from studio.core.prompt_history import PromptHistory

    for prompt in PromptHistory.open(StudioPaths.from_env()).search(" ".join(args.words)):
        print(prompt)
    return 0
