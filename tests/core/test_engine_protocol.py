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
    w.send("progress", job=3, done=1, total=20, message="step 1")
    w.send("preview", bytes(range(12)), job=3, width=2, height=2)
    w.send("text", job=3, chunk="héllo ✓")
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
    w.send("hello", version=PROTOCOL_VERSION, token=7)  # a token that is not text reads as none
    w.send("progress", job=3, done=1, total=20, message="step 1")
    w.send("preview", bytes(range(12)), job=3, width=2, height=2)  # no "sent": an older host
    w.send("status", status=HostStatus(device="cpu", loaded=("tiny-sd",)).to_dict())
    w.send("error", job=-1, message="no engine", traceback="")
    w.send("job", job=4, spec={"kind": "image"}, previews=True, preview_max=256, preview_box=[640, 360])
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
