"""llama.cpp through its C API: the ctypes bindings of llama-cpp-python (``llama_cpp.llama_cpp``) without
the binding's high-level layer.

``import llama_cpp`` runs the package's ``__init__``, which imports ``Llama`` and with it numpy, jinja2 and
diskcache: 18 MB of an engine host that runs SmolLM2-135M in about 190 MB. The studio needs only the C
functions, so ``lib()`` imports the low-level module alone; the package's own ``__init__`` is deferred to the
first use of anything else in it (``llama_cpp.Llama`` in a test or benchmark), and both then share the one
loaded library. ``NativeLlama`` loads, tokenizes and generates the way ``llama_cpp.Llama`` does with the same
keyword arguments (its context settings, its sampler chain, its reuse of the previous prompt's key/value
cache), so the token ids are the same, greedy or seeded (``tests/text/test_text_gguf.py`` compares them).
"""
from __future__ import annotations

import ctypes
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Iterator, Sequence

from studio.core.i18n import _

_LIB: ModuleType | None = None
_LOCK = threading.Lock()
class LlamaLoadError(ValueError):
    """llama.cpp refused the model (``stage`` "model") or could not create its context ("context": memory)."""

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


PENALTY_LAST_N = 64
"""Tokens the repetition penalty looks back over (``Llama``'s ``last_n_tokens_size``)."""


def _deferred_package(spec: Any) -> ModuleType:
    """The ``llama_cpp`` package without running its ``__init__`` until an attribute it defines is asked for."""
    pkg = importlib.util.module_from_spec(spec)
    loading = [False]

    def __getattr__(name: str) -> Any:
        if loading[0] or (name.startswith("__") and name not in ("__version__", "__all__")):
            raise AttributeError(name)
        loading[0] = True
        pkg.__dict__.pop("__getattr__", None)
        spec.loader.exec_module(pkg)  # the package's own __init__ (Llama, numpy, ...), into this same module
        return getattr(pkg, name)

    pkg.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return pkg


def lib() -> ModuleType:
    """``llama_cpp.llama_cpp`` (llama.cpp's C API), its backend initialised; ImportError when not installed."""
    global _LIB
    with _LOCK:
        if _LIB is None:
            if "llama_cpp" not in sys.modules:
                spec = importlib.util.find_spec("llama_cpp")
                if spec is None or spec.loader is None or not spec.submodule_search_locations:
                    raise ImportError(_("llama-cpp-python is not installed"))
                sys.modules["llama_cpp"] = _deferred_package(spec)
            import llama_cpp.llama_cpp as low  # the C API alone

            low.llama_backend_init()
            _LIB = low
    return _LIB


class NativeLlama:
    """One model and one context, with ``llama_cpp.Llama``'s keyword arguments and generation semantics."""

    def __init__(self, model_path: str, *, n_ctx: int, n_batch: int = 512, n_ubatch: int = 512,
                 n_gpu_layers: int = 0, n_threads: int = 1, n_threads_batch: int = 1, use_mmap: bool = True,
                 progress: Callable[[float], bool] | None = None) -> None:
        """Load ``model_path``; ``progress(fraction)`` is called as the weights load (False aborts the load).
        LlamaLoadError when llama.cpp cannot load the model or create the context (its log says why)."""
        L = self._lib = lib()
        self.model = self.ctx = self._batch = None
        mp = L.llama_model_default_params()
        mp.n_gpu_layers = 0x7FFFFFFF if n_gpu_layers == -1 else n_gpu_layers  # as Llama: -1 = every layer
        mp.load_mode = L.LLAMA_LOAD_MODE_MMAP if use_mmap else L.LLAMA_LOAD_MODE_NONE
        callback = None
        if progress is not None:
            callback = L.llama_progress_callback(lambda fraction, _data: bool(progress(float(fraction))))
            mp.progress_callback = callback
        self.model = L.llama_model_load_from_file(model_path.encode("utf-8"), mp)
        del callback
        if not self.model:
            self.model = None
            raise LlamaLoadError(_("llama.cpp gave no reason"), "model")
        self.vocab = L.llama_model_get_vocab(self.model)
        self.n_batch = min(n_ctx, n_batch)
        cp = L.llama_context_default_params()
        cp.n_ctx, cp.n_batch, cp.n_ubatch = n_ctx, self.n_batch, min(self.n_batch, n_ubatch)
        cp.n_threads, cp.n_threads_batch = n_threads, n_threads_batch
        # Llama's own defaults where they differ from llama.cpp's.
        cp.flash_attn_type = L.LLAMA_FLASH_ATTN_TYPE_DISABLED
        cp.yarn_attn_factor, cp.yarn_beta_fast, cp.yarn_beta_slow, cp.yarn_orig_ctx = 1.0, 32.0, 1.0, 0
        cp.no_perf = False
        self.context_params = cp
        self.ctx = L.llama_init_from_model(self.model, cp)
        if not self.ctx:
            self.ctx = None
            self.close()
            raise LlamaLoadError(_("llama.cpp could not create the model's context"), "context")
        self._memory = L.llama_get_memory(self.ctx)
        self._batch = L.llama_batch_init(self.n_batch, 0, 1)
        self._evaluated: list[int] = []
        """The tokens whose keys and values the context holds, in order."""
        self._piece = ctypes.create_string_buffer(256)

    # -- the vocabulary --------------------------------------------------------------------------------
    def n_ctx(self) -> int:
        return int(self._lib.llama_n_ctx(self.ctx))

    def n_vocab(self) -> int:
        return int(self._lib.llama_vocab_n_tokens(self.vocab))

    def token_bos(self) -> int:
        return int(self._lib.llama_vocab_bos(self.vocab))

    def token_eos(self) -> int:
        return int(self._lib.llama_vocab_eos(self.vocab))

    def token_text(self, token: int) -> str:
        return self._lib.llama_vocab_get_text(self.vocab, token).decode("utf-8", "replace")

    def is_eog(self, token: int) -> bool:
        """End of generation: end of sequence or of turn."""
        return bool(self._lib.llama_vocab_is_eog(self.vocab, token))

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        L = self._lib
        size = len(text) + 8
        buf = (L.llama_token * size)()
        n = L.llama_tokenize(self.vocab, text, len(text), buf, size, add_bos, special)
        if n < 0:
            size = -n
            buf = (L.llama_token * size)()
            n = L.llama_tokenize(self.vocab, text, len(text), buf, size, add_bos, special)
            if n < 0:
                raise RuntimeError(_("llama.cpp could not tokenize the text ({code})").format(code=n))
        return list(buf[:n])

    def piece(self, token: int, special: bool = False) -> bytes:
        """The bytes of one token, leading spaces kept (special tokens give none unless ``special``)."""
        L = self._lib
        n = L.llama_token_to_piece(self.vocab, L.llama_token(token), self._piece, len(self._piece), 0, special)
        if n < 0:
            self._piece = ctypes.create_string_buffer(-n)
            n = L.llama_token_to_piece(self.vocab, L.llama_token(token), self._piece, -n, 0, special)
        return bytes(self._piece[:n]) if n > 0 else b""

    def detokenize(self, tokens: Sequence[int], special: bool = False) -> bytes:
        """The text of ``tokens`` (a leading space after a BOS token dropped, as Llama does)."""
        out = b"".join(self.piece(t, special) for t in tokens)
        return out[1:] if tokens and tokens[0] == self.token_bos() and out[:1] == b" " else out

    def meta(self, key: str) -> str | None:
        """A metadata value of the GGUF as a string (None when the file has no such key)."""
        L, size = self._lib, 4096
        while True:
            buf = ctypes.create_string_buffer(size)
            n = L.llama_model_meta_val_str(self.model, key.encode("utf-8"), buf, size)
            if n < 0:
                return None
            if n < size:
                return buf.value.decode("utf-8", "replace")
            size = n + 1

    # -- generating ------------------------------------------------------------------------------------
    def _sampler(self, temp: float, top_k: int, top_p: float, min_p: float, repeat_penalty: float,
                 seed: int) -> Any:
        """Llama._init_sampler's chain: penalties, then greedy (temp 0) or top-k, typical, top-p, min-p,
        temperature and a seeded draw."""
        L = self._lib
        chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
        add = L.llama_sampler_chain_add
        add(chain, L.llama_sampler_init_penalties(self.n_vocab(), PENALTY_LAST_N, repeat_penalty, 0.0, 0.0))
        if temp < 0.0:
            add(chain, L.llama_sampler_init_dist(seed))
        elif temp == 0.0:
            add(chain, L.llama_sampler_init_greedy())
        else:
            add(chain, L.llama_sampler_init_top_k(top_k))
            add(chain, L.llama_sampler_init_typical(1.0, 1))
            add(chain, L.llama_sampler_init_top_p(top_p, 1))
            add(chain, L.llama_sampler_init_min_p(min_p, 1))
            add(chain, L.llama_sampler_init_temp(temp))
            add(chain, L.llama_sampler_init_dist(seed))
        return chain

    def _keep_prefix(self, tokens: list[int]) -> int:
        """Drop from the cache what ``tokens`` does not share with it; the number of tokens kept. The whole
        prompt is never kept: its last token is evaluated again, for the logits the answer starts from."""
        L, keep = self._lib, 0
        for a, b in zip(self._evaluated, tokens):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1)
        if keep <= 0 or not L.llama_memory_seq_rm(self._memory, -1, keep, -1):
            keep = 0  # a recurrent model cannot cut its state: start over
            L.llama_memory_seq_rm(self._memory, -1, 0, -1)
        del self._evaluated[keep:]
        return keep

    def _eval(self, tokens: Sequence[int]) -> None:
        """Decode ``tokens`` after the cached ones, ``n_batch`` at a time (logits for the last one only)."""
        L, b = self._lib, self._batch
        for i in range(0, len(tokens), self.n_batch):
            chunk = tokens[i:i + self.n_batch]
            n_past = len(self._evaluated)
            b.n_tokens = len(chunk)
            for j, token in enumerate(chunk):
                b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = token, n_past + j, 1, False
                b.seq_id[j][0] = 0
            b.logits[len(chunk) - 1] = True
            code = L.llama_decode(self.ctx, b)
            if code != 0:
                raise RuntimeError(_("llama.cpp could not decode the tokens (llama_decode returned {code})").format(
                    code=code))
            self._evaluated.extend(chunk)

    def generate(self, tokens: Sequence[int], *, temp: float = 0.8, top_k: int = 40, top_p: float = 0.95,
                 min_p: float = 0.05, repeat_penalty: float = 1.0, seed: int = 0) -> Iterator[int]:
        """Tokens after ``tokens``, one at a time, for as long as the caller iterates."""
        L = self._lib
        sampler = self._sampler(temp, top_k, top_p, min_p, repeat_penalty, seed)
        try:
            pending = list(tokens)
            pending = pending[self._keep_prefix(pending):]
            while True:
                self._eval(pending)
                token = int(L.llama_sampler_sample(sampler, self.ctx, -1))
                yield token
                pending = [token]
        finally:
            L.llama_sampler_free(sampler)

    def close(self) -> None:
        """Free the batch, the context and the model (the object is unusable afterwards)."""
        L = self._lib
        if self._batch is not None:
            L.llama_batch_free(self._batch)
            self._batch = None
        if self.ctx is not None:
            L.llama_free(self.ctx)
            self.ctx = None
        if self.model is not None:
            L.llama_model_free(self.model)
            self.model = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


__all__ = ["NativeLlama", "LlamaLoadError", "lib", "PENALTY_LAST_N"]
