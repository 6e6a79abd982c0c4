#!/usr/bin/env python3
"""The cost of the engine host: the same image job in-process (engine called directly) and through a
host process (spec out, messages and result back over the protocol). Goal: ratio ≤ 1.03.

Both run in turns after a warm-up that loads the model on each side, with the same seed, previews
off on both (equal work). The model is ``--model`` or a random-weight SD-1.x pipeline of moderate
size built into a temporary folder (as benchmarks/responsiveness.py does).

    .venv/bin/python benchmarks/engine_host.py [--model NAME_OR_FOLDER] [--steps 20] [--size 128] [--runs 3]
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
os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model name or diffusers folder (default: a moderate random SD pipeline)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="studio-host-bench-") as tmp:
        os.environ["AIGC_STUDIO_HOME"] = str(Path(tmp) / "home")
        from benchmarks.responsiveness import build_model

        model = args.model or str(build_model(Path(tmp) / "sd-moderate"))
        return run(model, args)


def run(model: str, args: argparse.Namespace) -> int:
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec
    from studio.jobs.host_client import HostClient

    paths, settings = StudioPaths.from_env(), Settings(device=args.device, scan_hf_cache=False)
    spec = ImageSpec(prompt="a red t-shirt, studio photo", model=model, steps=args.steps, width=args.size,
                     height=args.size, seed=7)
    ctx = EngineContext.create(paths, settings)
    host = HostClient(paths, settings, name="bench")
    t0 = time.perf_counter()
    host.ensure_started()
    started = time.perf_counter() - t0

    import psutil

    me, child = psutil.Process(), psutil.Process(host.pid)
    cpu: dict[str, list[float]] = {"local": [], "host": []}

    def cpu_s(*procs: psutil.Process) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in procs)

    def in_process() -> float:
        t, c = time.perf_counter(), cpu_s(me)
        run_spec(spec, NullReporter(), CancelToken(), ctx)
        cpu["local"].append(cpu_s(me) - c)
        return time.perf_counter() - t

    def through_host(job_id: int) -> float:
        t, c = time.perf_counter(), cpu_s(me, child)  # both sides: the client's reading counts too
        end = host.run_job(job_id, spec, NullReporter(), CancelToken())
        if end.state != "done":
            sys.exit(f"the host job ended {end.state}: {end.message}")
        cpu["host"].append(cpu_s(me, child) - c)
        return time.perf_counter() - t

    try:
        in_process(), through_host(0)  # warm-up: both sides load the model
        local, hosted = [], []
        for i in range(args.runs):
            local.append(in_process())
            hosted.append(through_host(i + 1))
    finally:
        host.close()
    a, b = statistics.median(local), statistics.median(hosted)
    print(f"Same image job ({args.steps} steps, {args.size}px, device {ctx.device}, model {Path(model).name}), "
          f"median of {args.runs}:")
    print(f"  in-process (engine called directly)  {a:7.3f} s   runs {', '.join(f'{x:.3f}' for x in local)}")
    print(f"  through an engine host               {b:7.3f} s   runs {', '.join(f'{x:.3f}' for x in hosted)}")
    print(f"  ratio host / in-process (wall)       {b / a:7.3f}   (goal <= 1.03)")
    ca, cb = statistics.median(cpu["local"][1:]), statistics.median(cpu["host"][1:])
    print(f"  ratio host / in-process (CPU time)   {cb / ca:7.3f}   ({cb:.2f} s vs {ca:.2f} s, both processes "
          f"counted; robust to other load)")
    print(f"  host start (spawn, hello, torch import, ready) {started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
