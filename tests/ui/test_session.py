"""The studio session (one model scan, the pool, messages) and the one worker helper; panels get the session,
never the window, and the ui/jobs signatures are typed (no ``Any``)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from studio.core.models.registry import ModelEntry, ModelRegistry
from studio.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_returns_its_result_or_its_error_in_the_gui_thread(qtbot):
    import threading

    from studio.ui.worker import create_worker

    got: list[object] = []
    worker = create_worker(lambda: threading.current_thread().name, _connect={"returned": got.append},
                           _start_thread=False)
    with qtbot.waitSignal(worker.finished, timeout=20_000):
        worker.start()
    del worker  # the helper keeps a running worker alive by itself
    assert got and got[0] != threading.current_thread().name  # it ran on a pool thread
    worker = create_worker(lambda x: 1 // x, 0)  # not started: no _connect
    errors: list[object] = []
    worker.errored.connect(errors.append)
    with qtbot.waitSignal(worker.finished, timeout=20_000):
        worker.start()
    assert isinstance(errors[0], ZeroDivisionError)
    with pytest.raises(ValueError, match="no signal"):
        create_worker(print, _connect={"yielded": print})


def test_the_session_scans_once_for_every_panel_and_tells_them(qtbot, paths):
    from studio.ui.session import StudioSession

    session = StudioSession(paths, Settings(scan_hf_cache=False))
    seen: list[list[ModelEntry]] = []
    session.follow_models(seen.append)  # now (nothing scanned yet) and after every scan
    with qtbot.waitSignal(session.models_changed, timeout=30_000):
        session.rescan()
    expected = ModelRegistry(paths, Settings(scan_hf_cache=False)).scan()
    assert seen[0] == [] and [e.name for e in seen[1]] == [e.name for e in expected] == [e.name for e in session.models]
    assert all(isinstance(e, ModelEntry) for e in session.models)

    messages: list[tuple[str, int]] = []
    session.message.connect(lambda text, ms: messages.append((text, ms)))
    assert session.running_pool() is None and "still starting" in messages[0][0]
    users: list[object] = []
    session.when_pool(users.append)
    pool = object()
    session.attach_pool(pool)  # type: ignore[arg-type]
    session.when_pool(users.append)
    assert users == [pool, pool]
    session.scanner.wait()


def _ui_and_jobs_modules() -> list[Path]:
    return sorted((ROOT / "studio" / "ui").rglob("*.py")) + sorted((ROOT / "studio" / "jobs").rglob("*.py"))


def test_no_panel_imports_the_window():
    """Panels get the session (and the pool); only the app makes a MainWindow."""
    offenders = [p.relative_to(ROOT).as_posix() for p in _ui_and_jobs_modules()
                 if p.name != "main_window.py" and "studio.ui.main_window" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_public_signatures_in_ui_and_jobs_name_no_any():
    found = []
    for path in _ui_and_jobs_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                annotations = [a.annotation for a in (*node.args.args, *node.args.kwonlyargs, node.args.vararg,
                                                      node.args.kwarg) if a is not None and a.annotation is not None]
                for ann in [*annotations, node.returns]:
                    if ann is not None and "Any" in {n.id for n in ast.walk(ann) if isinstance(n, ast.Name)}:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert found == []
