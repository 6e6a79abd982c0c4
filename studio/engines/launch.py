"""Batch jobs across the processes of an ``accelerate launch`` / ``torchrun`` launch.

``generate dataset``, ``evaluate --model … --prompts`` and ``generate grid`` make many images; under a
launch (``WORLD_SIZE`` > 1 in each process's environment) every process makes its share of the items
(accelerate's ``split_between_processes`` over the item indices), under file names the studio derives
from the item's index or seed (and, for the image engine's outputs, the process rank), so no two
processes write the same file. The main process then gathers what the others made and alone writes
what is shared (the dataset's final folder, the grid PNG, the report, the history rows in SQLite).

In one process (the engine host, a plain CLI run) a :class:`Launch` is trivial: it shares nothing,
imports neither accelerate nor ``torch.distributed``, and every item is this process's.
A collective that fails (a process died or left) raises :class:`LaunchLost`, one line naming the
process; the caller keeps what was written.
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, TypeVar

from studio.core.errors import StudioError
from studio.core.launch import world_size
from studio.core.i18n import _

T = TypeVar("T")

INJECT_EXIT_ENV = "STUDIO_INJECT_LAUNCH_EXIT"
"""Tests only: ``RANK:N`` makes process RANK of a launch exit abruptly after its N-th item (a process that dies)."""


class LaunchLost(StudioError):
    """A collective of the launch failed: another process died, was stopped, or disagreed."""


class Launch:
    """This process's place in a launch (rank, number of processes) and the few collectives batch jobs need."""

    def __init__(self, state: Any = None) -> None:
        self._state = state
        self.rank = int(state.process_index) if state is not None else 0
        self.size = int(state.num_processes) if state is not None else 1

    @classmethod
    def start(cls, ctx: Any) -> "Launch":
        """The launch this process belongs to (trivial outside one). Inside one on GPUs, ``ctx.device``
        becomes the device accelerate gives this process (``cuda:<local rank>``)."""
        if world_size() <= 1:
            return cls()
        from accelerate import PartialState

        try:
            state = PartialState(cpu=str(ctx.device).startswith("cpu"))
        except (RuntimeError, ValueError) as exc:
            raise LaunchLost(_("The processes of this launch could not join ({reason}).").format(reason=exc)) from exc
        if state.num_processes > 1 and str(ctx.device).split(":")[0] == state.device.type:
            ctx.device = str(state.device)
        return cls(state)

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def share(self, count: int) -> list[int]:
        """The item indices (of ``range(count)``) this process makes: contiguous, the first processes one more."""
        if not self.distributed:
            return list(range(count))
        with self._state.split_between_processes(list(range(count))) as mine:
            return list(mine)

    def _collective(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (RuntimeError, ValueError, OSError) as exc:  # gloo/nccl: a peer closed its connection or timed out
            reason = _reason(exc)
            raise LaunchLost(_("Process {rank} of {n} lost the other processes of the launch ({reason}).").format(
                rank=self.rank, n=self.size, reason=reason)) from exc

    def gather(self, value: T) -> list[T]:
        """Every process's ``value``, in rank order (also a barrier); ``[value]`` outside a launch."""
        if not self.distributed:
            return [value]
        import torch.distributed as dist

        out: list[Any] = [None] * self.size

        def call() -> list[T]:
            dist.all_gather_object(out, value)
            return out

        return self._collective(call)

    def broadcast(self, value: T) -> T:
        """The main process's ``value``, in every process."""
        if not self.distributed:
            return value
        import torch.distributed as dist

        box: list[Any] = [value]

        def call() -> T:
            dist.broadcast_object_list(box, src=0)
            return box[0]

        return self._collective(call)

    def maybe_die(self, made: int) -> None:
        """Tests only (``INJECT_EXIT_ENV``): this process exits at once, as a killed one would."""
        raw = os.environ.get(INJECT_EXIT_ENV, "")
        rank, _sep, after = raw.partition(":")
        if self.distributed and rank.isdigit() and after.isdigit() and int(rank) == self.rank and made >= int(after):
            os._exit(3)


def kept_in(exc: LaunchLost, folder: Any) -> LaunchLost:
    """``exc``, saying where the images the processes already made are kept."""
    return LaunchLost(_("{reason} The images already made are kept in {folder}.").format(reason=exc, folder=folder))


def _reason(exc: BaseException) -> str:
    """The first sentence of a collective's error, without gloo's source location ("Connection closed by peer …")."""
    text = " ".join(str(exc).split())
    text = re.sub(r"^\[[^\]]*\]\s*", "", text)
    return (text.split(". ")[0][:160] or type(exc).__name__).rstrip(".")


def merge_indexed(parts: list[list[tuple[int, T]]]) -> list[T]:
    """The (index, item) lists the processes made, as one list in index order (as one process makes them)."""
    return [item for _i, item in sorted((pair for part in parts for pair in part), key=lambda p: p[0])]
