"""Small real engines for testing the queue mechanics (routed to by tests/jobs/conftest.py::use_engines).

They follow the engine contract (``run(spec, reporter, cancel, ctx) -> JobResult``): report
progress, honour cancelling, write real PNG files atomically. Behaviour is chosen by the
spec's prompt so a test can queue a mix of jobs:

* ``count``: ``spec.steps`` steps of ``STEP_S`` seconds, writes one PNG.
* ``block``: runs until cancelled (for cancel and kill tests); touches ``<outputs>/running-<n>``.
* ``boom``: raises a RuntimeError on its second step.
* ``previews``: ``spec.steps`` steps of ``FAST_STEP_S``, each offering a preview; writes how many it
  sent to ``<outputs>/previews-<seed>.txt``.
* ``stream``: streams ``spec.steps`` text chunks (for text specs too) as fast as possible.
* ``raise-cancel``: stops through ``cancel.raise_if_cancelled()`` instead of returning.
* ``stubborn``: like ``block`` but ignores cancelling (a stuck load or decode): only ending its host stops it.
* ``garble-<how>``: the host sends the studio a frame that breaks the protocol (``GARBLED`` lists them).
"""
from __future__ import annotations

import json
import time

from studio.core.atomic import atomic_save
from studio.core.protocol.frames import PROTOCOL_VERSION, frame_prefix
from studio.core.progress import CancelToken, Reporter
from studio.core.results import ImageResult, JobResult, TextResult
from studio.core.specs.image import ImageSpec

STEP_S = 0.01
FAST_STEP_S = 0.004
PREVIEW_SIZE = (32, 32)


def _frame(header: dict | bytes, payload_len: int = 0) -> bytes:
    data = header if isinstance(header, bytes) else json.dumps(header).encode()
    return frame_prefix(len(data), payload_len) + data


GARBLED = {
    "malformed": _frame(b"{this is not json"),
    "oversized": frame_prefix(64, 0xFFFF_FFFF),
    "unknown": _frame({"type": "format_disk", "v": PROTOCOL_VERSION}),
    "stray": b"a stray line of text\n",
    "version": _frame({"type": "progress", "v": 99, "job": 1, "done": 1, "total": 2, "message": ""}),
}


def _png(path, color):
    from PIL import Image

    atomic_save(path, lambda fh: Image.new("RGB", (16, 16), color).save(fh, format="PNG"))


def stream(spec, reporter: Reporter, cancel: CancelToken, ctx) -> JobResult:
    """A text engine: streams ``max_new_tokens`` numbered chunks, returns their concatenation."""
    chunks = [f"t{i} " for i in range(spec.max_new_tokens)]
    for i, c in enumerate(chunks):
        if cancel.cancelled:
            return TextResult(text="".join(chunks[:i]), cancelled=True)
        reporter.text(c)
        reporter.progress(i + 1, len(chunks))
    return TextResult(text="".join(chunks), seed=spec.seed, model="test-llm")


def run(spec: ImageSpec, reporter: Reporter, cancel: CancelToken, ctx) -> JobResult:
    mode = spec.prompt.split()[0] if spec.prompt.split() else "count"
    if mode == "boom":
        reporter.progress(1, spec.steps)
        raise RuntimeError("the test engine exploded on purpose")
    if mode.startswith("garble-"):
        reporter.progress(1, spec.steps)
        reporter.channel.send_raw(GARBLED[mode.removeprefix("garble-")])  # the host's own stream
        time.sleep(60)  # the studio ends this host long before
    if mode == "stubborn":
        (ctx.paths.outputs / f"running-{spec.seed}").write_text("x")
        while True:  # never looks at `cancel`
            reporter.progress(1, spec.steps)
            time.sleep(STEP_S)
    if mode == "block":
        (ctx.paths.outputs / f"running-{spec.seed}").write_text("x")
        n = 0
        while not cancel.cancelled:
            n += 1
            reporter.progress(n % spec.steps, spec.steps)
            time.sleep(STEP_S)
        return ImageResult(cancelled=True)
    if mode == "wind-down":  # sees the cancel, then takes longer than the grace to save its work
        (ctx.paths.outputs / f"running-{spec.seed}").write_text("x")
        while not cancel.cancelled:
            reporter.progress(1, spec.steps)
            time.sleep(STEP_S)
        time.sleep(2.0)
        (ctx.paths.outputs / f"saved-{spec.seed}").write_text("checkpoint")
        return ImageResult(cancelled=True)
    if mode == "previews":
        from PIL import Image

        offered = 0
        for i in range(spec.steps):
            if reporter.wants_preview():
                offered += 1
                reporter.preview(Image.new("RGB", PREVIEW_SIZE, (i % 256, 0, 0)))
            reporter.progress(i + 1, spec.steps)
            time.sleep(FAST_STEP_S)
        (ctx.paths.outputs / f"previews-{spec.seed}.txt").write_text(str(offered))
        return ImageResult(seed=spec.seed)
    for i in range(spec.steps):
        if mode == "raise-cancel":
            cancel.raise_if_cancelled()
        elif cancel.cancelled:
            return ImageResult(cancelled=True)
        time.sleep(STEP_S)
        reporter.progress(i + 1, spec.steps)
    out = ctx.paths.outputs / f"job-seed{spec.seed}-{time.time_ns()}.png"
    _png(out, (spec.seed % 256, 10, 20))
    return ImageResult(outputs=(str(out),), seed=spec.seed, model=spec.model or "test-engine")
