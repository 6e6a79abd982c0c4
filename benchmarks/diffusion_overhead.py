"""Studio image engine vs a plain diffusers call on the same pipeline and parameters.

Builds a small random-weight SD-1.x pipeline from config (UNet 64/128 channels, real CLIP
tokenizer), then alternates plain ``pipe(...)`` calls and ``studio.engines.diffusion.generate.run``
(with a preview on every step, PNG + metadata written) and prints the median time ratio
(goal ≤ 1.03) and the cost of one latent→RGB preview. Figures are printed, not asserted.

    .venv/bin/python benchmarks/diffusion_overhead.py [--repeats 7] [--steps 20] [--size 256]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--scheduler", default="euler_a")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aigc-bench-"))
    try:
        return _bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path) -> int:
    os.environ["AIGC_STUDIO_HOME"] = str(tmp / "home")
    import torch

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.engines.diffusion.generate import run
    from studio.engines.diffusion.loader import load_pipeline, resolve
    from studio.engines.diffusion.previews import Previewer
    from studio.engines.pipelines.schedulers import make_scheduler
    from tests.fixtures.tiny_models import build_tiny_sd

    class PreviewEveryStep(NullReporter):
        """What the GUI does: always ready for the next preview."""

        def __init__(self) -> None:
            super().__init__()
            self.previews = 0

        def wants_preview(self) -> bool:
            return True

        def preview(self, image) -> None:
            self.previews += 1

    model = build_tiny_sd(tmp / "small-sd", unet_channels=(64, 128))
    ctx = EngineContext.create(StudioPaths(tmp / "home"), Settings(preview_every=1), device="cpu")
    spec = ImageSpec(prompt="a photo of a cat sitting on a red chair", negative_prompt="blurry",
                     model=str(model), seed=1, steps=args.steps, width=args.size, height=args.size,
                     guidance=7.0, scheduler=args.scheduler)
    pipe, facts = load_pipeline(ctx, resolve(ctx, str(model)))
    base_config = facts["scheduler_config"]

    cpu_t: dict[str, list[float]] = {"plain": [], "studio": []}

    def plain() -> float:
        pipe.scheduler = make_scheduler(spec.scheduler, base_config)
        t, c = time.perf_counter(), time.process_time()
        with torch.inference_mode():
            pipe(spec.prompt, negative_prompt=spec.negative_prompt, num_inference_steps=spec.steps,
                 guidance_scale=spec.guidance, width=spec.width, height=spec.height,
                 generator=torch.Generator("cpu").manual_seed(spec.seed))
        cpu_t["plain"].append(time.process_time() - c)
        return time.perf_counter() - t

    def studio() -> float:
        rep = PreviewEveryStep()
        t, c = time.perf_counter(), time.process_time()
        result = run(spec, rep, CancelToken(), ctx)
        cpu_t["studio"].append(time.process_time() - c)
        dt = time.perf_counter() - t
        assert result.outputs and rep.previews == spec.steps, (result, rep.previews)
        return dt

    plain(), studio()  # warm-up (first-call allocations, hash of the weights)
    cpu_t = {"plain": [], "studio": []}
    plain_t, studio_t = [], []
    for _ in range(args.repeats):
        plain_t.append(plain())
        studio_t.append(studio())
    ratios = [s / p for s, p in zip(studio_t, plain_t)]
    cpu_ratio = statistics.median(cpu_t["studio"]) / statistics.median(cpu_t["plain"])

    lat = torch.randn(1, 4, 64, 64)
    prev = Previewer("sd", 4, (512, 512))
    prev.render(lat)
    n = 200
    t = time.perf_counter()
    for _ in range(n):
        prev.render(lat, lat)
    preview_ms = (time.perf_counter() - t) / n * 1000
    prev_small = Previewer("sd", 4, (64, 64))
    t = time.perf_counter()
    for _ in range(n):
        prev_small.render(lat, lat)
    preview_small_ms = (time.perf_counter() - t) / n * 1000

    # The engine's own work, timed piece by piece: robust on a busy machine where whole-run timings
    # swing by tens of percent.
    from studio.core.pngmeta import write_image_png
    from studio.engines.diffusion.loader import model_hash

    def per_call_ms(fn, n: int = 20) -> float:
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n * 1000

    entry = resolve(ctx, str(model))
    side = args.size // 8
    step_prev = Previewer("sd", 4, (args.size, args.size))
    lat_small = torch.randn(1, 4, side, side)
    image = __import__("PIL.Image", fromlist=["Image"]).new("RGB", (args.size, args.size))
    fixed_ms = (per_call_ms(lambda: resolve(ctx, str(model))) + per_call_ms(lambda: model_hash(ctx, entry))
                + per_call_ms(lambda: write_image_png(image, tmp / "probe.png", spec)))
    step_ms = per_call_ms(lambda: step_prev.render(lat_small, lat_small), 100)
    accounted = fixed_ms + step_ms * args.steps
    plain_med = statistics.median(plain_t) * 1000

    print(f"pipeline: SD-1.x layout, UNet (64,128), {args.size}x{args.size}, {args.steps} steps, "
          f"{args.scheduler}, CFG on, torch threads {torch.get_num_threads()}")
    print(f"plain diffusers: median {statistics.median(plain_t) * 1000:.0f} ms "
          f"(min {min(plain_t) * 1000:.0f})")
    print(f"studio engine (preview every step, PNG written): median {statistics.median(studio_t) * 1000:.0f} ms "
          f"(min {min(studio_t) * 1000:.0f})")
    print(f"ratio studio/plain: median {statistics.median(ratios):.3f}, "
          f"min-to-min {min(studio_t) / min(plain_t):.3f} (goal <= 1.03)")
    print(f"ratio of process CPU time (less sensitive to other load): median {cpu_ratio:.3f}")
    print(f"latent->RGB preview (64x64 latent -> 512x512 image): {preview_ms:.2f} ms; "
          f"without resize: {preview_small_ms:.2f} ms")
    print(f"engine work accounted: {fixed_ms:.1f} ms per image (resolve, hash, PNG) + {step_ms:.2f} ms per "
          f"step preview = {accounted:.0f} ms, {accounted / plain_med * 100:.1f}% of the plain median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
