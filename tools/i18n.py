"""The studio's translations: extract, apply, compile, count.

    tools/i18n.py update            # tr() strings → resources/i18n/studio_<lang>.ts (pyside6-lupdate);
                                    # _() strings of core/engines/cli/jobs → studio_<lang>.po (ast scan)
    tools/i18n.py apply FILE.py     # merge a {english: translation} dict (TRANSLATIONS in FILE) into both
    tools/i18n.py build             # .ts → .qm (pyside6-lrelease), .po → .mo (written here)
    tools/i18n.py stats             # translated / total per catalogue; exit 1 with --strict if any is missing
    tools/i18n.py check             # exit 1 when a committed .qm/.mo is not what build would write
    tools/i18n.py pending           # messages in today's sources the catalogues lack (exit 1 when any)

Both catalogues keep their translations across updates; a message whose source disappeared is dropped.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGS = ("zh_CN",)
GETTEXT_DIRS = ("studio/core", "studio/engines", "studio/host", "studio/cli", "studio/jobs")
"""Where ``_()`` (studio.core.i18n) is used; studio/ui uses tr()."""
BIN = Path(sys.executable).parent


def ts_path(lang: str) -> Path:
    return I18N / f"studio_{lang}.ts"


def po_path(lang: str) -> Path:
    return I18N / f"studio_{lang}.po"


# ---- gettext side -------------------------------------------------------------------------------------
def extract_gettext(root: Path = ROOT) -> dict[str, list[str]]:
    """{message: [file:line, ...]} of every ``_("literal")`` and ``N_("literal")`` call under GETTEXT_DIRS."""
    found: dict[str, list[str]] = {}
    for d in GETTEXT_DIRS:
        for py in sorted((root / d).rglob("*.py")):
            tree = ast.parse(py.read_text(encoding="utf-8"), str(py))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str) and node.args[0].value):
                    found.setdefault(node.args[0].value, []).append(f"{py.relative_to(root)}:{node.lineno}")
    return found


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _po_unquote(text: str) -> str:
    return ast.literal_eval(text)  # PO strings are C strings; Python's literal syntax covers ours


def read_po(path: Path) -> dict[str, str]:
    """{msgid: msgstr} ("" when untranslated), header excluded."""
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    key: str | None = None
    cur: list[str] = []
    ids: list[str] = []

    def flush() -> None:
        if key == "msgstr" and ids:
            out[ids[0]] = "".join(cur)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if line.startswith("msgid "):
            flush()
            key, cur, ids = "msgid", [_po_unquote(line[6:])], []
        elif line.startswith("msgstr "):
            ids = ["".join(cur)]
            key, cur = "msgstr", [_po_unquote(line[7:])]
        elif line.startswith('"') and key:
            cur.append(_po_unquote(line))
        elif not line or line.startswith("#"):
            flush()
            key, ids = None, []
    out.pop("", None)
    return out


def write_po(path: Path, lang: str, entries: dict[str, str], refs: dict[str, list[str]]) -> None:
    lines = ['msgid ""', 'msgstr ""', f'"Language: {lang}\\n"', '"MIME-Version: 1.0\\n"',
             '"Content-Type: text/plain; charset=UTF-8\\n"', '"Content-Transfer-Encoding: 8bit\\n"', ""]
    for msgid in sorted(entries):
        lines += [f"#: {ref}" for ref in refs.get(msgid, [])[:3]]
        lines += [f"msgid {_po_quote(msgid)}", f"msgstr {_po_quote(entries[msgid])}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def mo_bytes(entries: dict[str, str], lang: str) -> bytes:
    """A GNU .mo file of the translated ``entries`` (what msgfmt writes, minus the hash table)."""
    header = f"Language: {lang}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
    pairs = sorted([("", header)] + [(k, v) for k, v in entries.items() if v])
    ids = [k.encode() for k, _v in pairs]
    strs = [v.encode() for _k, v in pairs]
    n = len(pairs)
    key_table, value_table = 7 * 4, 7 * 4 + n * 8
    data_start = value_table + n * 8
    offsets, blob = [], b""
    for s in ids + strs:
        offsets.append((len(s), data_start + len(blob)))
        blob += s + b"\0"
    out = struct.pack("Iiiiiii", 0x950412DE, 0, n, key_table, value_table, 0, 0)
    for length, off in offsets:
        out += struct.pack("ii", length, off)
    return out + blob


# ---- Qt side ------------------------------------------------------------------------------------------
def qt_sources() -> list[str]:
    out = subprocess.run(["git", "ls-files", "studio/*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [p for p in out.stdout.split() if (ROOT / p).is_file()]


def run_lupdate(ts: Path) -> None:
    subprocess.run([str(BIN / "pyside6-lupdate"), *qt_sources(), "-ts", str(ts), "-no-obsolete", "-locations", "none",
                    "-target-language", ts.stem.split("_", 1)[1], "-silent"], cwd=ROOT, check=True)


def ts_counts(ts: Path) -> tuple[int, int]:
    """(translated, total) messages of a .ts."""
    root = ET.parse(ts).getroot()
    msgs = root.iter("message")
    total = done = 0
    for m in msgs:
        t = m.find("translation")
        total += 1
        done += int(t is not None and t.get("type") not in ("unfinished", "vanished", "obsolete") and bool(t.text))
    return done, total


def ts_untranslated(ts: Path) -> list[tuple[str, str]]:
    """(context, source) of each message still unfinished."""
    out = []
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            t = m.find("translation")
            if t is None or t.get("type") == "unfinished" or not t.text:
                out.append((name, m.findtext("source") or ""))
    return out


def apply_ts(ts: Path, table: dict[str, str]) -> int:
    """Fill unfinished messages whose source is in ``table`` (key "Context|source" wins over "source")."""
    text = ts.read_text(encoding="utf-8")
    tree = ET.ElementTree(ET.fromstring(text))
    n = 0
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            src = m.findtext("source") or ""
            tr = table.get(f"{name}|{src}", table.get(src))
            t = m.find("translation")
            if tr is None or t is None or (t.get("type") != "unfinished" and t.text):
                continue
            t.text = tr
            t.attrib.pop("type", None)
            n += 1
    ET.indent(tree, space="    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")
    return n


# ---- commands -----------------------------------------------------------------------------------------
def cmd_update() -> None:
    I18N.mkdir(parents=True, exist_ok=True)
    refs = extract_gettext()
    for lang in LANGS:
        run_lupdate(ts_path(lang))
        old = read_po(po_path(lang))
        write_po(po_path(lang), lang, {m: old.get(m, "") for m in refs}, refs)
    cmd_stats(strict=False)


def cmd_apply(files: list[str]) -> None:
    for f in files:
        spec = importlib.util.spec_from_file_location("translations", f)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        table: dict[str, str] = mod.TRANSLATIONS
        lang = getattr(mod, "LANG", "zh_CN")
        n_ts = apply_ts(ts_path(lang), table)
        run_lupdate(ts_path(lang))  # back to lupdate's own layout: later updates then change only what changed
        po = read_po(po_path(lang))
        n_po = 0
        for msgid in po:
            if not po[msgid] and msgid in table:
                po[msgid] = table[msgid]
                n_po += 1
        write_po(po_path(lang), lang, po, extract_gettext())
        print(f"{f}: {n_ts} Qt and {n_po} core messages filled")


def build_into(lang: str, folder: Path) -> tuple[Path, Path]:
    qm, mo = folder / f"studio_{lang}.qm", folder / f"studio_{lang}.mo"
    subprocess.run([str(BIN / "pyside6-lrelease"), str(ts_path(lang)), "-qm", str(qm), "-silent"], check=True)
    mo.write_bytes(mo_bytes(read_po(po_path(lang)), lang))
    return qm, mo


def cmd_build() -> None:
    for lang in LANGS:
        for p in build_into(lang, I18N):
            print(f"wrote {p.relative_to(ROOT)}")


def stale_outputs() -> list[str]:
    """Committed .qm/.mo files that differ from what their .ts/.po compile to."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGS:
            for built in build_into(lang, Path(tmp)):
                committed = I18N / built.name
                if not committed.is_file() or committed.read_bytes() != built.read_bytes():
                    stale.append(committed.name)
    return stale


def pending(lang: str = "zh_CN") -> list[str]:
    """Messages in the sources today that the committed catalogues do not translate (nothing is written)."""
    with tempfile.TemporaryDirectory() as tmp:
        ts = Path(tmp) / ts_path(lang).name
        ts.write_bytes(ts_path(lang).read_bytes())
        run_lupdate(ts)
        missing = [f"{ctx}: {src}" for ctx, src in ts_untranslated(ts)]
    po = read_po(po_path(lang))
    missing += [f"core: {m}" for m in extract_gettext() if not po.get(m)]
    return missing


def stats() -> dict[str, tuple[int, int]]:
    """{catalogue file name: (translated, total)}."""
    out = {}
    for lang in LANGS:
        out[ts_path(lang).name] = ts_counts(ts_path(lang))
        po = read_po(po_path(lang))
        out[po_path(lang).name] = (sum(1 for v in po.values() if v), len(po))
    return out


def cmd_stats(strict: bool, show: bool = False) -> int:
    missing = 0
    for name, (done, total) in stats().items():
        share = 100.0 * done / total if total else 100.0
        print(f"{name}: {done}/{total} translated ({share:.1f}%), {total - done} unfinished")
        missing += total - done
    if show:
        for lang in LANGS:
            for ctx, src in ts_untranslated(ts_path(lang)):
                print(f"  {ctx}: {src!r}")
            for msgid, msgstr in read_po(po_path(lang)).items():
                if not msgstr:
                    print(f"  core: {msgid!r}")
    return 1 if strict and missing else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("update")
    a = sub.add_parser("apply")
    a.add_argument("files", nargs="+")
    sub.add_parser("build")
    s = sub.add_parser("stats")
    s.add_argument("--strict", action="store_true", help="exit 1 when anything is untranslated")
    s.add_argument("--show", action="store_true", help="list the untranslated messages")
    sub.add_parser("check")
    sub.add_parser("pending", help="list messages in the sources not yet translated (without updating)")
    args = ap.parse_args(argv)
    if args.cmd == "update":
        cmd_update()
    elif args.cmd == "apply":
        cmd_apply(args.files)
    elif args.cmd == "build":
        cmd_build()
    elif args.cmd == "stats":
        return cmd_stats(args.strict, args.show)
    elif args.cmd == "pending":
        missing = pending()
        print(*missing, sep="\n")
        print(f"{len(missing)} messages untranslated")
        return 1 if missing else 0
    elif args.cmd == "check":
        stale = stale_outputs()
        for name in stale:
            print(f"{name} is not current: run tools/i18n.py build")
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
