"""Built-in models on this machine: Studio Fashion images, DCGAN grid of 16 faces, 512×512 upscales.

Everything goes through the studio's engines (``run_spec``: model resolve, load from the converted
safetensors, PNG written atomically), in a throw-away studio home, so the first call also converts
the package weights. Figures are printed (and written as JSON with ``--json``), not asserted.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/builtin_models.py [--size 512] [--repeats 5]
        [--models x4plus,animevideov3-x4] [--precision auto|fp32|bf16] [--json out.json] [--only fashion]

Studio Fashion: seconds per image with its recommended settings (8 DPM++ 2M steps at 64 px, then the
recommended upscaler to 256 px: what the canvas shows), warm median, with the upscale's share.
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


def _context(precision: str):
    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    settings = Settings(extra={"upscale_precision": precision})
    return EngineContext.create(StudioPaths.from_env(), settings)


def bench_fashion(ctx, repeats: int) -> dict:
    """Seconds per Studio Fashion image (recommended settings, upscale included): first call and warm median."""
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.models.recommended import recommended_image_spec
    from studio.host.dispatch import run_spec

    from PIL import Image

    from studio.engines.upscale.run import upscale_image

    entry = ctx.registry.resolve("studio-fashion")
    times, upscale = [], []
    for i in range(repeats + 1):
        spec = recommended_image_spec(entry, "a photo of a red sneaker", seed=i)
        t0 = time.perf_counter()
        res = run_spec(spec, NullReporter(), CancelToken(), ctx)
        times.append(time.perf_counter() - t0)
        with Image.open(res.native) as im:  # the upscale alone, on the image just drawn
            native = im.convert("RGB")
        t0 = time.perf_counter()
        upscale_image(native, ctx, spec.upscale)
        upscale.append(time.perf_counter() - t0)
    return {"first_s": round(times[0], 3), "warm_median_s": round(statistics.median(times[1:]), 3),
            "upscale_s": round(statistics.median(upscale[1:]), 3), "steps": spec.steps,
            "upscaler": res.upscaler, "native": f"{native.width}x{native.height}",
            "output": f"{res.width}x{res.height}"}


def bench_dcgan(ctx, repeats: int) -> dict:
    """Seconds for a 4×4 grid of faces (16 seeds): first call (converts the weights) and warm median."""
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.image import GanSpec
    from studio.host.dispatch import run_spec

    times = []
    for i in range(repeats + 1):
        spec = GanSpec(seeds=tuple(range(i * 16, i * 16 + 16)), columns=4)
        t0 = time.perf_counter()
        run_spec(spec, NullReporter(), CancelToken(), ctx)
        times.append(time.perf_counter() - t0)
    return {"first_s": round(times[0], 3), "warm_median_s": round(statistics.median(times[1:]), 4)}


def bench_upscale(ctx, image: Path, names: list[str], size: int, tile: int) -> dict:
    """Seconds per upscale of one size×size image with each model (model load timed apart)."""
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.image import UpscaleSpec
    from studio.host.dispatch import run_spec

    out = {}
    for name in names:
        t0 = time.perf_counter()
        warm = image.with_name("warm.png")  # load + convert + first-shape planning on a tiny image
        run_spec(UpscaleSpec(image=str(warm), model=name, tile=tile), NullReporter(), CancelToken(), ctx)
        load_s = time.perf_counter() - t0
        runs = []
        for _ in range(2):  # the first run at a new tile shape also plans the kernels (oneDNN / AMX)
            t0 = time.perf_counter()
            res = run_spec(UpscaleSpec(image=str(image), model=name, tile=tile), NullReporter(), CancelToken(), ctx)
            runs.append(time.perf_counter() - t0)
        w, h = res.size
        out[name] = {"first_s": round(runs[0], 2), "repeat_s": round(runs[1], 2), "load_s": round(load_s, 2),
                     "output": f"{w}x{h}", "tiles": res.tiles, "precision": res.precision,
                     "megapixels_out_per_s": round(w * h / 1e6 / runs[1], 3)}
        print(f"  {name:28s} first {runs[0]:7.2f} s, repeat {runs[1]:7.2f} s -> {w}x{h} "
              f"({res.precision}, {res.tiles} tiles; load {load_s:.2f} s)", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512, help="side of the square input image")
    ap.add_argument("--tile", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5, help="warm DCGAN grid repeats")
    ap.add_argument("--models", default="", help="comma-separated upscaler names (default: all five)")
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    ap.add_argument("--json", default="", help="also write the figures here")
    ap.add_argument("--only", default="", choices=("", "fashion", "dcgan", "upscale"), help="run one section")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aigc-bench-"))
    os.environ["AIGC_STUDIO_HOME"] = str(tmp / "home")
    import torch
    from PIL import Image
    from skimage import data

    from studio.core.models.builtin_models import UPSCALERS
    from studio.engines.upscale.run import canonical_name

    ctx = _context(args.precision)
    figures: dict = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count()}
    print(f"torch threads: {figures['torch_threads']}", flush=True)

    if args.only in ("", "fashion"):
        f = figures["studio_fashion"] = bench_fashion(ctx, args.repeats)
        print(f"Studio Fashion ({f['steps']} steps, {f['native']} -> {f['upscaler']} -> {f['output']}): "
              f"{f['warm_median_s']} s per image warm, of which the upscale {f['upscale_s']} s; "
              f"first {f['first_s']} s (loads, converts the upscaler)", flush=True)
    if args.only in ("", "dcgan"):
        figures["dcgan_grid16"] = bench_dcgan(ctx, args.repeats)
        print(f"DCGAN grid of 16 (64x64 faces): first {figures['dcgan_grid16']['first_s']} s (incl. conversion), "
              f"warm {figures['dcgan_grid16']['warm_median_s']} s", flush=True)
    if args.only not in ("", "upscale"):
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
        return 0

    image = tmp / f"astronaut-{args.size}.png"
    Image.fromarray(data.astronaut()).resize((args.size, args.size), Image.LANCZOS).save(image)
    Image.fromarray(data.astronaut()).resize((16, 16), Image.LANCZOS).save(tmp / "warm.png")
    names = [canonical_name(n) for n in args.models.split(",") if n] or [u.name for u in UPSCALERS]
    print(f"Upscale of a {args.size}x{args.size} image (tile {args.tile}):", flush=True)
    figures[f"upscale_{args.size}"] = bench_upscale(ctx, image, names, args.size, args.tile)

    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
