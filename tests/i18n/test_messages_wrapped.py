"""Gate: an error message raised below the Qt layer goes through ``_()`` so a Chinese studio shows it in Chinese.

An AST scan of :data:`CHECKED_DIRS` fails on ``raise X("text")`` / ``raise X(f"text {x}")`` (and on a
literal built with ``+``, ``%`` or ``.format`` without ``_()``), unless the exception class or the site is
in an allow-list below with its reason. It also fails where a function both calls ``_()`` and binds ``_``
itself (``for _ in ...``), or calls it where nothing imports it: there ``_("...")`` fails in every language.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECKED_DIRS: tuple[str, ...] = ("studio/core", "studio/cli", "studio/jobs", "studio/engines", "studio/host")
"""Source folders whose raised messages must be wrapped in ``_()``."""

ALLOWED_EXCEPTIONS: dict[str, str] = {
    "NotImplementedError": "a programmer's error: a subclass forgot a method",
    "AssertionError": "an internal invariant, never a user's input",
    "TypeError": "misuse of an API by code (wrong argument type), not by a user",
}
"""Exception classes whose messages are for developers, wherever they are raised."""

ALLOWED_SITES: dict[tuple[str, str], str] = {
    ("studio/core/results.py", "ValueError"):
        "the wire format's field/type check; the caller wraps it in a translated 'refused' line",
    ("studio/core/store/gallery.py", "ValueError"): "an order code passed by code (the CLI offers argparse choices)",
    ("studio/core/store/queue.py", "ValueError"): "a job state passed by code, never typed by a user",
    ("studio/jobs/host_client.py", "OSError"): "an internal 'not connected' signal, caught before the user sees it",
    ("studio/jobs/remote_client.py", "OSError"): "an internal 'not connected' signal, caught before the user sees it",
    ("studio/engines/common/clip_model.py", "ValueError"): "score() called with unpaired lists: a caller's bug",
    ("studio/engines/common/sampling.py", "ValueError"): "make_grid() called with no images: a caller's bug",
    ("studio/engines/pipelines/pixel_edit.py", "ValueError"):
        "a pipeline call with a mask and no image; the edit engine refuses that first with a translated SpecError",
}
"""(file, exception class) pairs whose raised text is internal, each with why."""

LABEL_FUNCTIONS: tuple[str, ...] = ("check_range",)
"""Functions that put their first argument (a field's label) into a translated message: a literal label
must be marked ``N_("Steps")`` so the catalogue has it (the function translates it)."""


def _is_text(node: ast.expr) -> bool:
    """A message written in place: a literal, an f-string, or one built from a literal without ``_()``."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if isinstance(node, ast.BinOp):  # "a" + x, "a %s" % x
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):  # "a" if x else "b"
        return _is_text(node.body) or _is_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_text(node.func.value)  # "…{x}".format(x=…) (not _("…").format)
    return False


def _exception_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "?"


def unwrapped_raises(source: str, rel: str) -> list[str]:
    """``file:line: Class: text`` for each raise in ``source`` whose message skips ``_()``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
            continue
        name = _exception_name(node.exc)
        if name in ALLOWED_EXCEPTIONS or (rel, name) in ALLOWED_SITES:
            continue
        if _is_text(node.exc.args[0]):
            found.append(f"{rel}:{node.lineno}: {name}: {ast.unparse(node.exc.args[0])[:80]}")
    return found


def unmarked_labels(source: str, rel: str) -> list[str]:
    """``file:line`` of each LABEL_FUNCTIONS call whose literal label is not marked with ``N_()``."""
    return [f"{rel}:{n.lineno}: {ast.unparse(n)[:80]}" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in LABEL_FUNCTIONS
            and n.args and _is_text(n.args[0])]


PRINTING_DIRS: tuple[str, ...] = ("studio/cli",)
"""Where print()/input() speak to the user (elsewhere print is not used for messages)."""
_WORD = re.compile(r"[A-Za-z]{2,}")


def _literal_parts(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    if isinstance(node, ast.BinOp):
        return _literal_parts(node.left) + _literal_parts(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_parts(node.body) + _literal_parts(node.orelse)
    return []


PARSER_DIRS: tuple[str, ...] = ("studio/cli",)
"""Where argparse parsers are built: their help texts are what ``main.py … --help`` shows."""
PARSER_TEXT_KEYWORDS: tuple[str, ...] = ("help", "description", "epilog")


def untranslated_parser_texts(source: str, rel: str) -> list[str]:
    """``file:line`` of each ``help=``/``description=``/``epilog=`` (or argument-group title) written in place
    without ``_()`` (``help=_(text)``, ``help=argparse.SUPPRESS``, names and an f-string of values only, such
    as the program's name and version, pass)."""
    found = []
    for n in ast.walk(ast.parse(source)):
        if not isinstance(n, ast.Call):
            continue
        texts = [k.value for k in n.keywords if k.arg in PARSER_TEXT_KEYWORDS]
        if isinstance(n.func, ast.Attribute) and n.func.attr == "add_argument_group" and n.args:
            texts.append(n.args[0])
        found += [f"{rel}:{t.lineno}: {ast.unparse(t)[:80]}" for t in texts if _is_text(t)
                  and (not isinstance(t, ast.JoinedStr) or _WORD.search(" ".join(_literal_parts(t))))]
    return found


REPORTING_DIRS: tuple[str, ...] = ("studio/engines", "studio/host")
"""Where a job's reporter.log()/reporter.progress() lines reach the user (the job log, the progress bar)."""


def untranslated_reports(source: str, rel: str) -> list[str]:
    """``file:line`` of each ``….reporter.log/progress(...)`` whose own text has two words or more outside
    ``_()`` (a file name, a count or a one-word phase key such as "generating" passes)."""
    found = []
    for n in ast.walk(ast.parse(source)):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("log", "progress")
                and ast.unparse(n.func.value).split(".")[-1] == "reporter"):
            continue
        for arg in [*n.args, *(k.value for k in n.keywords)]:
            if len(_WORD.findall(" ".join(_literal_parts(arg)))) >= 2:
                found.append(f"{rel}:{n.lineno}: {ast.unparse(arg)[:80]}")
    return found


def untranslated_prints(source: str, rel: str) -> list[str]:
    """``file:line`` of each print()/input() whose own text has words outside ``_()`` (paths, tables of
    values and single words such as a unit pass: the check looks for two words or more)."""
    return [f"{rel}:{n.lineno}: {ast.unparse(n.args[0])[:80]}" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("print", "input")
            and n.args and len(_WORD.findall(" ".join(_literal_parts(n.args[0])))) >= 2]


def _scope_nodes(scope: ast.AST):
    """The nodes of ``scope``'s own namespace (not those of nested functions, classes or comprehensions)."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
                                 ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.extend(ast.iter_child_nodes(node))


def shadowed_underscore(source: str, rel: str) -> list[str]:
    """``file:line`` of each function (or module) that calls ``_()`` while binding ``_`` itself."""
    found = []
    tree = ast.parse(source)
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
        nodes = list(_scope_nodes(scope))
        calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in nodes)
        binds = [n for n in nodes if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)]
        if calls and binds:
            found.append(f"{rel}:{binds[0].lineno}: '_' is assigned where _() translates")
    return found


def undefined_underscore(source: str, rel: str) -> list[str]:
    """``file:line`` of each function calling ``_()`` in a module that imports it neither at the top nor there."""
    tree = ast.parse(source)

    def imports_underscore(scope: ast.AST) -> bool:
        return any(isinstance(n, ast.ImportFrom) and any((a.asname or a.name) == "_" for a in n.names)
                   for n in _scope_nodes(scope))

    if imports_underscore(tree):
        return []
    return [f"{rel}:{f.lineno}: {f.name} calls _() but nothing imports it"
            for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                    for n in _scope_nodes(f)) and not imports_underscore(f)]


def _sources():
    for folder in CHECKED_DIRS:
        for py in sorted((ROOT / folder).rglob("*.py")):
            yield py.relative_to(ROOT).as_posix(), py.read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", CHECKED_DIRS)
def test_every_raised_message_is_translatable(folder):
    problems = [p for rel, src in _sources() if rel.startswith(folder + "/") for p in unwrapped_raises(src, rel)]
    assert problems == [], "wrap these messages in _() (then tools/i18n.py update/apply/build):\n" + "\n".join(
        problems)


def test_field_labels_in_messages_are_marked_for_the_catalogue():
    problems = [p for rel, src in _sources() for p in unmarked_labels(src, rel)]
    assert problems == [], "mark these labels with N_():\n" + "\n".join(problems)


@pytest.mark.parametrize("folder", PRINTING_DIRS)
def test_every_printed_line_is_translatable(folder):
    problems = [p for rel, src in _sources() if rel.startswith(folder + "/") for p in untranslated_prints(src, rel)]
    assert problems == [], "wrap these lines in _():\n" + "\n".join(problems)


@pytest.mark.parametrize("folder", PARSER_DIRS)
def test_every_help_text_is_translatable(folder):
    problems = [p for rel, src in _sources() if rel.startswith(folder + "/")
                for p in untranslated_parser_texts(src, rel)]
    assert problems == [], "wrap these --help texts in _():\n" + "\n".join(problems)


@pytest.mark.parametrize("folder", REPORTING_DIRS)
def test_every_reported_line_is_translatable(folder):
    problems = [p for rel, src in _sources() if rel.startswith(folder + "/") for p in untranslated_reports(src, rel)]
    assert problems == [], "wrap these job-log/progress lines in _():\n" + "\n".join(problems)


def test_no_function_hides_or_lacks_the_translator():
    problems = [p for rel, src in _sources() for p in shadowed_underscore(src, rel) + undefined_underscore(src, rel)]
    assert problems == [], "\n".join(problems)


def test_the_scan_catches_each_unwrapped_form_and_passes_wrapped_ones():
    bad = '''
def f(x):
    raise ValueError("plain")
    raise SpecError(f"steps {x}")
    raise ModelError("a " + x)
    raise ModelError("size {x}".format(x=x))
    raise StudioError(
        f"long "
        f"message {x}")
    raise DownloadError(_("a") if x else f"b {x}")
'''
    good = '''
def g(x):
    raise SpecError(_("Steps {n}.").format(n=x))
    raise ModelError(_("plain"))
    raise SpecError(message)
    raise NotImplementedError("subclass")
'''
    assert [line.split(":")[1] for line in unwrapped_raises(bad, "x.py")] == ["3", "4", "5", "6", "7", "10"]
    assert unwrapped_raises(good, "x.py") == []
    assert unwrapped_raises('raise OSError("no engine host")', "studio/jobs/host_client.py") == []
    printed = 'print("the queue is empty")\nprint(f"job {i} removed" + "")\nprint(path)\nprint(_("no jobs"))\n' \
              'print(f"{name:<22} {value}")\nprint("cancelled")\n'
    assert [p.split(":")[1] for p in untranslated_prints(printed, "x.py")] == ["1", "2"]
    reported = 'reporter.log(f"Resumed at step {s}")\nself.reporter.progress(1, 2, "sample grid")\n' \
               'reporter.progress(0, 1, "generating")\nreporter.log(_("Saved {p}").format(p=p))\n' \
               'reporter.progress(1, 2, f"{name}")\nlog.info("loaded the model")\n'
    assert [p.split(":")[1] for p in untranslated_reports(reported, "x.py")] == ["1", "2"]
    parsers = 'p.add_argument("--x", help="plain")\np = sub.add_parser("a", help=f"the {d}", description=_("c"))\n' \
              'p.add_argument("--y", help=_("d {n}").format(n=1))\np.add_argument("z", help=argparse.SUPPRESS)\n' \
              'g = p.add_argument_group("editing")\np.add_argument("w", help=_(TEXT))\nP(epilog="e " + x)\n' \
              'P(description=f"{APP} {version}")\n'
    assert [p.split(":")[1] for p in untranslated_parser_texts(parsers, "x.py")] == ["1", "2", "5", "7"]
    assert unmarked_labels('check_range("Steps", s, 1, 9)\ncheck_range(N_("Seed"), s, 0, 9)', "x.py") == [
        "x.py:1: check_range('Steps', s, 1, 9)"]
    hidden = "def f(rows):\n    for _, b in rows:\n        raise ValueError(_('x'))\n"
    assert shadowed_underscore(hidden, "x.py") == ["x.py:2: '_' is assigned where _() translates"]
    assert undefined_underscore("def f():\n    from studio.core.i18n import _\n    return _('x')\n", "x.py") == []
    assert undefined_underscore("def f():\n    return _('x')\n", "x.py") == ["x.py:1: f calls _() but nothing imports it"]
    assert shadowed_underscore("def f(n):\n    return [_('x') for _x in range(n)] + [0 for _ in range(n)]\n",
                               "x.py") == []
