"""The main window without a pool (widgets only), for the prompt tools' tests."""
from __future__ import annotations

import pytest

from studio.core.settings import Settings


@pytest.fixture()
def window(qtbot, paths):
    from studio.ui.main_window import MainWindow

    w = MainWindow(paths, Settings())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.scanner.wait()
