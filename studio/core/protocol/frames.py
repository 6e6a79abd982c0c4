"""The engine host protocol: typed, versioned, length-prefixed frames (no pickle).

The studio (client) and an engine host exchange frames over any pair of binary streams: the
child's stdin/stdout pipes, or a socket's ``makefile("rwb")``. One frame is::

    4 bytes  MAGIC ("AIGC": anything else, e.g. a stray print on the pipe, is refused at once)
    4 bytes  header length H (big endian)
    4 bytes  payload length P (big endian)
    H bytes  UTF-8 JSON object: {"type": ..., "v": PROTOCOL_VERSION, ...fields}
    P bytes  raw payload (preview pixels); empty for most messages

Every frame is checked on arrival: sizes within the limits, a JSON object, this protocol version,
a known type, and the type's fields of the right JSON types. Anything else is a ProtocolError,
after which the stream cannot be trusted: the client ends that host and starts a fresh one.
"""
from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass, field
from typing import BinaryIO, Mapping

from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.results import JobResult, result_from_dict, result_to_dict

PROTOCOL_VERSION = 3
"""2: frames start with MAGIC. 3: "load" events (bytes of a model read)."""
MAGIC = b"AIGC"
MAX_HEADER_BYTES = 1 << 20
MAX_PAYLOAD_BYTES = 256 << 20
PRE_AUTH_MAX_BYTES = 64 << 10
"""The largest frame a remote engine reads before the client's token has been checked."""
_PREFIX = struct.Struct(">4sII")


def frame_prefix(header_len: int, payload_len: int) -> bytes:
    """What starts a frame whose JSON header is ``header_len`` bytes and payload ``payload_len`` bytes."""
    return _PREFIX.pack(MAGIC, header_len, payload_len)

_NUM = (int, float)
# Message type -> required fields and their JSON types. Extra fields are allowed (newer peers).
MESSAGES: dict[str, dict[str, type | tuple[type, ...]]] = {
    # both directions
    "hello": {"version": int},
    "bye": {},
    # client -> host
    # Optional: "preview_box" [width, height], the largest preview the client shows (its canvas in pixels);
    # "preview_max" is the same for a square box (what hosts without preview_box read).
    "job": {"job": int, "spec": dict, "previews": bool, "preview_max": int},
    "cancel": {"job": int},
    "consumed": {"job": int},  # the client showed the last preview: the host may send another (optional
    # "preview_box": the client's view size now, for the job's next previews)
    "unload": {},
    "settings": {"settings": dict},  # saved settings, applied by the host between jobs
    "status": {},  # host -> client too: {"status": HostStatus.to_dict()} (studio.core.protocol.status)
    # host -> client
    "ready": {"device": str},
    "progress": {"job": int, "done": int, "total": int, "message": str},
    "preview": {"job": int, "width": int, "height": int},  # payload: width*height*3 bytes of RGB
    "load": {"job": int, "done": int, "total": int, "model": str},  # bytes of a model's weights read (total 0: unknown)
    "text": {"job": int, "chunk": str},
    "metrics": {"job": int, "step": int, "values": dict},
    "log": {"job": int, "message": str},
    "result": {"job": int, "result": dict},
    "file": {"job": int, "name": str},  # remote engines: an output file (payload) before the job's result
    "stopping": {"job": int},  # the job saw its cancel and is winding down (e.g. saving a checkpoint)
    "cancelled": {"job": int},
    "error": {"job": int, "message": str, "traceback": str},  # job -1: the host itself failed
}


class ProtocolError(StudioError):
    """A frame that breaks the protocol (size, encoding, version, type or fields)."""


@dataclass(frozen=True)
class Frame:
    """One message: its type, its JSON fields and its raw payload."""

    type: str
    fields: Mapping[str, object] = field(default_factory=dict)
    """The JSON fields; read them typed through :func:`studio.core.protocol.messages.decode`."""
    payload: bytes = b""


def encode(frame: Frame) -> bytes:
    """The bytes of ``frame`` on the wire (raises ProtocolError for what a peer would refuse)."""
    check(frame.type, frame.fields)
    header = json.dumps({**frame.fields, "type": frame.type, "v": PROTOCOL_VERSION},
                        ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    if len(header) > MAX_HEADER_BYTES or len(frame.payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError(_("A {type} message is too large to send.").format(type=frame.type))
    return frame_prefix(len(header), len(frame.payload)) + header + bytes(frame.payload)


def check(kind: str, fields: Mapping[str, object]) -> None:
    """Raise ProtocolError unless ``kind`` is a known type whose required fields have the right types."""
    schema = MESSAGES.get(kind)
    if schema is None:
        raise ProtocolError(_("Unknown message type {type!r}.").format(type=kind))
    for name, types in schema.items():
        value = fields.get(name)
        ok = isinstance(value, types) and not (types is int and isinstance(value, bool))
        if not ok:
            raise ProtocolError(_("A {type} message has no valid {field!r} field.").format(type=kind, field=name))


def _read_exactly(stream: BinaryIO, n: int) -> bytes | None:
    """``n`` bytes, or None at a clean end of stream before the first byte."""
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            if got == 0:
                return None
            raise ProtocolError(_("The stream ended in the middle of a message."))
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, limit: int | None = None) -> Frame | None:
    """The next frame, or None when the peer closed the stream between frames.

    ``limit``: the most bytes (header and payload) this frame may announce; a larger one is refused at its
    prefix, before anything of it is read (a remote engine before authentication).
    """
    prefix = _read_exactly(stream, _PREFIX.size)
    if prefix is None:
        return None
    magic, header_len, payload_len = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError(_("The engine wrote something that is not a studio message ({start!r}): an older "
                              "studio, another program, or a stray print.").format(start=prefix[:16]))
    if header_len > MAX_HEADER_BYTES or payload_len > MAX_PAYLOAD_BYTES or (
            limit is not None and header_len + payload_len > limit):
        raise ProtocolError(_("An oversized message ({size} bytes) was refused.").format(
            size=header_len + payload_len))
    raw = _read_exactly(stream, header_len) or b""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(_("A malformed message was refused ({reason}).").format(reason=exc)) from None
    except RecursionError:
        raise ProtocolError(_("A malformed message was refused (nested too deeply).")) from None
    if not isinstance(header, dict):
        raise ProtocolError(_("A malformed message was refused (not a JSON object)."))
    payload = (_read_exactly(stream, payload_len) or b"") if payload_len else b""
    version = header.pop("v", None)
    kind = header.pop("type", None)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(_("Protocol version mismatch: expected {expected}, got {got}.").format(
            expected=PROTOCOL_VERSION, got=version))
    if not isinstance(kind, str):
        raise ProtocolError(_("A malformed message was refused (no type)."))
    check(kind, header)
    if kind == "preview" and len(payload) != header["width"] * header["height"] * 3:
        raise ProtocolError(_("A preview's pixels do not match its size."))
    return Frame(kind, header, payload)


class FrameWriter:
    """Writes whole frames to a stream; safe to call from several threads."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, frame: Frame) -> None:
        """Send one frame (OSError when the peer is gone). Messages are sent typed, through
        :class:`studio.core.protocol.messages.MessageWriter`."""
        data = encode(frame)
        with self._lock:
            self._stream.write(data)
            self._stream.flush()

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are (tests of a peer's error handling)."""
        with self._lock:
            self._stream.write(data)
            self._stream.flush()

    def close(self) -> None:
        with self._lock:
            try:
                self._stream.close()
            except OSError:
                pass


def result_to_wire(result: JobResult) -> dict[str, object]:
    """A JSON object for ``result``: its typed fields and its kind (:func:`studio.core.results.result_to_dict`)."""
    return result_to_dict(result)


def result_from_wire(data: Mapping[str, object]) -> JobResult:
    """Inverse of :func:`result_to_wire`; ProtocolError for a result of the wrong shape or field types."""
    kind = data.get("kind", "") if isinstance(data, Mapping) else ""
    try:
        return result_from_dict(kind if isinstance(kind, str) else "", data)
    except (ValueError, TypeError) as exc:
        raise ProtocolError(_("A job result of the wrong shape was refused ({reason}).").format(reason=exc)) from None
