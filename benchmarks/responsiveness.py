#!/usr/bin/env python3
"""GUI responsiveness: the largest gap between 10 ms QTimer ticks on the GUI thread in every phase:
start-up, the engine host's torch start, an image model load, images generating with a preview
painted on the canvas at every step, a text model load (SmolLM2), a GAN training in its lane, a
hard cancel (the engine process ended and restarted) and a host crash (SIGKILL) and restart.
Goal: ≤ 50 ms in every phase. Also prints the preview latency from the host's step to the canvas, and
the start-up steps that held the GUI thread longest (goal: none over 16 ms of its CPU time; a step built
in parts counts each part), with the most GUI-thread CPU time between two ticks during start-up and
what ran then (steps, the model list reaching the panels, the vocabulary chips, or layout and paint).
``--timeline`` prints the start-up turn by turn: each step, each gap over 16 ms with the CPU time of the GUI
thread and of the whole process in it (a busy process: the GIL; an idle one: the OS), each GC collection.

The window, its start-up steps (``studio.app.launch``: first paint, model scan, job pool, the other
workspaces), the job pool and the canvas are the app's own; jobs are queued through the prompt editor. The model is a diffusers folder: ``--model`` (e.g. the
built-in ``studio-fashion``), or by default a random-weight SD-1.x pipeline of moderate size
built into a temporary folder (a benchmark fixture, never shown to users).

    .venv/bin/python benchmarks/responsiveness.py [--model NAME_OR_FOLDER] [--steps 20] [--size 128]
        [--startup-only] [--timeline]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def build_model(folder: Path) -> Path:
    """A random-weight SD-1.x pipeline, larger than the test one so loading takes a moment."""
    import subprocess

    # Built in a subprocess: this process must import torch only through the pool's worker.
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
            "from tests.fixtures.tiny_models import build_tiny_sd;"
            "build_tiny_sd(Path(sys.argv[1]), unet_channels=(128, 256))")
    subprocess.run([sys.executable, "-c", code, str(folder), str(ROOT)], check=True)
    return folder


def gaps_between(ticks: list[float], start: float, end: float) -> list[float]:
    inside = [t for t in ticks if start <= t <= end]
    points = [start] + inside + [end]
    return [b - a for a, b in zip(points, points[1:])]


def largest_gap_busy(ticks: list[tuple[float, float]], start: float, end: float) -> tuple[float, float]:
    """The largest gap between ticks in [start, end] and the GUI thread's CPU time inside it.

    On a loaded machine a gap can be the OS running other processes (the GUI thread idle, its CPU
    time small) rather than the GUI thread being busy or waiting for the GIL (CPU time ≈ the gap).
    """
    inside = [t for t in ticks if start <= t[0] <= end]
    best = (0.0, 0.0)
    for (a, ca), (b, cb) in zip(inside, inside[1:]):
        if b - a > best[0]:
            best = (b - a, cb - ca)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model name or diffusers folder (default: a moderate random SD pipeline)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--images", type=int, default=2, help="images generated after the model is loaded")
    ap.add_argument("--text-model", default="SmolLM2-135M-Instruct", help="text model for the text phase")
    ap.add_argument("--train-steps", type=int, default=200, help="steps of the GAN training phase")
    ap.add_argument("--startup-only", action="store_true", help="measure start-up and torch start only")
    ap.add_argument("--timeline", action="store_true", help="also print every start-up turn, every gap over "
                    "16 ms and every garbage collection during start-up and torch start, in time order")
    ap.add_argument("--diagnose", metavar="FILE", help="write every thread's stack to FILE whenever the GUI "
                    "thread is stalled > 150 ms (shows what holds the GIL)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="studio-resp-") as tmp:
        os.environ["AIGC_STUDIO_HOME"] = str(Path(tmp) / "home")
        model = args.model or ("" if args.startup_only else str(build_model(Path(tmp) / "sd-moderate")))
        return run(model, args)


def run(model: str, args: argparse.Namespace) -> int:
    import json
    import signal

    from PySide6.QtCore import Qt, QTimer

    from studio.app import launch, make_app
    from studio.cli.common import setup_logging
    from studio.core.paths import StudioPaths
    from studio.core.settings import load_settings
    from studio.core.specs.image import ImageSpec
    from studio.core.specs.text import TextSpec
    from studio.core.specs.training import TrainSpec
    from studio.jobs.worker import SENT_AT_KEY
    from studio.ui.event_wait import wait_until
    from studio.ui.main_window import MainWindow

    setup_logging()  # engine logs go to the studio's log file, as in the app
    paths = StudioPaths.from_env()
    # Grace 0: a cancel ends the engine process at once, so the hard-cancel phase measures that path.
    paths.settings_file.write_text(json.dumps({"cancel_grace_s": 0.0, "scan_hf_cache": False}))
    app = make_app([sys.argv[0]])
    ticks: list[float] = []
    cpu_ticks: list[tuple[float, float]] = []  # (wall, GUI thread CPU time) at each tick
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.timeout.connect(lambda: cpu_ticks.append((ticks[-1], time.thread_time())))
    process_cpu: dict[float, float] = {}  # (--timeline) the process's CPU time, all its threads, at each tick
    if args.timeline:
        timer.timeout.connect(lambda: process_cpu.__setitem__(ticks[-1], time.process_time()))
    steps: list[tuple[str, float, float, float]] = []  # (name, start, wall s, GUI-thread CPU s) of each turn
    collections: list[tuple[float, float, int, int]] = []  # (start, wall s, generation, objects collected)
    if args.timeline:
        import gc

        gc_start: list[float] = [0.0]

        def on_gc(phase: str, info: dict) -> None:
            if phase == "start":
                gc_start[0] = time.perf_counter()
            else:
                collections.append((gc_start[0], time.perf_counter() - gc_start[0], info["generation"],
                                    info["collected"]))

        gc.callbacks.append(on_gc)
    window = MainWindow(paths, load_settings(paths.settings_file), defer_workspaces=True)  # as the app does
    window.session.turns.trace = lambda name, start, wall, cpu: steps.append((name, start, wall, cpu))
    # Traced too (Turns.traced): a scan's model list reaching the panels, the vocabulary chips a few a turn.
    window.resize(1360, 860)
    timer.start()  # before show(): its first tick is due 10 ms on, whatever show() takes
    marks: dict[str, float] = {"startup_start": time.perf_counter()}  # from window.show()
    cpu_ticks.append((marks["startup_start"], time.thread_time()))
    startup = launch(window)
    startup.finished.connect(lambda: marks.setdefault("workspaces_built", time.perf_counter()))
    startup.pool_started.connect(lambda _pool: marks.setdefault("engine_start", time.perf_counter()))
    if args.diagnose:
        import faulthandler

        stalls = open(args.diagnose, "w")  # noqa: SIM115 (open for the whole run)
        # Re-armed on every tick: it fires only when the GUI thread misses ticks for 150 ms, and
        # it dumps without needing the GIL, so the stack shows who holds it.
        timer.timeout.connect(lambda: faulthandler.dump_traceback_later(0.15, file=stalls))
    previews: list[int] = []
    latencies: list[float] = []
    sent_at: dict[int, float] = {}

    def pump(seconds: float, until) -> None:
        wait_until(until, seconds, poll_ms=10)

    pump(30, lambda: startup.pool is not None)
    pool = startup.pool
    if pool is None:
        sys.exit("the job pool did not start")
    pool.engine_ready.connect(lambda _d: marks.setdefault("engine_ready", time.perf_counter()))
    pool.engine_failed.connect(lambda msg: sys.exit(f"engine failed: {msg}"))
    pool.job_preview.connect(lambda job_id, image: sent_at.__setitem__(job_id, float(image.text(SENT_AT_KEY) or 0)))

    def shown(job_id: int) -> None:
        previews.append(job_id)
        if sent_at.get(job_id):
            latencies.append(time.time() - sent_at[job_id])

    window.canvas.preview_shown.connect(shown)
    pump(120, lambda: "engine_ready" in marks and "workspaces_built" in marks)
    pump(1.0, lambda: False)  # let the model scan and the status settle
    if args.startup_only:
        timer.stop()
        if args.timeline:
            timeline(steps, cpu_ticks, process_cpu, collections, marks["startup_start"],
                     max(marks["workspaces_built"], marks["engine_ready"]))
        return report(args, model, marks, ticks, cpu_ticks, window, pool, steps=steps)

    ended: dict[int, str] = {}
    first_step: dict[int, float] = {}
    failures_expected: set[int] = set()
    pool.job_progress.connect(lambda job_id, done, _t, _e: done >= 1 and first_step.setdefault(job_id, time.perf_counter()))

    def on_ended(job_id: int, state: str) -> None:
        ended.setdefault(job_id, state)
        if state == "failed" and job_id not in failures_expected:
            sys.exit(f"job failed: {pool.job(job_id).error}")

    pool.job_ended.connect(on_ended)
    editor = window.prompt_editor
    editor.set_model(model)
    editor.steps_spin.setValue(args.steps)
    editor.width_spin.setValue(args.size)
    editor.height_spin.setValue(args.size)
    editor.prompt_edit.setPlainText("a red t-shirt, (studio photo:1.2)")
    editor.batch_spin.setValue(1)
    marks["load_start"] = time.perf_counter()
    editor.queue()
    first = window.queue_view.model.job_ids()[-1]
    pump(600, lambda: first in first_step)
    marks["load_end"] = first_step.get(first, time.perf_counter())
    pump(600, lambda: first in ended)
    pump(0.5, lambda: False)
    previews_first = len(previews)
    latencies.clear()
    editor.batch_spin.setValue(args.images)
    marks["gen_start"] = time.perf_counter()
    editor.queue()
    batch = window.queue_view.model.job_ids()[-args.images:]
    pump(1200, lambda: all(j in ended for j in batch))
    marks["gen_end"] = time.perf_counter()
    gen_latencies = list(latencies)

    def run_job(spec, start: str, end: str, timeout: float = 900) -> int:
        marks[start] = time.perf_counter()
        job = pool.submit(spec).job_id
        pump(timeout, lambda: job in ended)
        marks[end] = time.perf_counter()
        return job

    run_job(TextSpec(prompt="Hello! Who are you?", model=args.text_model, max_new_tokens=16, seed=1),
            "text_start", "text_end")
    run_job(TrainSpec(family="gan", data="digits", out="bench-gan", steps=args.train_steps, batch=16, size=16,
                      seed=1, sample_every=50, checkpoint_every=0,
                      params={"features": 16, "latent_dim": 32, "log_every": 1, "limit": 512}),
            "train_start", "train_end")

    long_spec = ImageSpec(prompt="a long one", model=model, steps=200, width=args.size, height=args.size, seed=3)
    short_spec = ImageSpec(prompt="a short one", model=model, steps=2, width=args.size, height=args.size, seed=4)
    outcomes: dict[str, str] = {}
    for phase in ("cancel", "crash"):
        job = pool.submit(long_spec).job_id
        failures_expected.add(job)
        pump(600, lambda: job in first_step)
        marks[f"{phase}_start"] = time.perf_counter()
        if phase == "cancel":
            pool.cancel(job)  # grace 0: the host is ended and a fresh one started
        else:
            os.kill(pool.lanes()["studio-worker-0"], signal.SIGKILL)
        pump(60, lambda: job in ended)
        after = pool.submit(short_spec).job_id
        pump(600, lambda: after in ended)
        marks[f"{phase}_end"] = time.perf_counter()
        outcomes[phase] = ended.get(job, "still running")
    pump(0.3, lambda: False)
    timer.stop()
    if args.timeline:
        timeline(steps, cpu_ticks, process_cpu, collections, marks["startup_start"],
                 max(marks["workspaces_built"], marks["engine_ready"]))
    return report(args, model, marks, ticks, cpu_ticks, window, pool, outcomes, previews, previews_first,
                  gen_latencies, steps)


def report(args: argparse.Namespace, model: str, marks: dict[str, float], ticks: list[float],
           cpu_ticks: list[tuple[float, float]], window, pool, outcomes: dict[str, str] | None = None,
           previews: list[int] | None = None, previews_first: int = 0, gen_latencies: list[float] | None = None,
           steps: list[tuple[str, float, float, float]] | None = None) -> int:
    """Print each phase's largest gap (and the GUI thread's own CPU time in it), the longest start-up steps;
    close the studio."""
    phases = [("start-up (first paint, scan, pool, workspaces)", "startup_start", "workspaces_built"),
              ("torch start (pool started → engine host ready)", "engine_start", "engine_ready"),
              ("image model load", "load_start", "load_end"),
              (f"generation ({args.images}×{args.steps} steps, {args.size}px, previews)", "gen_start", "gen_end"),
              (f"text model load + answer ({args.text_model})", "text_start", "text_end"),
              (f"training (GAN, {args.train_steps} steps, own lane)", "train_start", "train_end"),
              ("hard cancel (engine ended, restarted, next job)", "cancel_start", "cancel_end"),
              ("host crash (SIGKILL), restart, next job", "crash_start", "crash_end")]
    print(f"GUI timer gaps (10 ms ticks; goal: max <= 50 ms) — model {Path(model).name}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs:")
    for label, a, b in phases:
        if a not in marks or b not in marks:
            if not args.startup_only:
                print(f"  {label:52s} not reached")
            continue
        # A phase ends at the first tick after its end mark: a stall that ends it is counted in it.
        end = next((t for t in ticks if t >= marks[b]), marks[b])
        g = gaps_between(ticks, marks[a], end)
        p99 = sorted(g)[max(0, int(len(g) * 0.99) - 1)]
        gap, busy = largest_gap_busy(cpu_ticks, marks[a], end)
        inside = [t for t in cpu_ticks if marks[a] <= t[0] <= end]
        most_busy = max((cb - ca for (_a, ca), (_b, cb) in zip(inside, inside[1:])), default=0.0)
        print(f"  {label:52s} {end - marks[a]:6.2f} s  max gap {max(g) * 1000:5.1f} ms {verdict(max(g), 0.050)} "
              f"(GUI thread busy {busy * 1000:4.1f} ms of the largest; at most {most_busy * 1000:4.1f} ms "
              f"between two ticks)  p99 {p99 * 1000:5.1f} ms  median {statistics.median(g) * 1000:4.1f} ms")
    if steps is not None and "workspaces_built" in marks:
        report_steps(steps, cpu_ticks, marks["startup_start"], marks["workspaces_built"])
    if outcomes is not None and previews is not None:
        print(f"  the hard-cancelled job ended {outcomes.get('cancel')}, the killed one {outcomes.get('crash')}")
        print(f"  previews painted: {previews_first} while loading+first image, {len(previews) - previews_first} "
              f"for {args.images} images of {args.steps} steps")
    if gen_latencies:
        lat = sorted(gen_latencies)
        print(f"  preview latency host step -> canvas painted: median {statistics.median(lat) * 1000:.1f} ms, "
              f"max {lat[-1] * 1000:.1f} ms ({len(lat)} previews)")
    window.close()
    pool.shutdown(wait=True, timeout=30)
    return 0


def verdict(value: float, goal: float) -> str:
    return "OK  " if value <= goal else "OVER"


def report_steps(steps: list[tuple[str, float, float, float]], cpu_ticks: list[tuple[float, float]],
                 start: float, end: float) -> None:
    """The start-up steps with the most GUI-thread CPU time, and the most CPU time between two ticks (what a
    step costs with the layout, paint and signals that follow it in the same event-loop turn)."""
    goal = 0.016
    ranked = sorted(steps, key=lambda s: -s[3])
    print(f"Start-up steps on the GUI thread (goal: each <= {goal * 1000:.0f} ms of its CPU time; "
          f"{len(steps)} turns):")
    for name, _start, wall, cpu in ranked[:5]:
        print(f"  {name:52s} {cpu * 1000:5.1f} ms CPU {verdict(cpu, goal)} ({wall * 1000:5.1f} ms wall)")
    inside = [t for t in cpu_ticks if start <= t[0] <= end]
    pairs = list(zip(inside, inside[1:]))
    busiest = sorted(pairs, key=lambda p: p[0][1] - p[1][1])[:3]  # the most CPU between two ticks first
    for n, ((a, ca), (b, cb)) in enumerate(busiest):
        during = [name for name, t0, wall, _cpu in steps if t0 <= b and t0 + wall >= a]
        head = "most GUI-thread CPU between two ticks:" if n == 0 else "then:"
        what = ", ".join(during) + " (and the layout, paint, signals after)" if during else "layout, paint, signals"
        print(f"  {head:39s} {(cb - ca) * 1000:5.1f} ms {verdict(cb - ca, goal)} ({(b - a) * 1000:5.1f} ms wall) "
              f"during: {what}")


def timeline(steps: list[tuple[str, float, float, float]], cpu_ticks: list[tuple[float, float]],
             process_cpu: dict[float, float], collections: list[tuple[float, float, int, int]], start: float,
             end: float) -> None:
    """Every start-up turn, every gap over 16 ms between ticks and every garbage collection (but the short ones
    of generation 0), in time order, in ms from the window's show() until the start-up and the torch start end.
    A gap shows the GUI thread's CPU time in it and the whole process's (its other threads too): the GUI thread
    waited for the GIL when the process was busy meanwhile, for a CPU (the OS ran other processes) when not."""
    events: list[tuple[float, str]] = []
    for name, t0, wall, cpu in steps:
        events.append((t0, f"step {name:44s} {cpu * 1000:5.1f} ms CPU ({wall * 1000:5.1f} ms wall)"))
    inside = [t for t in cpu_ticks if start <= t[0] <= end]
    for (a, ca), (b, cb) in zip(inside, inside[1:]):
        if b - a > 0.016:
            whole = process_cpu.get(b, 0.0) - process_cpu.get(a, 0.0) if a in process_cpu else float("nan")
            events.append((a, f"GAP  {(b - a) * 1000:5.1f} ms wall, {(cb - ca) * 1000:5.1f} ms GUI-thread CPU, "
                              f"{whole * 1000:5.1f} ms process CPU"))
    for t0, wall, gen, collected in collections:
        if start <= t0 <= end and (gen or wall > 0.002):
            events.append((t0, f"gc   generation {gen}: {wall * 1000:5.1f} ms, {collected} collected"))
    print("Start-up timeline (ms from show()):")
    for t0, text in sorted(events):
        print(f"  {(t0 - start) * 1000:7.1f}  {text}")


if __name__ == "__main__":
    sys.exit(main())
