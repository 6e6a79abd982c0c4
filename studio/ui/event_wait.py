"""Waiting for a condition while the Qt event loop runs (scripts, benchmarks, the screenshot tool).

Runs a nested QEventLoop instead of calling ``QCoreApplication.processEvents()`` in a busy loop,
so timers and queued signals are delivered as in the running app, without spinning a core.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEventLoop, QTimer


def wait_until(condition: Callable[[], bool], timeout_s: float, poll_ms: int = 20) -> bool:
    """Process events until ``condition()`` is true or ``timeout_s`` passed; returns ``condition()``."""
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(lambda: condition() and loop.quit())
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(max(0, int(timeout_s * 1000)))
    loop.exec()
    poll.stop()
    deadline.stop()
    return bool(condition())


def wait_for(seconds: float) -> None:
    """Process events for ``seconds``."""
    wait_until(lambda: False, seconds)
