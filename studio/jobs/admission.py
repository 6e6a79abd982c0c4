"""The one gate a job passes before it is queued (the window's pool) or run (the CLI): no Qt, no torch.

:func:`admit` validates the spec once and, in the content filter's "warn" mode, screens it once. The
engine host still checks what it receives (``run_spec``): it is the trust boundary for specs from a
remote studio or a queue row written by another version, and it enforces the "block" mode (with the
classifier and the streamed text) where every job runs.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from studio.core.content_filter import ContentFilter, ContentFlagged, flagged_message, screen
from studio.core.paths import StudioPaths
from studio.core.settings import Settings
from studio.core.specs.base import Spec

log = logging.getLogger(__name__)


def admit(spec: Spec, settings: Settings, paths: StudioPaths, confirm_flagged: Callable[[str], bool],
          refusal: Callable[[str], str]) -> list[str]:
    """Validate ``spec`` (SpecError, one line) and screen it; its validation warnings.

    In "warn" mode a flagged spec passes only when ``confirm_flagged(message)`` says yes; otherwise
    ContentFlagged with ``refusal(message)`` (the caller's words: "Not queued", "add --allow-flagged").
    """
    warnings = spec.validate()
    if settings.content_filter == "warn":
        hit = screen(spec, "warn", paths)
        if hit is not None and not confirm_flagged(flagged_message(hit)):
            raise ContentFlagged(refusal(flagged_message(hit)))
    return warnings


def warm_up(settings: Settings, paths: StudioPaths) -> threading.Thread | None:
    """In "warn" mode, load the content filter (word lists and classifier, a few tenths of a second) on a thread of
    its own, so that the first :func:`admit` (on the window's GUI thread) finds it ready; the thread, or None."""
    if settings.content_filter != "warn":
        return None

    def load() -> None:
        try:
            ContentFilter.load(paths)
        except Exception:  # the first admit tries again, and says why
            log.exception("content filter: loading ahead failed")

    thread = threading.Thread(target=load, name="studio-content-filter", daemon=True)
    thread.start()
    return thread
