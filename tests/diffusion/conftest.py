"""Helpers for the diffusion engine tests: a reporter that records everything."""
from __future__ import annotations

import pytest

from studio.core.progress import CancelToken, NullReporter


class RecordingReporter(NullReporter):
    """Records progress, previews and log lines; can cancel a token after N steps."""

    def __init__(self, previews: bool = True, cancel_after: int | None = None, cancel: CancelToken | None = None):
        super().__init__()
        self.progress_calls: list[tuple[int, int]] = []
        self.previews: list = []
        self._want = previews
        self._cancel_after = cancel_after
        self._cancel = cancel

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.progress_calls.append((done, total))
        if self._cancel_after is not None and done >= self._cancel_after and self._cancel is not None:
            self._cancel.cancel()

    def wants_preview(self) -> bool:
        return self._want

    def preview(self, image) -> None:
        self.previews.append(image)


@pytest.fixture()
def recorder() -> RecordingReporter:
    return RecordingReporter()
