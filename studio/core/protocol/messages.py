"""The engine host protocol's messages, typed: one frozen dataclass per message type, both ways.

:func:`decode` turns a frame (its type and required fields already checked by ``read_frame``) into its
message, so neither the studio nor a host reads a message by key. Optional fields (``preview_box``,
``sent``, ``token``...) that are missing or of the wrong type read as ``None`` or their default: a newer
or older peer may leave them out. Senders build the same dataclasses: :class:`MessageWriter` sends one
(:func:`to_frame` makes its frame), so a misspelt or missing field fails where the message is made.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import BinaryIO, Mapping, Union

from studio.core.i18n import _
from studio.core.protocol.frames import Frame, FrameWriter, ProtocolError, read_frame
from studio.core.protocol.status import HostStatus

JsonObject = Mapping[str, object]


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _box(value: object) -> tuple[int, int] | None:
    """A ``preview_box`` [width, height] (0: no limit), or None when absent or unreadable."""
    if isinstance(value, list) and len(value) == 2 and all(type(v) is int and v >= 0 for v in value):
        return value[0], value[1]
    return None


# -- both directions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Hello:
    version: int
    pid: int = 0
    token: str | None = None
    """The client's token (remote engines); None when it sent none, or not a string."""
    settings: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class Bye:
    pass


@dataclass(frozen=True)
class Status:
    """Host -> client: the host's status. Client -> host (``status`` None): a request for one."""

    status: HostStatus | None = None


# -- client -> host ------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobMessage:
    """A message about one job (``job`` -1: the host itself, in :class:`Error`)."""

    job: int


@dataclass(frozen=True)
class RunJob(JobMessage):
    spec: JsonObject
    previews: bool
    preview_box: tuple[int, int]
    """The largest preview the client shows (width, height; 0: no limit)."""
    preview_interval: float | None = None
    files: tuple[object, ...] = ()
    """Remote engines: the inline input files' descriptions ({"field", "size"}), checked by the engine."""
    payload: bytes = b""


@dataclass(frozen=True)
class Cancel(JobMessage):
    pass


@dataclass(frozen=True)
class Consumed(JobMessage):
    preview_box: tuple[int, int] | None = None
    """The client's view size now (the next previews fit it); None: unchanged."""


@dataclass(frozen=True)
class Unload:
    pass


@dataclass(frozen=True)
class NewSettings:
    settings: JsonObject


# -- host -> client ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ready:
    device: str


@dataclass(frozen=True)
class Progress(JobMessage):
    done: int
    total: int
    message: str


@dataclass(frozen=True)
class Preview(JobMessage):
    width: int
    height: int
    payload: bytes
    """width * height * 3 bytes of RGB."""
    sent: float | None = None
    """When the host sent it (time.time()); None from hosts that do not say."""


@dataclass(frozen=True)
class Load(JobMessage):
    done: int
    total: int
    model: str


@dataclass(frozen=True)
class Text(JobMessage):
    chunk: str


@dataclass(frozen=True)
class Metrics(JobMessage):
    step: int
    values: Mapping[str, float]


@dataclass(frozen=True)
class Log(JobMessage):
    message: str


@dataclass(frozen=True)
class Result(JobMessage):
    result: JsonObject
    """The result's wire form (:func:`studio.core.protocol.frames.result_from_wire` reads it)."""


@dataclass(frozen=True)
class File(JobMessage):
    name: str
    payload: bytes


@dataclass(frozen=True)
class Stopping(JobMessage):
    pass


@dataclass(frozen=True)
class Cancelled(JobMessage):
    pass


@dataclass(frozen=True)
class Error(JobMessage):
    message: str
    traceback: str


Message = Union[Hello, Bye, Status, RunJob, Cancel, Consumed, Unload, NewSettings, Ready, Progress, Preview, Load,
                Text, Metrics, Log, Result, File, Stopping, Cancelled, Error]


WIRE_TYPES: dict[type, str] = {
    Hello: "hello", Bye: "bye", Status: "status", RunJob: "job", Cancel: "cancel", Consumed: "consumed",
    Unload: "unload", NewSettings: "settings", Ready: "ready", Progress: "progress", Preview: "preview", Load: "load",
    Text: "text", Metrics: "metrics", Log: "log", Result: "result", File: "file", Stopping: "stopping",
    Cancelled: "cancelled", Error: "error"}
"""Each message's type on the wire (:data:`studio.core.protocol.frames.MESSAGES`)."""


def decode(frame: Frame) -> Message:
    """The typed message of a checked frame (ProtocolError for a type this studio does not know)."""
    f, kind = frame.fields, frame.type
    job = _int(f.get("job"))
    if kind == "hello":
        token = f.get("token")
        return Hello(_int(f.get("version")), _int(f.get("pid")), token if isinstance(token, str) else None,
                     _object(f.get("settings")))
    if kind == "bye":
        return Bye()
    if kind == "status":
        status = f.get("status")
        return Status(HostStatus.from_dict(status) if isinstance(status, dict) else None)
    if kind == "job":
        files = f.get("files")
        preview_max = _int(f.get("preview_max"))
        return RunJob(job, _object(f.get("spec")), bool(f.get("previews")),
                      _box(f.get("preview_box")) or (preview_max, preview_max), _float(f.get("preview_interval")),
                      tuple(files) if isinstance(files, list) else (), frame.payload)
    if kind == "cancel":
        return Cancel(job)
    if kind == "consumed":
        return Consumed(job, _box(f.get("preview_box")))
    if kind == "unload":
        return Unload()
    if kind == "settings":
        return NewSettings(_object(f.get("settings")))
    if kind == "ready":
        return Ready(_str(f.get("device")))
    if kind == "progress":
        return Progress(job, _int(f.get("done")), _int(f.get("total")), _str(f.get("message")))
    if kind == "preview":
        return Preview(job, _int(f.get("width")), _int(f.get("height")), frame.payload, _float(f.get("sent")))
    if kind == "load":
        return Load(job, _int(f.get("done")), _int(f.get("total")), _str(f.get("model")))
    if kind == "text":
        return Text(job, _str(f.get("chunk")))
    if kind == "metrics":
        values = {str(k): float(v) for k, v in _object(f.get("values")).items() if _float(v) is not None}
        return Metrics(job, _int(f.get("step")), values)
    if kind == "log":
        return Log(job, _str(f.get("message")))
    if kind == "result":
        return Result(job, _object(f.get("result")))
    if kind == "file":
        return File(job, _str(f.get("name")), frame.payload)
    if kind == "stopping":
        return Stopping(job)
    if kind == "cancelled":
        return Cancelled(job)
    if kind == "error":
        return Error(job, _str(f.get("message")), _str(f.get("traceback")))
    raise ProtocolError(_("Unknown message type {type!r}.").format(type=kind))


def read_message(stream: BinaryIO, limit: int | None = None) -> Message | None:
    """The next message (:func:`~studio.core.protocol.frames.read_frame`, then :func:`decode`); None at the end."""
    frame = read_frame(stream, limit)
    return None if frame is None else decode(frame)


def _wire(value: object) -> object:
    """A message field as JSON: tuples as lists, a host status as its dict, mappings as dicts."""
    if isinstance(value, HostStatus):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_wire(v) for v in value]
    if isinstance(value, Mapping):
        return dict(value)
    return value


def to_frame(message: Message) -> Frame:
    """The frame of ``message`` (the inverse of :func:`decode`): its fields by name, ``payload`` as the frame's
    payload; an optional field left at its default is not sent (older peers never sent it either)."""
    fields: dict[str, object] = {}
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        if f.name == "payload":
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if has_default and value == default:
            continue
        fields[f.name] = _wire(value)
    if isinstance(message, RunJob):  # hosts without preview_box read the square one
        box = message.preview_box
        fields["preview_max"] = max(box) if all(box) else 0
    return Frame(WIRE_TYPES[type(message)], fields, getattr(message, "payload", b""))


class MessageWriter(FrameWriter):
    """Sends typed messages (safe to call from several threads)."""

    def send(self, message: Message) -> None:
        """Send one message (OSError when the peer is gone; ProtocolError for one a peer would refuse)."""
        self.write(to_frame(message))
