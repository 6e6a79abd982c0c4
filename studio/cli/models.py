"""`models list|info|import|hash|convert|export|download`: the model manager, headless."""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from studio.core.errors import ModelError, StudioError
from studio.core.i18n import N_, _
from studio.core.paths import StudioPaths
from studio.core.progress import format_bytes
from studio.core.models.families import family_label
from studio.core.models.registry import SOURCE_LABELS, TYPE_LABELS, ModelEntry, ModelRegistry
from studio.core.settings import load_settings
from studio.core.specs.base import Spec


def register(sub) -> None:
    parser = sub.add_parser("models", help=_("list, inspect, import, hash, convert and download models"))
    cmds = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    p = cmds.add_parser("list", help=_("every model found, usable or not (with the reason)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.add_argument("--type", help=_("only this type (diffusers, sd_single_file, gguf, lora, ...)"))
    p.set_defaults(func=cmd_list)

    p = _model_command(cmds, "info", N_("details of one model (type, family, size, metadata, hash if known)"), cmd_info)
    p.add_argument("--json", action="store_true")

    p = cmds.add_parser("import", help=_("copy (default), move or link a model into the library"))
    p.add_argument("path")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--move", action="store_const", const="move", dest="mode")
    mode.add_argument("--link", action="store_const", const="link", dest="mode")
    p.add_argument("--name", help=_("name in the library"))
    p.set_defaults(func=cmd_import, mode="copy")

    _model_command(cmds, "hash", N_("SHA-256 and the short AutoV2 hash (cached by path, size and mtime)"), cmd_hash)
    _model_command(cmds, "convert", N_("convert a pickle checkpoint (.ckpt/.pt/.bin) to safetensors, safely"), cmd_convert)
    p = _model_command(cmds, "export", N_("write an SD 1.x diffusers folder as one original-format .safetensors"),
                       cmd_export)
    p.add_argument("out", help=_("output .safetensors file"))

    p = cmds.add_parser("download", help=_("download from a Hugging Face repo (or a URL) after confirming the size"))
    p.add_argument("repo_id", help=_("org/name, or an https:// URL"))
    p.add_argument("--revision", help=_("branch, tag or commit (default: main)"))
    p.add_argument("--include", action="append", default=[], metavar="GLOB", help=_("only files matching (repeatable)"))
    p.add_argument("--yes", "-y", action="store_true", help=_("do not ask for confirmation"))
    p.add_argument("--online", action="store_true", help=_("allow network access for this command despite offline mode"))
    p.set_defaults(func=cmd_download)

    p = cmds.add_parser("recommended", help=_("models worth downloading: size, licence, whether they fit this "
                                              "machine's memory, and the command that downloads one"))
    p.add_argument("--language", default="", metavar="CODE", help=_("only models that read this language (zh, en)"))
    p.set_defaults(func=cmd_recommended)


def cmd_recommended(args) -> int:
    from studio.core.models.recommended import memory_budget_bytes, recommended_text_models

    budget = memory_budget_bytes(load_settings(StudioPaths.from_env().settings_file).memory_budget_gb)
    print(_("Memory budget here: {budget}. Nothing is downloaded until you run the command and agree to the "
            "size.").format(budget=format_bytes(budget)))
    for m in recommended_text_models(args.language.strip().lower()):
        fits = _("fits") if m.fits(budget) else _("too big here")
        print(f"\n{m.name}  ({m.parameters}, {', '.join(m.languages)}, {m.licence})")
        print("  " + _("about {size}; needs about {memory} to run ({fits}); {note}").format(
            size=format_bytes(m.size_bytes), memory=format_bytes(m.run_bytes), fits=fits, note=_(m.note)))
        print("  " + _("download: python main.py models download {repo} --include {file}").format(
            repo=m.repo, file=m.file))
    return 0


def _model_command(cmds, name: str, text: str, func) -> argparse.ArgumentParser:
    """An action that takes one model (by name or path) as its first argument."""
    p = cmds.add_parser(name, help=_(text))
    p.add_argument("name", help=_("model name or path"))
    p.set_defaults(func=func)
    return p


def _registry() -> ModelRegistry:
    paths = StudioPaths.from_env()
    return ModelRegistry(paths, load_settings(paths.settings_file))


def find_entry(reg: ModelRegistry, name: str) -> ModelEntry:
    """A model by name (any type or status) or by path."""
    from studio.core.models.identify import identify_path

    p = Path(name).expanduser()
    if p.exists():
        return reg.with_cached_hash(identify_path(p, "path"))
    found = reg.find(name)
    if not found:
        raise ModelError(_("No model named {name!r}. `python main.py models list` shows what is installed.").format(
            name=name))
    return reg.with_cached_hash(found[0])


def _scan_progress(items: int, folder: str) -> None:
    """A line on stderr while a large models folder is read (a scan never runs silently for long)."""
    print(_("scanning models: {items} files and folders so far (now in {folder})").format(
        items=items, folder=folder), file=sys.stderr, flush=True)


def cmd_list(args: argparse.Namespace) -> int:
    entries = _registry().scan_with_hashes(_scan_progress)
    if args.type:
        entries = [e for e in entries if e.type == args.type]
    if args.json:
        print(json.dumps([e.to_dict() for e in entries], indent=2, default=str))
        return 0
    if not entries:
        print(_("No models found. Import one with `python main.py models import PATH`."))
        return 0
    width = max(len(e.name) for e in entries)
    for e in entries:
        label = _(TYPE_LABELS.get(e.type, e.type))
        status = "" if e.status == "ok" else f"  [{e.status}] {e.reason}"
        fam = f" {family_label(e.family)}" if e.family else ""
        source = _(SOURCE_LABELS.get(e.source, e.source))
        print(f"{e.name:<{width}}  {label}{fam}  {format_bytes(e.size)}  ({source}){status}")
    return 0


def _field(label: str, width: int = 21) -> str:
    """``label:`` padded to ``width`` terminal columns (a CJK character takes two)."""
    text = _("{label}:").format(label=label)
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


def cmd_info(args: argparse.Namespace) -> int:
    e = find_entry(_registry(), args.name)
    if args.json:
        print(json.dumps(e.to_dict(), indent=2, default=str))
        return 0
    print(_field(_("name")) + e.name)
    print(_field(_("type")) + f"{_(TYPE_LABELS.get(e.type, e.type))} ({e.type})")
    family = f"{family_label(e.family)} ({e.family})" if family_label(e.family) != e.family else e.family
    for label, value in ((_("family"), family), (_("status"), e.status + (f": {e.reason}" if e.reason else "")),
                         (_("source"), _(SOURCE_LABELS.get(e.source, e.source))), (_("path"), e.path), (_("size"), format_bytes(e.size))):
        if value:
            print(_field(label) + value)
    for k, v in e.details.items():
        if k == "metadata":
            continue
        if k == "parameters" and isinstance(v, int):
            v = f"{v:,}"
        print(_field(k) + (", ".join(map(str, v)) if isinstance(v, list) else str(v)))
    meta = e.details.get("metadata") or {}
    if meta:
        print(_("{label}:").format(label=_("metadata")))
        for k, v in meta.items():
            print(f"  {k}: {v if len(str(v)) < 120 else str(v)[:117] + '...'}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from studio.core.models.identify import identify_path
    from studio.core.models.library import import_model

    src = Path(args.path).expanduser()
    reg = _registry()  # import_model refuses a code-running pickle, alone or anywhere in a folder
    target = import_model(reg.paths, src, args.mode, args.name)
    e = identify_path(target, "user")
    state = "" if e.status == "ok" else f" [{e.status}: {e.reason}]"
    print(_("imported {name} as {type} {family}").format(name=e.name, type=_(TYPE_LABELS.get(e.type, e.type)),
                                                         family=family_label(e.family)).rstrip() + state)
    print(target)
    return 0


def cmd_hash(args: argparse.Namespace) -> int:
    from studio.core.models.hashing import HashCache, autov2
    from studio.core.progress import ConsoleReporter

    reg = _registry()
    e = find_entry(reg, args.name)
    if not e.path:
        raise ModelError(_("{name} has no file to hash ({reason}).").format(name=e.name, reason=e.reason))
    rep = ConsoleReporter()
    sha = HashCache.for_paths(reg.paths).model_hash(Path(e.path), progress=lambda d, t: rep.progress(d, t, "hashing"))
    print(f"{sha}  AutoV2 {autov2(sha)}  {e.name}")
    return 0


def _run_file_job(spec: Spec) -> int:
    """Run a model-file job in an engine host (``studio.cli.submit``), progress on stderr; print what it wrote."""
    from studio.cli.submit import run_job

    result = run_job(spec, record=False)
    if result.cancelled:
        print(_("cancelled"), file=sys.stderr)
        return 130
    for out in result.outputs:
        print(out)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from studio.core.specs.files import ConvertSpec

    e = find_entry(_registry(), args.name)
    if not e.path:
        raise ModelError(_("{name} has no file to convert ({reason}).").format(name=e.name, reason=e.reason))
    return _run_file_job(ConvertSpec(path=str(Path(e.path).absolute()), named=True))


def cmd_export(args: argparse.Namespace) -> int:
    from studio.core.atomic import check_output_file
    from studio.core.specs.files import ExportSpec

    out = check_output_file(Path(args.out))  # a device, a missing folder, /proc...: refused before the export
    e = find_entry(_registry(), args.name)
    if e.type != "diffusers":
        raise ModelError(_("{name} is not a diffusers pipeline folder.").format(name=e.name))
    if out.exists() or out.is_symlink():
        raise ModelError(_("{file} already exists; remove it first or choose another name.").format(file=out))
    return _run_file_job(ExportSpec(folder=str(Path(e.path).absolute()), out=str(out.absolute())))


def cmd_download(args: argparse.Namespace) -> int:
    from studio.core.progress import CancelToken, ConsoleReporter
    from studio.engines.downloads import plan_download, run_download

    reg = _registry()
    settings = reg.settings.replace(offline=False) if args.online else reg.settings
    plan = plan_download(args.repo_id, settings, args.revision, args.include)
    print(plan.describe())
    if not args.yes:
        if not sys.stdin.isatty():
            raise StudioError(_("Not downloading {size} without confirmation: pass --yes.").format(
                size=format_bytes(plan.total_size)))
        answer = input(_("Download {size}? [y/N] ").format(size=format_bytes(plan.total_size))).strip().lower()
        if answer not in ("y", "yes"):
            print(_("nothing downloaded"))
            return 1
    dest = run_download(plan, reg.paths, settings, ConsoleReporter(), CancelToken())
    print(dest)
    return 0
