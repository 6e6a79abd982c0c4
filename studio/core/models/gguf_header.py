"""Read a GGUF file's metadata (architecture, name, license, context length) in pure Python.

Layout (little-endian): magic ``GGUF``, uint32 version, tensor count and key/value count
(uint64 from version 2, uint32 in version 1), then the key/value pairs. Only the key/value
section is read; big arrays (the tokenizer's vocabulary) are skipped and summarised by length.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from studio.core.i18n import _

GGUF_MAGIC = b"GGUF"
MAX_STRING = 16 * 2**20
MAX_KV = 1_000_000

# value type id -> struct format (scalars); 8 = string, 9 = array
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# GGML tensor types whose names tell the quantisation of a file (general.file_type values).
FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
              11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
              17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


class GGUFError(ValueError):
    """Not a readable GGUF file; the message says why."""


@dataclass(frozen=True)
class GGUFInfo:
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", ""))

    @property
    def license(self) -> str:
        return str(self.metadata.get("general.license", ""))

    @property
    def file_type(self) -> str:
        ft = self.metadata.get("general.file_type")
        return FILE_TYPES.get(ft, str(ft)) if ft is not None else ""

    @property
    def context_length(self) -> int | None:
        v = self.metadata.get(f"{self.architecture}.context_length")
        return int(v) if isinstance(v, int) else None


class _Reader:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.size = fh, size

    def read(self, n: int) -> bytes:
        b = self.fh.read(n)
        if len(b) != n:
            raise GGUFError(_("file ends inside the metadata: truncated"))
        return b

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def _string_length(self) -> int:
        """The length prefix of a metadata string, refused when the string would run past the file."""
        n = self.unpack("<Q")
        if n > MAX_STRING or self.fh.tell() + n > self.size:
            raise GGUFError(_("a metadata string is longer than the file"))
        return n

    def string(self) -> str:
        return self.read(self._string_length()).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.fh.seek(self._string_length(), 1)

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type = self.unpack("<I")
            count = self.unpack("<Q")
            if item_type in _SCALARS:
                nbytes = struct.calcsize(_SCALARS[item_type]) * count
                if self.fh.tell() + nbytes > self.size:
                    raise GGUFError(_("a metadata array is longer than the file"))
                if count <= 16:
                    return [self.value(item_type) for _ in range(count)]
                self.fh.seek(nbytes, 1)
                return f"<array of {count}>"
            if item_type == _STRING:
                if count <= 16:
                    return [self.string() for _ in range(count)]
                for _item in range(count):  # a vocabulary: skipped, not decoded (100 000 strings would stay in RSS)
                    self.skip_string()
                return f"<array of {count} strings>"
            if item_type == _ARRAY:
                return [self.value(_ARRAY) for _ in range(count)]
            raise GGUFError(_("unknown array item type {item_type}").format(item_type=item_type))
        raise GGUFError(_("unknown metadata value type {vtype}").format(vtype=vtype))


def read_gguf(path: Path) -> GGUFInfo:
    """The metadata of the GGUF file at ``path``. Raises GGUFError for a bad file, OSError if unreadable."""
    path = Path(path)
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(0)
        r = _Reader(fh, size)
        if size < 8 or r.read(4) != GGUF_MAGIC:
            raise GGUFError(_("not a GGUF file (bad magic)"))
        version = r.unpack("<I")
        if version not in (1, 2, 3):
            raise GGUFError(_("unsupported GGUF version {version}").format(version=version))
        count_fmt = "<I" if version == 1 else "<Q"
        n_tensors, n_kv = r.unpack(count_fmt), r.unpack(count_fmt)
        if n_kv > MAX_KV:
            raise GGUFError(_("implausible metadata count {n_kv}").format(n_kv=n_kv))
        meta: dict[str, Any] = {}
        for _index in range(n_kv):
            key = r.string()
            meta[key] = r.value(r.unpack("<I"))
    return GGUFInfo(version=version, tensor_count=n_tensors, metadata=meta)
