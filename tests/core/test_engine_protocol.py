"""The engine host protocol: frames round-trip; anything malformed is one clear ProtocolError."""
from __future__ import annotations

import io
import json

import pytest

from studio.core.protocol.frames import (
    MAX_PAYLOAD_BYTES,
    MESSAGES,
    PROTOCOL_VERSION,
    Frame,
    FrameWriter,
    ProtocolError,
    encode,
    frame_prefix,
    read_frame,
    result_from_wire,
    result_to_wire,
)
from studio.core.results import ImageResult


def _raw(header: dict | bytes, payload: bytes = b"") -> io.BytesIO:
    data = header if isinstance(header, bytes) else json.dumps(header).encode()
    return io.BytesIO(frame_prefix(len(data), len(payload)) + data + payload)


def test_frames_round_trip_with_raw_payloads_and_end_cleanly():
    buf = io.BytesIO()
    w = FrameWriter(buf)
    w.write(Frame("progress", {"job": 3, "done": 1, "total": 20, "message": "step 1"}))
    w.write(Frame("preview", {"job": 3, "width": 2, "height": 2}, bytes(range(12))))
    w.write(Frame("text", {"job": 3, "chunk": "héllo ✓"}))
    buf.seek(0)
    a, b, c = read_frame(buf), read_frame(buf), read_frame(buf)
    assert a == Frame("progress", {"job": 3, "done": 1, "total": 20, "message": "step 1"})
    assert b.type == "preview" and b.payload == bytes(range(12)) and (b.fields["width"], b.fields["height"]) == (2, 2)
    assert c.fields["chunk"] == "héllo ✓"
    assert read_frame(buf) is None  # the peer closed between frames


@pytest.mark.parametrize("stream, message", [
    (_raw(b"{not json"), "malformed"),
    (_raw(b"[1, 2]"), "not a JSON object"),
    (_raw({"type": "progress", "v": 99, "job": 1, "done": 0, "total": 1, "message": ""}), "version mismatch"),
    (_raw({"type": "launch_missiles", "v": PROTOCOL_VERSION}), "Unknown message type 'launch_missiles'"),
    (_raw({"type": "progress", "v": PROTOCOL_VERSION, "job": "1", "done": 0, "total": 1, "message": ""}),
     "no valid 'job' field"),
    (_raw({"type": "preview", "v": PROTOCOL_VERSION, "job": 1, "width": 4, "height": 4}, b"\0" * 5),
     "do not match its size"),
    (io.BytesIO(frame_prefix(10, MAX_PAYLOAD_BYTES + 1)), "oversized"),
    (io.BytesIO(frame_prefix(50, 0) + b'{"type"'), "ended in the middle"),
    (io.BytesIO(b"hi!\n" + frame_prefix(2, 0) + b"{}"), "not a studio message"),  # a stray print before a frame
])
def test_bad_frames_are_protocol_errors(stream, message):
    with pytest.raises(ProtocolError, match=message):
        read_frame(stream)


def test_a_sender_cannot_build_a_frame_the_peer_would_refuse():
    with pytest.raises(ProtocolError, match="Unknown message type"):
        encode(Frame("shell", {"cmd": "rm -rf /"}))
    with pytest.raises(ProtocolError, match="no valid 'done' field"):
        encode(Frame("progress", {"job": 1, "done": True, "total": 2, "message": ""}))  # a bool is no count


def test_results_travel_as_json_only():
    r = ImageResult(outputs=("/out/a.png",), text="hi", seed=5, width=64, height=64, warnings=("w",))
    back = result_from_wire(json.loads(json.dumps(result_to_wire(r))))
    assert back == r  # typed, field for field
    with pytest.raises(ProtocolError, match="wrong shape"):
        result_from_wire({"kind": "image", "seed": "5"})
    with pytest.raises(ProtocolError, match="wrong shape"):
        result_from_wire({"outputs": "/etc/passwd"})


def test_frames_decode_to_typed_messages():
    from studio.core.protocol.messages import (WIRE_TYPES, Error, Hello, Preview, Progress, RunJob, Status, decode,
                                               read_message)
    from studio.core.protocol.status import HostStatus

    buf = io.BytesIO()
    w = FrameWriter(buf)
    w.write(Frame("hello", {"version": PROTOCOL_VERSION, "token": 7}))  # a token that is not text reads as none
    w.write(Frame("progress", {"job": 3, "done": 1, "total": 20, "message": "step 1"}))
    w.write(Frame("preview", {"job": 3, "width": 2, "height": 2}, bytes(range(12))))  # no "sent": an older host
    w.write(Frame("status", {"status": HostStatus(device="cpu", loaded=("tiny-sd",)).to_dict()}))
    w.write(Frame("error", {"job": -1, "message": "no engine", "traceback": ""}))
    w.write(Frame("job", {"job": 4, "spec": {"kind": "image"}, "previews": True, "preview_max": 256,
                          "preview_box": [640, 360]}))
    buf.seek(0)
    got = [read_message(buf) for _ in range(6)]
    assert got[0] == Hello(PROTOCOL_VERSION, token=None)
    assert got[1] == Progress(3, 1, 20, "step 1")
    assert got[2] == Preview(3, 2, 2, bytes(range(12)), sent=None)
    assert got[3] == Status(HostStatus(device="cpu", loaded=("tiny-sd",)))
    assert got[4] == Error(-1, "no engine", "")
    assert isinstance(got[5], RunJob) and got[5].preview_box == (640, 360) and got[5].spec == {"kind": "image"}
    assert read_message(buf) is None
    assert decode(Frame("status", {})) == Status(None)  # the client's request for a status
    assert set(WIRE_TYPES.values()) == set(MESSAGES)  # every wire type has its message


def test_senders_send_the_typed_messages_receivers_decode():
    """One dataclass per message type, both ways: what a sender builds is what the peer decodes, field for
    field, and the frames carry the wire format peers of this protocol version read (optional fields only
    when said, preview_max beside preview_box for older hosts)."""
    from studio.core.protocol.messages import (WIRE_TYPES, Bye, Cancel, Cancelled, Consumed, Error, File, Hello, Load,
                                               Log, MessageWriter, Metrics, NewSettings, Preview, Progress, Ready,
                                               Result, RunJob, Status, Stopping, Text, Unload, read_message, to_frame)
    from studio.core.protocol.status import HostStatus

    sent = [Hello(PROTOCOL_VERSION, pid=42), Hello(PROTOCOL_VERSION, token="t0k", settings={"device": "cpu"}), Bye(),
            Status(), Status(HostStatus(device="cpu", loaded=("tiny-sd",))),
            RunJob(4, {"kind": "image"}, True, (640, 360), 0.05, ({"field": "init_image", "size": 3},), b"abc"),
            Cancel(4), Consumed(4), Consumed(4, (320, 200)), Unload(), NewSettings({"theme": "dark"}), Ready("cpu"),
            Progress(4, 1, 20, "step 1"), Preview(4, 2, 2, bytes(range(12)), sent=1.5), Load(4, 10, 100, "tiny"),
            Text(4, "héllo ✓"), Metrics(4, 3, {"loss": 0.5}), Log(4, "a line"), Result(4, {"kind": "image"}),
            File(4, "a.png", b"png"), Stopping(4), Cancelled(4), Error(-1, "no engine", "")]
    assert {WIRE_TYPES[type(m)] for m in sent} == set(MESSAGES)  # every message type is sent here
    buf = io.BytesIO()
    w = MessageWriter(buf)
    for message in sent:
        w.send(message)
    buf.seek(0)
    assert [read_message(buf) for _ in sent] == sent and read_message(buf) is None
    assert to_frame(Hello(PROTOCOL_VERSION, pid=42)).fields == {"version": PROTOCOL_VERSION, "pid": 42}
    assert to_frame(Status()).fields == {} and to_frame(Consumed(4)).fields == {"job": 4}
    assert to_frame(RunJob(4, {}, False, (640, 360), 0.05)).fields == {
        "job": 4, "spec": {}, "previews": False, "preview_box": [640, 360], "preview_interval": 0.05,
        "preview_max": 640}
    assert to_frame(RunJob(4, {}, False, (0, 360))).fields["preview_max"] == 0  # 0: no limit
    with pytest.raises(TypeError):
        Progress(4, done=1, total=20, mesage="step 1")  # a misspelt field fails where the message is made
    with pytest.raises(ProtocolError, match="no valid 'done' field"):
        w.send(Progress(4, True, 2, ""))  # a bool is no count: refused before it leaves
