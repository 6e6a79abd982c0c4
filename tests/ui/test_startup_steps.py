"""The app's start-up after the first paint (studio.app.launch): the model scan, the job pool and the
other workspaces come one step per event-loop turn, so the window answers between them."""
from __future__ import annotations

import json
import math

from PySide6.QtCore import QTimer

from studio.core.paths import resources_dir
from studio.core.settings import Settings
from studio.ui.prompt_assist import CHIPS_PER_TURN

ALL_WORKSPACES = ["image", "text", "training", "faces", "models", "guided"]


def fashion_chips() -> int:
    """A chip per garment and colour the shipped Studio Fashion card names (10 + 12)."""
    card = json.loads((resources_dir() / "models" / "studio-fashion" / "studio_model.json").read_text(encoding="utf-8"))
    return len(card["vocabulary"]["garments"]) + len(card["vocabulary"]["colours"])


def _launch(qtbot, paths, settings: Settings | None = None, trace=None):
    from studio.app import launch
    from studio.ui.main_window import MainWindow

    window = MainWindow(paths, settings or Settings(scan_hf_cache=False), defer_workspaces=True)
    window.session.turns.trace = trace
    qtbot.addWidget(window)
    return window, launch(window)


def _close(window, startup) -> None:
    if startup.pool is not None:
        startup.pool.shutdown(wait=True, timeout=30)
    window.scanner.wait()


def test_workspaces_and_pool_come_in_steps_while_the_window_answers(qtbot, paths):
    window, startup = _launch(qtbot, paths)
    assert window.isVisible()
    assert [window.workspaces.tabText(i) for i in range(window.workspaces.count())] == ["Image"]
    seen_tabs: list[int] = []  # the number of tabs each time the event loop ran a timer
    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(lambda: seen_tabs.append(window.workspaces.count()))
    ticker.start()
    with qtbot.waitSignal(startup.finished, timeout=60000):
        pass
    ticker.stop()
    try:
        keys = [window._workspace_keys[i] for i in range(window.workspaces.count())]
        assert keys == ALL_WORKSPACES
        assert window.pool is startup.pool is not None
        assert window.upscale_tools.menuAction() in window.menuBar().actions()
        # The window ran its event loop while only some workspaces were built: not one long block.
        assert {2, 3, 4, 5} <= set(seen_tabs), sorted(set(seen_tabs))
        # The pool runs: a queued job gets a lane (its engine host process starts).
        qtbot.waitUntil(lambda: startup.pool.lanes()["studio-worker-0"] is not None, timeout=60000)
    finally:
        _close(window, startup)


def test_asking_for_a_workspace_mid_way_builds_the_rest_once(qtbot, paths):
    window, startup = _launch(qtbot, paths)
    with qtbot.waitSignal(startup.pool_started, timeout=60000):
        pass
    try:
        window.show_workspace("faces")  # e.g. a menu action before the steps reached it
        assert window.current_workspace() == "faces"
        with qtbot.waitSignal(startup.finished, timeout=60000):
            pass
        assert [window._workspace_keys[i] for i in range(window.workspaces.count())] == ALL_WORKSPACES
    finally:
        _close(window, startup)


def test_a_damaged_queue_file_opened_in_the_background_is_reported(qtbot, paths):
    paths.queue_db.parent.mkdir(parents=True, exist_ok=True)
    paths.queue_db.write_bytes(b"this is not a database" * 100)
    window, startup = _launch(qtbot, paths)
    with qtbot.waitSignal(startup.pool_started, timeout=60000):
        pass
    try:
        assert startup.pool is not None
        assert "damaged" in window.status.currentMessage()
        assert startup.pool.jobs() == []  # a fresh queue took its place
        assert any(p.name.startswith(paths.queue_db.name) and p != paths.queue_db
                   for p in paths.queue_db.parent.iterdir())  # the damaged file was kept aside
    finally:
        _close(window, startup)


def test_closing_the_window_before_the_steps_end_stops_them_quietly(qtbot, paths):
    from studio.app import launch
    from studio.ui.main_window import MainWindow

    window = MainWindow(paths, Settings(scan_hf_cache=False), defer_workspaces=True)
    startup = launch(window)
    with qtbot.waitSignal(startup.pool_started, timeout=60000):
        pass
    assert not window.workspaces_built()  # closed while workspaces are still to come
    window.close()
    startup.pool.shutdown(wait=True, timeout=30)  # the app does this on quit, before the window goes
    window.scanner.wait()
    window.deleteLater()
    qtbot.wait(300)  # the steps still scheduled find no window: nothing runs (pytest-qt fails on an error)


def test_a_step_built_in_parts_takes_one_turn_a_part_and_run_now_finishes_it(qtbot):
    from PySide6.QtCore import QObject

    from studio.ui import staged

    turns: list[str] = []
    clock = staged.Turns(trace=lambda name, _start, _wall, _cpu: turns.append(name))
    log: list[str] = []

    def widget() -> object:
        def parts():
            for i in range(3):
                log.append(f"part {i}")
                yield
            log.append("built")
        return parts()

    steps = staged.Steps(clock, [((), widget), ((), staged.named("next", lambda: log.append("next")))])
    done: list[bool] = []
    steps.run_later(lambda: done.append(True), None, context := QObject())
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert log == ["part 0", "part 1", "part 2", "built", "next"]
    assert turns == ["widget"] * 4 + ["next"]  # 3 parts and the end: a part per event-loop turn

    log.clear()
    done.clear()
    seen: list[object] = []

    def widget_asked_for_mid_way() -> object:  # e.g. a menu asks for the workspace after its first part
        def parts():
            log.append("part 0")
            QTimer.singleShot(0, lambda: (seen.append(steps.pending()), steps.run_now(), seen.append(list(log))))
            yield
            log.append("part 1")
            yield
            log.append("built")
        return parts()

    steps = staged.Steps(clock, [((), widget_asked_for_mid_way),
                                 ((), staged.named("next", lambda: log.append("next")))])
    steps.run_later(lambda: done.append(True), None, context)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    # What was under way was finished first, then the rest; nothing ran twice.
    assert seen == [True, ["part 0", "part 1", "built", "next"]]
    assert log == ["part 0", "part 1", "built", "next"] and not steps.pending()

    log.clear()
    done.clear()

    def asks_for_the_rest_from_inside() -> object:  # e.g. a panel built in a part asks for a later workspace
        def parts():
            log.append("part 0")
            yield
            steps.run_now()
            log.append("part 1")
            yield
            log.append("built")
        return parts()

    steps = staged.Steps(clock, [((), asks_for_the_rest_from_inside),
                                 ((), staged.named("next", lambda: log.append("next")))])
    steps.run_later(lambda: done.append(True), None, context)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert log == ["part 0", "next", "part 1", "built"]  # the others at once; this one goes on, nothing twice


def test_the_first_start_keeps_the_window_size_and_the_model_list_waits_for_the_imports(qtbot, paths):
    """The model's vocabulary line wraps (a long one widened the window 1360 → 1386 px on the first start: a
    relayout and a full repaint), and a scan's list reaches the panels once the background imports have ended,
    each part of the start-up one traced turn."""
    turns: list[tuple[str, bool]] = []  # (turn, whether a preload thread was importing meanwhile)
    window, startup = _launch(qtbot, paths,
                              trace=lambda name, *_: turns.append((name, window.session.turns.preloading())))
    widths: list[int] = []
    ticker = QTimer()
    ticker.setInterval(2)
    ticker.timeout.connect(lambda: widths.append(window.width()))
    ticker.start()
    assist = window.prompt_editor.assist
    with qtbot.waitSignal(startup.finished, timeout=60000):
        pass
    try:
        qtbot.waitUntil(lambda: assist.chips_ready() and assist.chips.isVisible(), timeout=30000)
        qtbot.wait(50)  # a layout the chips asked for
        ticker.stop()
        assert set(widths) == {1360} and window.minimumSizeHint().width() <= 1360
        assert "knows 10 garments" in assist.knows_label.text() and assist.knows_label.wordWrap()
        names = [name for name, _ in turns]
        assert names.count("model list to the panels") == 1
        assert not dict(turns)["model list to the panels"]  # no import thread took the GIL in turns with it
        # Studio Fashion's chips (10 garments + 12 colours): the first 6 with the list, then a turn per 6 more.
        assert names.count("vocabulary chips") == math.ceil(fashion_chips() / CHIPS_PER_TURN) - 1
        assert names.index("rescan_models") < names.index("_start_pool") < names.index("make_text_workspace")
        # The larger widgets are built in parts, a turn each: the edit tools' row, then the editor wiring it.
        assert names.count("_build_edit_tools") == 2 and names.count("_build_models") == 2
        assert names.count("make_text_workspace") >= 5 and names.count("make_training_workspace") >= 7
    finally:
        _close(window, startup)


def test_the_vocabulary_chips_come_a_few_per_turn_and_a_new_model_stops_the_old_row(qtbot, paths):
    from studio.core.models.registry import ModelEntry, ModelRegistry
    from studio.ui.prompt_editor import PromptEditor

    fashion = next(e for e in ModelRegistry(paths, Settings(scan_hf_cache=False)).scan() if e.name == "studio-fashion")
    sd = ModelEntry("sd", "/m/sd", "diffusers", family="sd1")
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_models([fashion, sd])
    assist = editor.assist
    assert assist.vocabulary() is not None and "Studio Fashion knows" in assist.knows_label.text()
    assert assist.chip_layout.count() == CHIPS_PER_TURN and not assist.chips_ready() and assist.chips.isHidden()
    qtbot.waitUntil(assist.chips_ready, timeout=5000)
    assert assist.chip_layout.count() == fashion_chips() and assist.chips.isVisible()

    editor.model_combo.setCurrentIndex(editor.model_combo.findData("sd"))
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("studio-fashion"))
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("sd"))  # before the row was made
    qtbot.wait(50)
    assert assist.chip_layout.count() == 0 and assist.chips.isHidden() and assist.chips_ready()
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("studio-fashion"))
    assist.finish_chips()  # e.g. before reading the row
    assert assist.chip_layout.count() == fashion_chips() and assist.chips.isVisible()


def test_a_model_list_waits_for_a_running_preload(qtbot, paths):
    import threading

    from studio.core.models.registry import ModelEntry
    from studio.ui.session import StudioSession

    session = StudioSession(paths, Settings(scan_hf_cache=False))
    seen: list[list[str]] = []
    session.follow_models(lambda entries: seen.append([e.name for e in entries]))
    release = threading.Event()
    preload = session.turns.preload((), then=lambda: release.wait(10))
    session.set_models([ModelEntry("a", "/m/a", "diffusers")])
    session.set_models([ModelEntry("b", "/m/b", "diffusers")])
    qtbot.wait(30)
    assert session.models[0].name == "b" and seen == [[]]  # kept, not handed yet
    release.set()
    qtbot.waitUntil(preload.done, timeout=5000)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5000)
    qtbot.wait(30)
    assert seen == [[], ["b"]]  # the latest list, once
    session.set_models([ModelEntry("c", "/m/c", "diffusers")])
    assert seen[-1] == ["c"]  # no preload: at once


def test_the_first_paint_skips_the_docks_panels_and_each_is_painted_on_a_turn_of_its_own(qtbot, paths):
    """The docks' panels are covered for the window's first paint (Qt paints nothing under an opaque patch), so it
    is a short one; each is then painted on a turn of its own, before the model scan, and no patch is left."""
    import time

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWidget

    paints: list[tuple[float, QWidget]] = []

    class Paints(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.Paint:
                paints.append((time.perf_counter(), obj))
            return False

    turns: dict[str, float] = {}  # a turn's name → when it began
    window, startup = _launch(qtbot, paths, trace=lambda name, start, *_: turns.setdefault(name, start))
    panels = {"show_PromptEditor": window.prompt_editor, "show_QueueView": window.queue_view,
              "show_HistoryStrip": window.history, "show_ControlPanel": window.control_panel}
    watch = Paints()
    for widget in (window.canvas, *panels.values()):
        widget.installEventFilter(watch)
    with qtbot.waitSignal(startup.finished, timeout=60000):
        pass
    qtbot.wait(50)
    try:
        assert list(turns)[:5] == [*panels, "rescan_models"]  # one turn each, first
        assert any(w is window.canvas for _t, w in paints)  # not covered: painted with the window
        for name, panel in panels.items():
            painted = [t for t, w in paints if w is panel]
            assert painted and turns[name] <= min(painted), name  # not with the window: at its own turn
        assert window.findChildren(QWidget, "startup_cover") == []
        assert window.prompt_editor.isVisible() and window.prompt_editor.visibleRegion().boundingRect() == \
            window.prompt_editor.rect()
    finally:
        _close(window, startup)
