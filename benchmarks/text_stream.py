"""Text benchmark: streamed generation vs plain ``model.generate``, first-token latency, SmolLM2 load times,
and (``--gui``) the GUI's largest event-loop gap while a text model loads and streams.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/text_stream.py [--tokens 64] [--repeats 3] [--gui] [--json out.json]

Everything runs on the embedded SmolLM2-135M-Instruct, in a throw-away studio home (so the first
load really converts the GGUF). Streamed and plain runs are interleaved so that a busy machine
slows both alike; the medians are reported.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = "Once upon a time, in a quiet village by the sea, there lived an old fisherman who"


class _FirstText:
    """A reporter that notes when the first text chunk arrives."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.first: float | None = None
        self.chunks = 0

    def progress(self, done, total, message=""):
        pass

    def wants_preview(self):
        return False

    def preview(self, image):
        pass

    def text(self, chunk):
        if self.first is None:
            self.first = time.monotonic() - self.t0
        self.chunks += 1

    def metrics(self, step, values):
        pass

    def log(self, message):
        pass


def bench_engine(home: Path, tokens: int, repeats: int) -> dict:
    import torch

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.text import TextSpec
    from studio.engines.context import EngineContext
    from studio.engines.text.generate import run
    from studio.engines.text.loader import load_entry

    paths = StudioPaths(home)
    settings = Settings(scan_hf_cache=False, device="cpu")
    out: dict = {"torch_threads": torch.get_num_threads(), "tokens": tokens}

    ctx = EngineContext.create(paths, settings, device="cpu")
    entry = ctx.registry.resolve("", task="text")
    t = time.monotonic()
    load_entry(entry, ctx, NullReporter())
    out["load_from_gguf_s"] = round(time.monotonic() - t, 2)  # convert (de-quantize + save) + load the copy
    t = time.monotonic()
    lm = load_entry(entry, ctx, NullReporter())
    out["load_from_cached_copy_s"] = round(time.monotonic() - t, 2)

    ctx.cache.get_or_load(("text", entry.path, "cpu"), lambda: lm)
    spec = TextSpec(prompt=PROMPT, max_new_tokens=tokens, temperature=0.0, repetition_penalty=1.0)
    ids = lm.tokenizer(PROMPT, return_tensors="pt")
    run(spec.replace(max_new_tokens=4), NullReporter(), CancelToken(), ctx)  # warm-up

    streamed, end_to_end, plain, first = [], [], [], []
    for _ in range(repeats):
        rep = _FirstText()
        res = run(spec, rep, CancelToken(), ctx)
        total = time.monotonic() - rep.t0
        # Generation proper (thread start → stream closed), comparable to a plain generate() call ...
        streamed.append(res.new_tokens / res.seconds)
        # ... and the whole job as the user sees it (model lookup, chat template, tokenizing included).
        end_to_end.append(res.new_tokens / total)
        first.append(rep.first or float("nan"))
        t = time.monotonic()
        with torch.inference_mode():
            o = lm.model.generate(**ids, max_new_tokens=tokens, do_sample=False)
        plain.append((o.shape[1] - ids.input_ids.shape[1]) / (time.monotonic() - t))
    out["streamed_tokens_per_s"] = round(statistics.median(streamed), 2)
    out["job_end_to_end_tokens_per_s"] = round(statistics.median(end_to_end), 2)
    out["plain_generate_tokens_per_s"] = round(statistics.median(plain), 2)
    out["ratio_streamed_over_plain"] = round(out["streamed_tokens_per_s"] / out["plain_generate_tokens_per_s"], 3)
    out["first_token_latency_s"] = round(statistics.median(first), 3)
    out["runs"] = {"streamed": [round(x, 2) for x in streamed], "plain": [round(x, 2) for x in plain]}
    return out


def bench_gui(home: Path, tokens: int) -> dict:
    """Largest gap between 5 ms timer ticks on the GUI thread while SmolLM2 loads and streams into the chat."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.jobs.pool import WorkerPool
    from studio.ui.text_workspace import TextWorkspace

    app = QApplication.instance() or QApplication([])
    paths = StudioPaths(home)
    pool = WorkerPool(paths, Settings(scan_hf_cache=False, device="cpu"))
    ws = TextWorkspace(pool, paths, models=[])
    ws.controls.max_new_tokens.setValue(tokens)
    ws.controls.temperature.setValue(0.0)
    ws.resize(1100, 700)
    ws.show()
    gaps: dict[str, float] = {"engine_start": 0.0, "loading": 0.0, "streaming": 0.0}
    worst: dict[str, float] = {}
    last = [time.monotonic()]
    sent: list[float] = []

    def tick() -> None:
        now = time.monotonic()
        phase = ("streaming" if ws._first_text_at is not None else "loading") if sent else "engine_start"
        if now - last[0] > gaps[phase]:
            gaps[phase] = now - last[0]
            worst[phase] = last[0] - t_start
        last[0] = now

    def send() -> None:
        sent.append(time.monotonic())
        ws.send()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    done: list[float] = []
    ws.answer_finished.connect(lambda *_: (done.append(time.monotonic()), app.quit()))
    pool.job_ended.connect(lambda _id, state: state == "failed" and (print("failed:", pool.job(_id).error), app.quit()))
    t_start = time.monotonic()
    ws.chat_input.setPlainText("Tell me a story about a fisherman.")
    # Send once the engine is up (torch imported in the worker), so loading the model is measured alone.
    pool.engine_ready.connect(lambda _dev: QTimer.singleShot(200, send))
    pool.start()
    t0 = time.monotonic()
    QTimer.singleShot(600_000, app.quit)
    app.exec()
    timer.stop()
    pool.shutdown(wait=True, timeout=30)
    print("worst gaps at (s after start):", {k: round(v, 2) for k, v in worst.items()}, file=sys.stderr)
    return {"gui_max_gap_engine_start_ms": round(gaps["engine_start"] * 1000, 1),
            "gui_max_gap_loading_ms": round(gaps["loading"] * 1000, 1),
            "gui_max_gap_streaming_ms": round(gaps["streaming"] * 1000, 1),
            "gui_job_seconds": round((done[0] if done else time.monotonic()) - t0, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gui", action="store_true", help="also measure GUI responsiveness (converts again)")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="text-bench-") as tmp:
        os.environ["AIGC_STUDIO_HOME"] = tmp
        figures = bench_engine(Path(tmp) / "engine", args.tokens, args.repeats)
        if args.gui:
            figures.update(bench_gui(Path(tmp) / "gui", args.tokens))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
