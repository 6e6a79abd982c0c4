"""GGUF text models run natively by llama.cpp (the C API of the ``llama-cpp-python`` binding, driven by
``llama_native`` without the binding's numpy layer), in about the file's size.

``load_gguf`` checks the file, picks the context length and GPU offload from the settings (``auto``:
the model's own context up to ``GGUF_AUTO_CONTEXT``; every layer on a GPU when llama.cpp can offload),
and loads it. llama.cpp's own log is captured (never printed over the engine host's pipe) so that a
failed load says in one line why: a truncated file, an architecture llama.cpp does not know, memory.
``GGUFTokenizer`` gives the loaded model the tokenizer interface ``prompting.encode`` uses; its chat
template (from the GGUF's metadata) is rendered as transformers renders it (``chat_jinja``).
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.errors import ModelError
from studio.core.models.gguf_header import GGUFError, GGUFInfo, read_gguf
from studio.core.i18n import _
from studio.core.progress import CancelToken, NullReporter, Reporter
from studio.core.models.registry import ModelEntry
from studio.core.settings import GGUF_AUTO_CONTEXT, Settings
from studio.engines.load_meter import count_read
from studio.engines.text.llama_native import NativeLlama, lib

log = logging.getLogger(__name__)
_LOG_LINES: deque[tuple[int, int, str]] = deque(maxlen=400)
"""llama.cpp's last log lines: (sequence number, level, text)."""
_LOG_COUNT = [0]
_LOG_LOCK = threading.Lock()
_LOG_CALLBACK: Any = None  # the ctypes callback must outlive every call llama.cpp makes to it
GGML_LOG_DEBUG, GGML_LOG_ERROR = 1, 4  # ggml_log_level (ggml.h)


def llama_module() -> Any:
    """llama.cpp's C API (``llama_native.lib``: without llama-cpp-python's numpy/jinja2 layer), its log routed to
    Python's logging (ModelError when llama-cpp-python is not installed)."""
    global _LOG_CALLBACK
    try:
        low = lib()
    except ImportError as exc:  # an install without the llama.cpp wheel
        raise ModelError(_("GGUF models need llama-cpp-python, which is not installed (run `python3 dev.py "
                           "setup`, or pip install -r requirements/llama.txt).")) from exc
    with _LOG_LOCK:
        if _LOG_CALLBACK is None:
            @low.llama_log_callback
            def on_log(level: int, text: bytes, user_data: Any) -> None:
                line = text.decode("utf-8", "replace")
                if level == GGML_LOG_DEBUG:  # hundreds of lines per load (one per tensor): never kept
                    log.debug("llama.cpp: %s", line.rstrip())
                    return
                _LOG_COUNT[0] += 1
                _LOG_LINES.append((_LOG_COUNT[0], level, line))
                log.debug("llama.cpp: %s", line.rstrip())

            _LOG_CALLBACK = on_log
            low.llama_log_set(on_log, None)
    return low


def _log_since(mark: int) -> list[tuple[int, str]]:
    """(level, text) of the lines logged after line number ``mark``."""
    return [(level, line) for seq, level, line in list(_LOG_LINES) if seq > mark]


def idle_cores() -> int:
    """Logical cores the machine's last-minute load leaves free (at least 1)."""
    try:
        busy = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average (Windows)
        busy = 0.0
    return max(1, int((os.cpu_count() or 2) - busy + 0.5))


def default_threads() -> int:
    """Threads for generating: the physical cores (hyper-threads slow token generation down), no more than the
    load leaves idle. llama.cpp's threads wait for each other at every step, so one that shares its core with
    another busy program stalls them all: SmolLM2 on 2 cores at load 5 made 35 tokens/s with 1 thread and 0.36
    with 2 (first token 0.3 s vs 15 s); greedy token ids are the same for any thread count."""
    import psutil

    physical = max(1, psutil.cpu_count(logical=False) or (os.cpu_count() or 2) // 2)
    return min(physical, idle_cores())


def kv_bytes(info: GGUFInfo, n_ctx: int) -> int:
    """Bytes of llama.cpp's f16 key/value cache for ``n_ctx`` tokens (0 when the metadata is incomplete)."""
    m, a = info.metadata, info.architecture
    layers, embd = m.get(f"{a}.block_count"), m.get(f"{a}.embedding_length")
    heads = m.get(f"{a}.attention.head_count")
    if not all(isinstance(v, int) and v > 0 for v in (layers, embd, heads)):
        return 0
    kv_heads = m.get(f"{a}.attention.head_count_kv", heads)
    kv_heads = kv_heads if isinstance(kv_heads, int) and kv_heads > 0 else heads
    k_len = m.get(f"{a}.attention.key_length", embd // heads)
    v_len = m.get(f"{a}.attention.value_length", embd // heads)
    return int(layers) * n_ctx * kv_heads * (int(k_len) + int(v_len)) * 2


CPU_BATCH = 128
"""Prompt tokens per llama.cpp step on a CPU. The step's work buffer grows with it (attention scores are
batch x context): for SmolLM2-135M at a 2048-token context, 99 MiB at llama.cpp's usual 512 and 25 MiB at
128; a 1,200-token prompt peaked 22 MB lower (197 -> 175 MB above the loaded runtime), prompt processing no
slower in our measurements. Generation (one token per step) does not depend on it."""
GPU_BATCH = 512


def llama_kwargs(n_ctx: int, gpu_layers: int, threads: int) -> dict[str, Any]:
    """The settings the studio loads a GGUF with: ``llama_cpp.Llama``'s keyword arguments, which ``NativeLlama``
    takes too (the benchmark's and the tests' direct reference pass them to ``Llama``). use_mmap=False: llama.cpp
    repacks Q4_0 weights for AVX2 into its own buffer, so a mapped file would be held twice (1B Q4_0: 1.2 GB
    instead of 0.7 GB), and generation is no faster. The key/value cache stays f16."""
    batch = min(GPU_BATCH if gpu_layers else CPU_BATCH, n_ctx)
    return {"n_ctx": n_ctx, "n_batch": batch, "n_ubatch": batch, "n_gpu_layers": gpu_layers, "n_threads": threads,
            "n_threads_batch": max(threads, idle_cores()), "use_mmap": False}


def pick_context(settings: Settings, info: GGUFInfo, name: str) -> int:
    """The context to run with: the setting, or auto (the model's own up to GGUF_AUTO_CONTEXT).

    ModelError when the setting is longer than the model was trained for."""
    trained = info.context_length or GGUF_AUTO_CONTEXT
    wanted = int(settings.gguf_context_length or 0)
    if wanted <= 0:
        return min(trained, GGUF_AUTO_CONTEXT)
    if wanted > trained:
        raise ModelError(_("The context length in Settings ({wanted} tokens) is longer than {name} was trained "
                           "for ({trained} tokens); lower it or set it to auto.").format(
            wanted=wanted, name=name, trained=trained))
    return wanted


def pick_gpu_layers(settings: Settings, device: str, llama_cpp: Any) -> int:
    """Layers to offload: the setting, or auto (-1 = all on a GPU device when llama.cpp can offload; else 0)."""
    can = bool(llama_cpp.llama_supports_gpu_offload())
    wanted = int(settings.gguf_gpu_layers)
    if wanted < 0:
        return -1 if can and device != "cpu" else 0
    return wanted if can else 0


@dataclass
class GGUFTokenizer:
    """The tokenizer interface ``prompting.encode`` uses, backed by llama.cpp's own tokenizer."""

    llm: Any
    chat_template: str | None
    special: dict[str, str] = field(default_factory=dict)
    """bos_token / eos_token texts, handed to the chat template as transformers does."""

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        ids = self.llm.tokenize(text.encode("utf-8"), add_bos=add_special_tokens, special=True) if text else []
        return {"input_ids": list(ids)}

    def decode(self, ids: list[int]) -> str:
        return self.llm.detokenize(list(ids)).decode("utf-8", "replace")

    def apply_chat_template(self, messages: list[dict[str, str]], tokenize: bool = False,
                            add_generation_prompt: bool = True, continue_final_message: bool = False) -> str:
        """The prompt text from the GGUF's chat template (rendered as transformers does, without importing it)."""
        from studio.engines.text.chat_jinja import render_chat_template

        return render_chat_template(self.chat_template or "", messages, add_generation_prompt=add_generation_prompt,
                                    continue_final_message=continue_final_message, **self.special)


@dataclass
class LoadedGGUF:
    """A GGUF model loaded by llama.cpp, ready to generate."""

    llm: Any
    tokenizer: GGUFTokenizer
    name: str
    path: str
    context_length: int
    trained_context: int
    gpu_layers: int
    threads: int
    cache_bytes: int
    """What the model cache counts for it: the file plus the key/value cache."""
    device: str = "cpu"

    @property
    def has_chat_template(self) -> bool:
        return bool(self.tokenizer.chat_template)

    def token_is_eog(self, token: int) -> bool:
        """End of generation: the model's end-of-sequence token, or an end-of-turn one."""
        return self.llm.is_eog(token)

    def piece(self, token: int) -> bytes:
        """The bytes of one token (special tokens give none), leading spaces kept."""
        return self.llm.piece(token)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.llm.close()


def _load_error(name: str, path: Path, lines: list[tuple[int, str]], exc: BaseException, n_ctx: int,
                info: GGUFInfo) -> ModelError:
    """One clear line for a load llama.cpp refused, from what it logged."""
    text = " ".join(line.strip() for _level, line in lines)
    low = text.lower()
    if "unknown model architecture" in low:
        return ModelError(_("{name} is a {arch!r} model, which llama.cpp (the studio's GGUF runner) does not "
                            "know.").format(name=name, arch=info.architecture))
    if any(s in low for s in ("not within the file bounds", "corrupted or incomplete", "failed to read",
                              "unexpectedly reached end of file", "file is truncated")):
        return ModelError(_("{name} is corrupt or truncated: its weights end before the file says they do "
                            "(download it again).").format(name=name))
    if getattr(exc, "stage", "") == "context" or "failed to allocate" in low:
        return ModelError(_("Not enough memory for {name} with a {n_ctx}-token context; lower the context length "
                            "in Settings or close other programs.").format(name=name, n_ctx=n_ctx))
    errors = [line.strip() for level, line in lines if level == GGML_LOG_ERROR and line.strip()]
    why = errors[-1] if errors else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ModelError(_("llama.cpp could not load {name}: {error}").format(name=name, error=why[:200]))


def check_header(path: Path, name: str) -> GGUFInfo:
    """The GGUF's metadata; ModelError (one line) when the file is not a readable GGUF."""
    try:
        info = read_gguf(path)
    except GGUFError as exc:
        raise ModelError(_("{name} is corrupt or truncated: {error}.").format(name=name, error=exc)) from exc
    except OSError as exc:
        raise ModelError(_("Cannot read {name}: {error}.").format(name=name, error=exc.strerror or exc)) from exc
    if not info.architecture:
        raise ModelError(_("{name} does not say which architecture it is (general.architecture is missing).").format(
            name=name))
    return info


def load_gguf(entry: ModelEntry, settings: Settings, device: str = "cpu", reporter: Reporter | None = None,
              cancel: CancelToken | None = None, threads: int = 0) -> LoadedGGUF:
    """Load ``entry``'s GGUF with llama.cpp under ``settings`` (context length, GPU layers)."""
    reporter = reporter or NullReporter()
    path, name = Path(entry.path), entry.name
    info = check_header(path, name)
    n_ctx = pick_context(settings, info, name)
    gpu_layers = pick_gpu_layers(settings, device, llama_module())
    if settings.gguf_gpu_layers > 0 and gpu_layers == 0:
        reporter.log(_("This llama.cpp build cannot offload to a GPU; {name} runs on the CPU.").format(name=name))
    threads = threads or default_threads()
    size = path.stat().st_size
    mark, read = _LOG_COUNT[0], [0]
    cancel = cancel or CancelToken()

    def on_progress(fraction: float) -> bool:
        # The bytes of the file llama.cpp has loaded, to the job's load event (studio.engines.load_meter).
        done = min(size, max(0, int(fraction * size)))
        if done > read[0]:
            count_read(done - read[0])
            read[0] = done
        return not cancel.cancelled  # False aborts the load: cancelling works while a big file loads

    try:
        llm = NativeLlama(str(path), **llama_kwargs(n_ctx, gpu_layers, threads), progress=on_progress)
    except (ValueError, RuntimeError, OSError) as exc:
        cancel.raise_if_cancelled()  # the callback aborted the load
        raise _load_error(name, path, _log_since(mark), exc, n_ctx, info) from exc
    template = llm.meta("tokenizer.chat_template") or None
    special = {}
    for key, token in (("bos_token", llm.token_bos()), ("eos_token", llm.token_eos())):
        if token is not None and token >= 0:
            special[key] = llm.token_text(token)
    return LoadedGGUF(llm=llm, tokenizer=GGUFTokenizer(llm, template, special), name=name, path=str(path),
                      context_length=n_ctx, trained_context=info.context_length or n_ctx, gpu_layers=gpu_layers,
                      threads=threads, cache_bytes=size + kv_bytes(info, n_ctx), device=device)


__all__ = ["LoadedGGUF", "GGUFTokenizer", "load_gguf", "llama_kwargs", "pick_context", "pick_gpu_layers", "kv_bytes",
           "default_threads", "llama_module", "check_header"]
