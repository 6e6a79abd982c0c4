"""Fixtures for the window tests: a MainWindow on the test's fresh studio home, with or without a
real JobPool (whose worker thread runs the real engines)."""
from __future__ import annotations

import functools

import pytest

from studio.core.settings import Settings


@pytest.fixture()
def window(qtbot, paths):
    """The main window, shown, with no pool attached (widgets only)."""
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.scanner.wait()


@pytest.fixture()
def studio(qtbot, paths, monkeypatch):
    """The main window with a started JobPool, as the app wires them (torch loads in the worker).

    Previews are throttled only by the paint handshake (no minimum interval), so a preview can
    follow every step when the GUI keeps up.
    """
    import studio.jobs.pool as pool_module
    from studio.jobs.reporter import QtReporter
    from studio.ui.main_window import MainWindow

    monkeypatch.setattr(pool_module, "QtReporter", functools.partial(QtReporter, min_preview_interval=0.0))
    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitExposed(w)
    pool = pool_module.JobPool(paths, Settings(), parent=w)
    w.attach_pool(pool)
    pool.start()
    yield w
    pool.shutdown(wait=True, timeout=30)
    w.scanner.wait()
