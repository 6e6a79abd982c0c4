"""Transformers text models on a CPU, frugally: the precision the CPU computes natively, an optional int8
dynamic quantisation of the Linear layers (torch's own), and a model too large for the memory budget refused
before a byte of it is loaded, with the numbers.

* bfloat16 where the CPU has native bf16 instructions (``avx512_bf16`` or ``amx_bf16`` in /proc/cpuinfo): half
  the memory of float32 at about its speed. Elsewhere float32 (bf16 emulated is several times slower).
* ``Settings.text_int8``: ``torch.ao.quantization.quantize_dynamic`` of every ``nn.Linear`` to int8 weights
  (activations quantised on the fly). Measured in ``benchmarks/text_cpu.py``; answers differ slightly.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.progress import format_bytes

log = logging.getLogger(__name__)

BF16_FLAGS = ("avx512_bf16", "amx_bf16")
LOAD_OVERHEAD = 1.1
"""A load holds the weights plus transformers' and torch's working space (about a tenth more, measured)."""
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (from ``/proc/cpuinfo`` on Linux; empty elsewhere)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, _sep, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Does the CPU compute bfloat16 natively (AVX512-BF16 or AMX)?"""
    return bool(cpu_flags(cpuinfo) & set(BF16_FLAGS))


def text_dtype(device: str, cpuinfo: str | None = None) -> Any:
    """The dtype a transformers text model is loaded in on ``device``."""
    import torch

    from studio.engines.devices import default_dtype

    if device == "cpu":
        return torch.bfloat16 if cpu_has_bf16(cpuinfo) else torch.float32
    return default_dtype(device)


def precision_label(dtype: Any, int8: bool) -> str:
    """What the result says the model ran in: "float32", "bfloat16", "int8 dynamic"."""
    return "int8 dynamic" if int8 else str(dtype).replace("torch.", "")


def weights_in_memory(folder: Path, dtype_bytes: int) -> int:
    """Bytes the folder's safetensors weights take once loaded at ``dtype_bytes`` per float (integer tensors
    as stored); the files' size when a header cannot be read."""
    from studio.core.models.safetensors_header import SafetensorsError, read_header

    total = 0
    for f in sorted(Path(folder).glob("*.safetensors")):
        try:
            header = read_header(f, validate=False)
        except (OSError, SafetensorsError):
            total += f.stat().st_size if f.exists() else 0
            continue
        for t in header.tensors.values():
            floating = t.dtype in ("F64", "F32", "F16", "BF16")
            total += t.numel * (dtype_bytes if floating else DTYPE_BYTES.get(t.dtype, 4))
    return total


def check_fits(folder: Path, name: str, dtype: Any, budget_bytes: int) -> int:
    """The bytes ``folder`` needs loaded in ``dtype``; ModelError, before anything is loaded, when that is
    over ``budget_bytes`` (0: no budget)."""
    import torch

    need = int(weights_in_memory(folder, torch.empty((), dtype=dtype).element_size()) * LOAD_OVERHEAD)
    if budget_bytes and need > budget_bytes:
        raise ModelError(_("{name} needs about {need} of memory in {dtype}, more than the memory budget of "
                           "{budget}; it was not loaded. Raise the budget (Settings → General), close other "
                           "programs, or use a smaller or quantised (GGUF) model.").format(
            name=name, need=format_bytes(need), dtype=str(dtype).replace("torch.", ""),
            budget=format_bytes(budget_bytes)))
    return need


def quantize_int8(model: Any) -> Any:
    """``model`` with every ``nn.Linear`` swapped for torch's dynamic int8 Linear (CPU inference only)."""
    import torch

    with warnings.catch_warnings():  # torch marks torch.ao.quantization deprecated; it is its CPU int8 path
        warnings.simplefilter("ignore")
        if model.dtype != torch.float32:
            model = model.float()  # dynamic quantisation takes float32 Linear layers
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
    # What stayed float (embeddings, norms) may still be views of the weights file's memory map: copies let
    # the map go, so the float Linear weights' pages leave memory too (measured: RSS falls by their size).
    with torch.no_grad():
        for p in list(model.parameters()) + list(model.buffers()):
            p.data = p.data.clone()
    import gc

    gc.collect()
    return model
