"""Crafted PNG files for the hostile-input tests and the bad-input corpus (built chunk by chunk)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(chunks: list[tuple[bytes, bytes]], size: tuple[int, int] = (1, 1)) -> bytes:
    """A valid 8-bit greyscale PNG of ``size`` (its pixels zeros) with ``chunks`` before the image data."""
    w, h = size
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    raw = b"".join(comp.compress(b"\0" * (w + 1)) for _ in range(min(h, 16))) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + b"".join(_chunk(k, d) for k, d in chunks)
            + _chunk(b"IDAT", raw) + _chunk(b"IEND", b""))


def text(key: str, value: str) -> tuple[bytes, bytes]:
    return b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1", errors="replace")


def ztxt_bomb(key: str, megabytes: int) -> tuple[bytes, bytes]:
    """A zTXt chunk of a few KB that inflates to ``megabytes`` MB."""
    comp = zlib.compressobj(9)
    block = b"a" * (1 << 20)
    data = b"".join(comp.compress(block) for _ in range(megabytes)) + comp.flush()
    return b"zTXt", key.encode("latin-1") + b"\0\0" + data


def redos_parameters(n: int) -> str:
    """A1111 ``parameters`` text on which the old quadratic regex spent seconds (n characters)."""
    return "p\n" + ("a" * 8 + " ") * (n // 9)


def crafted(folder: Path, only: tuple[str, ...] = ()) -> dict[str, Path]:
    """Every crafted PNG (or those named in ``only``) by name, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "redos": lambda: png_bytes([text("parameters", redos_parameters(60_000))]),
        "huge-text": lambda: png_bytes([text("parameters", "x" * (1 << 20) + "y" * 1000)]),
        "ztxt-bomb": lambda: png_bytes([ztxt_bomb("parameters", 64)]),
        "deep-json": lambda: png_bytes([text("aigc_studio", "[" * 200_000 + "]" * 200_000)]),
        "nan-json": lambda: png_bytes([text("aigc_studio", '{"kind": "image", "prompt": "x", "guidance": NaN}')]),
        "wrong-types": lambda: png_bytes([text("aigc_studio", '{"kind": "image", "prompt": 5, "steps": "many"}')]),
        "bomb-image": lambda: png_bytes([], size=(60_000, 60_000)),
        "not-png": lambda: b"GIF89a" + b"\0" * 100,
        "truncated": lambda: png_bytes([text("parameters", "a cat\nSteps: 5, Seed: 1, Size: 64x64")])[:40],
        "huge-size": lambda: png_bytes([text("parameters", "a cat\nSteps: 5, Seed: 1, Size: 99992x99992")]),
        "nan-cfg": lambda: png_bytes([text("parameters", "a cat\nSteps: 5, CFG scale: nan, Seed: 1, Size: 64x64")]),
    }
    out = {}
    for name, make in makers.items():
        if not only or name in only:
            out[name] = folder / f"{name}.png"
            out[name].write_bytes(make())
    return out
