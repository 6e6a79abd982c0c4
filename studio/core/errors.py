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


# How allocators word running out of memory: CUDA/MPS ("out of memory"), PyTorch's CPU allocator
# ("[enforce fail at alloc_cpu.cpp:…] … DefaultCPUAllocator: can't allocate memory: …") and libc.
OUT_OF_MEMORY_WORDS = ("out of memory", "alloc_cpu.cpp", "can't allocate memory", "defaultcpuallocator",
                       "cannot allocate memory", "failed to allocate")


def is_out_of_memory(exc: BaseException) -> bool:
    """True for an exception that means the device (CPU RAM or GPU memory) ran out."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return any(w in text for w in OUT_OF_MEMORY_WORDS)


def user_message(exc: BaseException) -> str:
    """One line for the user: StudioError text as is, anything else prefixed by its type."""
    from studio.core.i18n import _

    if isinstance(exc, StudioError):
        return str(exc)
    if is_out_of_memory(exc):
        return _("Out of memory: try a smaller size, fewer images at once, or unload other models.")
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return _("The disk is full: nothing was written. Free some space and retry.")
    if type(exc).__module__ == "sqlite3":
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "full" in reason or "disk i/o" in reason.lower():
            return _("The disk is full or failing ({reason}): nothing was written. Free some space and retry.") \
                .format(reason=reason)
        if "malformed" in reason or "not a database" in reason:
            return _("The queue database is damaged ({reason}); run the command again to repair it.").format(
                reason=reason)
        return _("The queue database could not be used ({reason}).").format(reason=reason)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
