"""Errors that carry a short message meant for the user."""
from __future__ import annotations


class StudioError(Exception):
    """An error whose message is shown to the user as is (one short line)."""


class SpecError(StudioError, ValueError):
    """A job spec with an invalid value (size, steps, ...)."""


class ModelError(StudioError):
    """A model that is missing, unreadable, of an unknown kind or unsafe to load."""


class JobCancelled(Exception):
    """Raised by CancelToken.raise_if_cancelled() deep inside an engine loop.

    Not a StudioError and not a failure: the worker maps it to the `cancelled` state.
    """


def user_message(exc: BaseException) -> str:
    """One line for the user: StudioError text as is, anything else prefixed by its type."""
    if isinstance(exc, StudioError):
        return str(exc)
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return "Out of memory: try a smaller size, fewer steps in a batch, or unload other models."
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return "The disk is full: nothing was written. Free some space and retry."
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
