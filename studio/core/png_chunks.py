"""Reading a PNG's text chunks (tEXt, zTXt, iTXt) with hard limits, without decoding any pixels.

A PNG from elsewhere ("Open PNG…", "reuse parameters") is untrusted: a text chunk of many
megabytes, a zTXt that inflates to gigabytes (a zip bomb) or a 100-megapixel header must give
one clear line, quickly, not a frozen window. This walker reads chunk headers, skips image data
by seeking, inflates compressed text with a size cap, and stops at the first limit it meets.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

from studio.core.errors import SpecError
from studio.core.i18n import _

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 1 << 20
"""Largest text chunk read (raw or inflated): 1 MB, far above any real prompt and its parameters."""
MAX_TEXT_CHUNKS = 256
MAX_CHUNKS = 100_000
_TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")


def _too_large(name: str) -> SpecError:
    return SpecError(_("{name}: its text metadata is larger than {limit} MB; it was not read.").format(
        name=name, limit=MAX_TEXT_BYTES >> 20))


def _inflate(data: bytes, name: str) -> bytes:
    """zlib-inflate ``data`` to at most MAX_TEXT_BYTES (a bomb stops there, after ~1 MB of work)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise SpecError(_("{name}: a compressed text chunk is damaged ({reason}).").format(
            name=name, reason=exc)) from exc
    if len(out) > MAX_TEXT_BYTES:
        raise _too_large(name)
    return out


def _text_chunk(kind: bytes, data: bytes, name: str) -> tuple[str, str] | None:
    """(keyword, text) of one text chunk; None for a malformed chunk (skipped, as viewers do)."""
    key, sep, rest = data.partition(b"\0")
    if not sep or not 1 <= len(key) <= 79:
        return None
    keyword = key.decode("latin-1")
    if kind == b"tEXt":
        return keyword, rest.decode("latin-1")
    if kind == b"zTXt":
        if not rest or rest[0] != 0:
            return None
        return keyword, _inflate(rest[1:], name).decode("latin-1")
    # iTXt: compression flag, method, language\0, translated keyword\0, text (UTF-8)
    if len(rest) < 2:
        return None
    flag, method, rest = rest[0], rest[1], rest[2:]
    _lang, sep1, rest = rest.partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2) or (flag and method != 0):
        return None
    raw = _inflate(text, name) if flag else text
    return keyword, raw.decode("utf-8", errors="replace")


def read_text_chunks(path: Path) -> dict[str, str]:
    """Every text chunk of the PNG at ``path`` as {keyword: text} (the first of a repeated keyword wins).

    SpecError (one line) for a file that is not a PNG, is cut short inside a text chunk, or holds text
    beyond the limits above.
    """
    path = Path(path)
    name = path.name
    texts: dict[str, str] = {}
    try:
        with path.open("rb") as fh:
            if fh.read(8) != PNG_SIGNATURE:
                raise SpecError(_("Cannot read {name}: not a readable image (not a PNG).").format(name=name))
            size = path.stat().st_size
            seen = n_text = 0
            while seen < MAX_CHUNKS:
                head = fh.read(8)
                if len(head) < 8:
                    break  # a missing IEND: read what was there, as viewers do
                length, kind = struct.unpack(">I4s", head)
                seen += 1
                if kind == b"IEND":
                    break
                if kind not in _TEXT_TYPES:
                    fh.seek(length + 4, 1)  # data and CRC, unread (pixels are never decoded here)
                    if fh.tell() > size:
                        break
                    continue
                n_text += 1
                if length > MAX_TEXT_BYTES + 100 or n_text > MAX_TEXT_CHUNKS:
                    raise _too_large(name)
                data = fh.read(length)
                fh.read(4)  # CRC (a damaged CRC is tolerated: the text is only a suggestion)
                if len(data) < length:
                    break
                item = _text_chunk(kind, data, name)
                if item is not None:
                    texts.setdefault(*item)
    except OSError as exc:
        raise SpecError(_("Cannot read {name}: {reason}.").format(name=name, reason=exc.strerror or exc)) from exc
    return texts
