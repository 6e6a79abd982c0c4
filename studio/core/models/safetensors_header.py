"""Read a ``.safetensors`` header without loading tensors (pure Python, no torch).

Format: an 8-byte little-endian header length N, then N bytes of JSON mapping tensor names
to ``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets relative to the data that
follows the header) plus an optional ``__metadata__`` dict of strings. Everything is checked
against the file size so a truncated or corrupt file is reported, never trusted.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.i18n import _

# Bytes per element of each safetensors dtype.
DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8,
    "F4": 0.5, "F6_E2M3": 0.75, "F6_E3M2": 0.75,
}
MAX_HEADER_BYTES = 100 * 2**20  # the reference implementation refuses headers above 100 MB


class SafetensorsError(ValueError):
    """The file is not a valid safetensors file; the message says why in one sentence."""


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class SafetensorsHeader:
    tensors: dict[str, TensorInfo]
    metadata: dict[str, str] = field(default_factory=dict)
    header_size: int = 0
    file_size: int = 0

    def keys(self) -> list[str]:
        return list(self.tensors)

    def shape(self, key: str) -> tuple[int, ...] | None:
        t = self.tensors.get(key)
        return t.shape if t else None

    def parameter_count(self) -> int:
        return sum(t.numel for t in self.tensors.values())

    def dtypes(self) -> dict[str, int]:
        """Parameter count per dtype (the main one first)."""
        out: dict[str, int] = {}
        for t in self.tensors.values():
            out[t.dtype] = out.get(t.dtype, 0) + t.numel
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def main_dtype(self) -> str:
        d = self.dtypes()
        return next(iter(d)) if d else ""


def read_header(path: Path, validate: bool = True) -> SafetensorsHeader:
    """Parse and validate ``path``'s header. Raises SafetensorsError (bad file) or OSError (unreadable)."""
    path = Path(path)
    with path.open("rb") as fh:
        fh.seek(0, 2)
        file_size = fh.tell()
        fh.seek(0)
        if file_size < 8:
            raise SafetensorsError(_("file is too short to be safetensors ({file_size} bytes)").format(
                file_size=file_size))
        (n,) = struct.unpack("<Q", fh.read(8))
        if n > file_size - 8:
            raise SafetensorsError(_("header length {n} is beyond the end of the file ({file_size} bytes): "
                                     "truncated or not safetensors").format(n=n, file_size=file_size))
        if n > MAX_HEADER_BYTES:
            raise SafetensorsError(_("header length {n} is implausibly large").format(n=n))
        raw = fh.read(n)
    if len(raw) != n:
        raise SafetensorsError(_("the file changed while its header was read"))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SafetensorsError(_("header is not valid JSON ({error})").format(error=exc.__class__.__name__)) from None
    if not isinstance(data, dict):
        raise SafetensorsError(_("header is not a JSON object"))
    meta_raw = data.pop("__metadata__", None) or {}
    metadata = {str(k): str(v) for k, v in meta_raw.items()} if isinstance(meta_raw, dict) else {}
    data_size = file_size - 8 - n
    tensors: dict[str, TensorInfo] = {}
    for key, info in data.items():
        tensors[key] = _tensor_info(key, info, data_size, validate)
    if validate:
        _check_layout(tensors, data_size)
    return SafetensorsHeader(tensors=tensors, metadata=metadata, header_size=n, file_size=file_size)


def _tensor_info(key: str, info: Any, data_size: int, validate: bool) -> TensorInfo:
    try:
        dtype = str(info["dtype"])
        shape = tuple(int(s) for s in info["shape"])
        begin, end = (int(x) for x in info["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise SafetensorsError(_("tensor {key!r} has a malformed entry in the header").format(key=key)) from None
    t = TensorInfo(dtype, shape, begin, end)
    if not validate:
        return t
    if dtype not in DTYPE_SIZES:
        raise SafetensorsError(_("tensor {key!r} has an unknown dtype {dtype}").format(key=key, dtype=dtype))
    if any(s < 0 for s in shape):
        raise SafetensorsError(_("tensor {key!r} has a negative dimension").format(key=key))
    if not 0 <= begin <= end <= data_size:
        raise SafetensorsError(_("tensor {key!r} lies outside the file (offsets {begin}..{end}, data is {data_size} "
                                 "bytes): truncated file").format(key=key, begin=begin, end=end, data_size=data_size))
    if end - begin != math.ceil(t.numel * DTYPE_SIZES[dtype]):
        raise SafetensorsError(_("tensor {key!r} has {size} bytes but its shape needs {needed}").format(
            key=key, size=end - begin, needed=math.ceil(t.numel * DTYPE_SIZES[dtype])))
    return t


def _check_layout(tensors: dict[str, TensorInfo], data_size: int) -> None:
    """Tensors must not overlap (the reference loader also wants them contiguous)."""
    spans = sorted((t.begin, t.end, k) for k, t in tensors.items())
    pos = 0
    for begin, end, key in spans:
        if begin < pos:
            raise SafetensorsError(_("tensor {key!r} overlaps another tensor").format(key=key))
        pos = end
