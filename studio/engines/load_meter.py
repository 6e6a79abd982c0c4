"""Load progress, measured: the bytes of weights read while a model loads, of the bytes it has on disk.

Every model load of a job passes through the model cache (:meth:`ModelCache.get_or_load`), which calls
:func:`measured_load` around the loader when the cache misses. While it runs, ``safetensors.safe_open``
(what transformers, diffusers and the studio's own loaders read weights with) is wrapped so that each
tensor, once read (``get_tensor``, or a lazy slice materialised with ``[...]``), adds its bytes to the
meter. The meter sends them to the job's reporter (``reporter.load(done, total, what)``): never more
than the total, never less than before, exactly the total once the load returned. Weights read some
other way (a pickle, llama.cpp, a converter) show 0 % until the load ends; such loaders call
:meth:`LoadMeter.add` themselves.

The job's reporter is ambient (:func:`job_reporter`, set by ``run_spec`` for the job's duration): a
load deep inside an engine needs no reporter passed down to report.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator

from studio.core.progress import Reporter, report_load

INTERVAL_S = 0.1
"""Least time between two load events (the first and the last always go)."""
WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".param")

_state = threading.local()
_lock = threading.RLock()
_meters: list["LoadMeter"] = []
_original: Any = None
_patched: list[tuple[Any, str]] = []


def weight_bytes(path: str | Path) -> int:
    """The bytes a load of ``path`` reads: the file's size, or a folder's weight files (variants such
    as ``model.fp16.safetensors`` left out when the plain file is there); 0 when not on disk."""
    p = Path(path)
    try:
        if p.is_file():
            return p.stat().st_size
        if not p.is_dir():
            return 0
        files = [f for f in p.rglob("*") if f.suffix in WEIGHT_SUFFIXES and f.is_file()]
    except OSError:
        return 0
    names = {f.parent / f.name for f in files}
    total = 0
    for f in files:
        stem, *variant = f.name[: -len(f.suffix)].split(".")
        if variant and (f.parent / (stem + f.suffix)) in names:
            continue  # a variant (fp16, ema) beside the file that is read
        if f.suffix == ".bin" and (f.parent / (stem + ".safetensors")) in names:
            continue  # the studio reads safetensors, never the pickle beside it
        total += f.stat().st_size
    return total


class LoadMeter:
    """Counts bytes read for one load and reports them (thread-safe; throttled)."""

    def __init__(self, reporter: Reporter, what: str, total: int | Callable[[], int],
                 interval: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.reporter, self.what = reporter, what
        self._total_fn = total if callable(total) else None
        self.total = max(0, int(total() if callable(total) else total))
        self.done = 0
        self._lock = threading.Lock()
        self._interval, self._clock = INTERVAL_S if interval is None else interval, clock
        self._last = float("-inf")
        self.finished = False

    def _send(self, force: bool) -> None:
        now = self._clock()
        if force or now - self._last >= self._interval:
            self._last = now
            report_load(self.reporter, self.done, self.total, self.what)

    def start(self) -> None:
        with self._lock:
            self._send(force=True)

    def add(self, nbytes: int) -> None:
        """``nbytes`` more were read (capped at the total: the percentage never goes past 100 or back)."""
        with self._lock:
            if self.finished:
                return
            if not self.total and self._total_fn is not None:
                self.total = max(0, int(self._total_fn()))  # e.g. a file converted during the load
            done = self.done + max(0, int(nbytes))
            self.done = min(done, self.total) if self.total else done
            self._send(force=False)

    def finish(self) -> None:
        """The load returned: 100 % (the total read, whatever was counted)."""
        with self._lock:
            if self.finished:
                return
            if not self.total and self._total_fn is not None:
                self.total = max(0, int(self._total_fn()))
            self.total = self.total or self.done
            self.done, self.finished = self.total, True
            self._send(force=True)


def _count(nbytes: int) -> None:
    with _lock:
        meters = list(_meters)
    for m in meters:
        m.add(nbytes)


def count_read(nbytes: int) -> None:
    """``nbytes`` more read by a loader the meter cannot watch (llama.cpp's progress callback): added to
    the loads running now (nothing outside one)."""
    _count(nbytes)


def _tensor_bytes(t: Any) -> int:
    try:
        return int(t.numel()) * int(t.element_size())
    except (AttributeError, TypeError):
        return int(getattr(t, "nbytes", 0) or 0)


class _CountingSlice:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getitem__(self, index: Any) -> Any:
        t = self._inner[index]
        _count(_tensor_bytes(t))
        return t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CountingOpen:
    """``safetensors.safe_open`` whose reads add to the running meters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._inner = _original(*args, **kwargs)

    def __enter__(self) -> "_CountingOpen":
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._inner.__exit__(*exc)

    def get_tensor(self, name: str) -> Any:
        t = self._inner.get_tensor(name)
        _count(_tensor_bytes(t))
        return t

    def get_slice(self, name: str) -> _CountingSlice:
        return _CountingSlice(self._inner.get_slice(name))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _install() -> None:
    """Wrap ``safe_open`` wherever a loaded module holds it (``from safetensors import safe_open``)."""
    global _original
    import safetensors

    if _original is None:
        _original = safetensors.safe_open
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if name.split(".")[0] in ("safetensors", "transformers", "diffusers", "studio", "peft", "accelerate"):
            if getattr(module, "safe_open", None) is _original:
                module.safe_open = _CountingOpen
                _patched.append((module, "safe_open"))


def _uninstall() -> None:
    while _patched:
        module, attr = _patched.pop()
        setattr(module, attr, _original)


@contextlib.contextmanager
def measured_load(reporter: Reporter, what: str, total: int | Callable[[], int]) -> Iterator[LoadMeter]:
    """Report the load of ``what`` (``total`` bytes, or a function giving them) while the block runs:
    0 at once, the bytes read as they are read, and the total when the block returns (not on an error)."""
    meter = LoadMeter(reporter, what, total)
    meter.start()
    with _lock:
        if not _meters:
            _install()
        _meters.append(meter)
    try:
        yield meter
    finally:
        with _lock:
            _meters.remove(meter)
            if not _meters:
                _uninstall()
    meter.finish()


@contextlib.contextmanager
def job_reporter(reporter: Reporter) -> Iterator[None]:
    """Make ``reporter`` the one model loads in this thread report to while the block runs."""
    previous = getattr(_state, "reporter", None)
    _state.reporter = reporter
    try:
        yield
    finally:
        _state.reporter = previous


def current_reporter() -> Reporter | None:
    """The running job's reporter in this thread (None outside a job)."""
    return getattr(_state, "reporter", None)


def source_in_key(key: Hashable) -> str:
    """The first element of a cache key that names a file or folder on disk ("" when none)."""
    parts = key if isinstance(key, tuple) else (key,)
    for part in parts:
        if isinstance(part, (str, Path)) and str(part):
            p = Path(str(part))
            with contextlib.suppress(OSError, ValueError):
                if p.exists():
                    return str(p)
    return ""


def key_label(key: Hashable) -> str:
    """A short readable name for a model-cache key such as ``("sd", "/models/tiny-sd", "cpu")``: the last part
    of the path in it (the model's folder or file, or the name after it), else its first two parts."""
    parts = key if isinstance(key, tuple) else (key,)
    for p in parts:
        if isinstance(p, str) and ("/" in p or "\\" in p):
            return p.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or p
    return str(parts[0]) if len(parts) == 1 else " ".join(str(p) for p in parts[:2])


def load_name(source: str | Path) -> str:
    """What a load is called: the model's folder or file name."""
    p = Path(str(source).rstrip("/\\"))
    return p.stem if p.suffix in WEIGHT_SUFFIXES else p.name
