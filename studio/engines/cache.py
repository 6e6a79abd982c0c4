"""The loaded-model cache: keeps models in memory under a byte budget, evicting the least recently used."""
from __future__ import annotations

import gc
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable

from studio.engines.load_meter import current_reporter, key_label, load_name, measured_load, source_in_key, weight_bytes

log = logging.getLogger(__name__)


def model_bytes(obj: Any) -> int:
    """Bytes of parameters and buffers of a torch module or a diffusers/transformers pipeline (or the
    ``cache_bytes`` a model run by another library, e.g. llama.cpp, says it holds)."""
    if isinstance(getattr(obj, "cache_bytes", None), int):
        return int(obj.cache_bytes)
    import torch

    modules: list[torch.nn.Module] = []
    if isinstance(obj, torch.nn.Module):
        modules.append(obj)
    elif hasattr(obj, "components"):
        modules += [m for m in obj.components.values() if isinstance(m, torch.nn.Module)]
    elif isinstance(obj, (tuple, list)):
        return sum(model_bytes(o) for o in obj)
    seen: set[int] = set()
    total = 0
    for m in modules:
        for t in list(m.parameters()) + list(m.buffers()):
            if id(t) not in seen:
                seen.add(id(t))
                total += t.numel() * t.element_size()
    return total


def _default_budget() -> int:
    from studio.core.models.recommended import memory_budget_bytes

    return memory_budget_bytes(0.0)


class ModelCache:
    """Thread-safe LRU of loaded models keyed by (kind, path, device, dtype, ...)."""

    def __init__(self, budget_bytes: int = 0) -> None:
        self._budget = budget_bytes or _default_budget()
        self._items: "OrderedDict[Hashable, tuple[Any, int]]" = OrderedDict()
        self._lock = threading.RLock()

    def get_or_load(self, key: Hashable, loader: Callable[[], Any], source: str | Path | None = None,
                    what: str = "") -> Any:
        """The cached model for ``key``; otherwise ``loader()``'s result, cached (evicting others).

        A load reports its progress to the running job (:mod:`studio.engines.load_meter`): the bytes of
        ``source`` (default: the file or folder named in ``key``) read, as ``what`` (default: its name).
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        reporter = current_reporter()
        if reporter is None:
            obj = loader()
        else:
            src = str(source) if source else source_in_key(key)
            with measured_load(reporter, what or (load_name(src) if src else key_label(key)),
                               lambda: weight_bytes(src) if src else 0):
                obj = loader()
        size = model_bytes(obj)
        with self._lock:
            self._items[key] = (obj, size)
            self._items.move_to_end(key)
            self._evict(keep=key)
        return obj

    @property
    def budget_bytes(self) -> int:
        return self._budget

    def set_budget(self, budget_bytes: int) -> None:
        """A new byte budget (0: automatic); models over it are unloaded now, least recently used first."""
        with self._lock:
            self._budget = budget_bytes or _default_budget()
            if self._items:
                self._evict(keep=next(reversed(self._items)))

    def _evict(self, keep: Hashable) -> None:
        evicted = False
        while self.total_bytes() > self._budget and len(self._items) > 1:
            old = next(k for k in self._items if k != keep)
            log.info("unloading %s to stay under the memory budget", old)
            del self._items[old]
            evicted = True
        if evicted:  # a full collection holds the GIL for long (the GUI stalls): only when it frees a model
            gc.collect()

    def total_bytes(self) -> int:
        with self._lock:
            return sum(s for _, s in self._items.values())

    def loaded(self) -> list[tuple[Hashable, int]]:
        """(key, bytes) of every loaded model, least recently used first."""
        with self._lock:
            return [(k, s) for k, (_, s) in self._items.items()]

    def unload(self, key: Hashable | None = None) -> None:
        """Drop one model, or all with ``key=None``."""
        with self._lock:
            if key is None:
                self._items.clear()
            else:
                self._items.pop(key, None)
        gc.collect()
