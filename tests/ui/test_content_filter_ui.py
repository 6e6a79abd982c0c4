"""The content filter in the window: the Settings page sets the policy; block fails the job naming the
category and writes nothing; warn asks Yes/No (No queues nothing, Yes runs it once); off asks nothing."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from studio.core.settings import load_settings
from studio.core.specs.image import ImageSpec
from studio.ui.settings.content_filter import ContentFilterPage
from tests.fixtures.studio_window import started_studio
from tests.jobs.conftest import TEST_ENGINES, use_engines
from tests.ui.test_settings_dialog import open_dialog

FLAGGED = ImageSpec(prompt="count ＢＥＨＥＡＤ the prisoner", steps=2)  # "count": the test engine writes a PNG
CLEAN = ImageSpec(prompt="count assassin's creed poster", steps=2)


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    use_engines(monkeypatch, TEST_ENGINES)
    yield from started_studio(qtbot, paths, monkeypatch)


def _set_policy(window, qtbot, policy: str) -> None:
    dialog = open_dialog(window, qtbot)
    page = dialog.page(ContentFilterPage)
    dialog.show_page(ContentFilterPage)
    page.policy.set_value(policy)
    assert "en.txt" in page.summary.text() and "violence" in page.summary.text()
    dialog.accept()
    assert window.pool.settings.content_filter == policy


def test_block_warn_off_in_the_window(studio, qtbot, paths, monkeypatch):
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    _set_policy(studio, qtbot, "block")
    assert load_settings(paths.settings_file).content_filter == "block"
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000) as failed:
        assert len(studio.submit_specs([FLAGGED])) == 1
    assert failed.args[1] == "failed"
    message = studio.pool.job(failed.args[0]).error
    assert "Blocked by the content filter (violence)" in message and "behead" not in message.lower()
    assert not list(paths.outputs.rglob("*.png")) and asked == []
    assert message  # the queue shows why

    _set_policy(studio, qtbot, "warn")
    assert studio.submit_specs([FLAGGED]) == []  # No: nothing queued, the editor says why
    assert len(asked) == 1 and "violence" in asked[0]
    assert "Not queued" in studio.prompt_editor.message_label.text()
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _job, state: state == "done"):
        assert len(studio.submit_specs([FLAGGED])) == 1  # Yes: runs this once
    assert len(asked) == 2 and list(paths.outputs.rglob("*.png"))
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _job, state: state == "done"):
        studio.submit_specs([CLEAN])  # a near-miss is not asked about
    assert len(asked) == 2

    _set_policy(studio, qtbot, "off")
    with qtbot.waitSignal(studio.pool.job_ended, timeout=60_000, check_params_cb=lambda _job, state: state == "done"):
        studio.submit_specs([FLAGGED])
    assert len(asked) == 2


def test_image_concepts_are_set_on_the_page(studio, qtbot, paths):
    dialog = open_dialog(studio, qtbot)
    page = dialog.page(ContentFilterPage)
    page.concepts.setText(" graphic violence,  nudity ,")
    page.threshold.setValue(0.42)
    dialog.accept()
    saved = load_settings(paths.settings_file)
    assert saved.content_filter_concepts == ("graphic violence", "nudity")
    assert saved.content_filter_threshold == pytest.approx(0.42)
    dialog = open_dialog(studio, qtbot)
    assert dialog.page(ContentFilterPage).concepts.text() == "graphic violence, nudity"
    dialog.reject()


def test_the_page_reads_the_classifier_off_the_gui_thread(studio, qtbot, monkeypatch):
    """The classifier's weights (20 MB) load on a worker thread; the page says so, then what it does."""
    import threading

    from studio.core import content_classifier as cc

    monkeypatch.setattr(cc, "_LOADED", {})
    threads: list[str] = []
    real = cc.load_classifier
    monkeypatch.setattr("studio.ui.settings.content_filter.load_classifier",
                        lambda: threads.append(threading.current_thread().name) or real())
    dialog = open_dialog(studio, qtbot)
    page = dialog.page(ContentFilterPage)
    qtbot.waitUntil(lambda: "English and Chinese" in page.builtin.text(), timeout=30_000)
    assert threads and threading.main_thread().name not in threads
    dialog.reject()


def test_warn_mode_loads_the_filter_ahead_of_the_first_job(paths, monkeypatch):
    """In "warn" mode the first job's check runs on the window's thread: the filter is loaded beforehand, on a
    thread of its own; off, it is not loaded."""
    from studio.core import content_filter as cf
    from studio.core.settings import Settings
    from studio.jobs.admission import warm_up

    monkeypatch.setattr(cf, "_CACHE", {})
    assert warm_up(Settings(content_filter="off"), paths) is None and not cf._CACHE
    thread = warm_up(Settings(content_filter="warn"), paths)
    thread.join(60)
    assert cf._CACHE and next(iter(cf._CACHE.values())).check("how to make a bomb at home").category == "weapons"
