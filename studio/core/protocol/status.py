"""An engine host's status: its device, memory in use and the models it holds (typed, not a dict).

A host sends one between jobs and now and then while a job runs (``status`` frames carry
:meth:`HostStatus.to_dict`); the pool merges its lanes' statuses into one for the window
(:meth:`HostStatus.merge`). A status only informs: a field that is missing or of the wrong type
reads as its default.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Mapping


def _int(value: object) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class HostStatus:
    device: str = ""
    memory_bytes: int = 0
    """Memory the device has in use (the process's on the CPU, the allocator's on a GPU)."""
    loaded: tuple[str, ...] = ()
    """The loaded models' names, as the model cache labels them."""
    loaded_bytes: int = 0
    budget_bytes: int = 0
    """The model cache's memory budget (0: none)."""
    pid: int = 0
    hosts: int = 1
    """How many hosts this status adds up (1 for one host's own)."""

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["loaded"] = list(self.loaded)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> HostStatus:
        loaded = data.get("loaded")
        return cls(device=str(data.get("device") or ""), memory_bytes=_int(data.get("memory_bytes")),
                   loaded=tuple(str(n) for n in loaded) if isinstance(loaded, (list, tuple)) else (),
                   loaded_bytes=_int(data.get("loaded_bytes")), budget_bytes=_int(data.get("budget_bytes")),
                   pid=_int(data.get("pid")), hosts=_int(data.get("hosts", 1)))

    @classmethod
    def merge(cls, statuses: Iterable[HostStatus | None]) -> HostStatus:
        """One status for several hosts (``None``: a host that has ended): models and memory added up."""
        live = [s for s in statuses if s is not None]
        return cls(device=next((s.device for s in live), ""), memory_bytes=sum(s.memory_bytes for s in live),
                   loaded=tuple(name for s in live for name in s.loaded),
                   loaded_bytes=sum(s.loaded_bytes for s in live),
                   budget_bytes=max((s.budget_bytes for s in live), default=0), hosts=len(live))
