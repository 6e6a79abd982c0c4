"""Fixtures for the window tests: a MainWindow on the test's fresh studio home, with or without a
real JobPool (whose worker thread runs the real engines)."""
from __future__ import annotations

import pytest

from studio.core.settings import Settings

from tests.fixtures.studio_window import started_studio


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
    """The main window with a started JobPool, as the app wires them (torch loads in the worker)."""
    yield from started_studio(qtbot, paths, monkeypatch, size=(1100, 760))
