"""Retrain "Studio Fashion" (the built-in text-to-image model) from scratch.

    # what shipped (one H100, 7.3 min, 2,771 steps of 512):
    python tools/train_fashion.py --device cuda --batch 512 --lr 6e-4 --fit-minutes 7.0 --minutes 7.6 --out OUT
    # the same schedule on a CPU (slow: see resources/models/studio-fashion/README.md for the time):
    python tools/train_fashion.py --device cpu --batch 512 --lr 6e-4 --steps 2771 --out OUT

Trains family text2img on the colourised, captioned Fashion-MNIST (10 items × 12 colours) and
writes a StudioPixelPipeline folder with studio_model.json and a README. ``--minutes`` stops
training early at a wall-clock limit and still writes the model (the LR schedule is then cut short).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LICENSE = "CC-BY-4.0 weights trained by AIGC Studio on Fashion-MNIST (MIT, Zalando Research)"
# The configuration that shipped (see resources/models/studio-fashion/README.md).
PARAMS = {"channels": [64, 128, 128], "layers_per_block": 1, "heads": 4, "text_dim": 128, "text_layers": 2,
          "caption_dropout": 0.1, "min_snr_gamma": 5.0, "ema_decay": 0.999, "warmup": 300,
          "sample_steps": 20, "guidance": 4.0, "save_dtype": "float16", "log_every": 200}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder to write the pipeline into (replaced)")
    ap.add_argument("--steps", type=int, default=2771)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--minutes", type=float, default=0.0, help="stop after this wall-clock time and save")
    ap.add_argument("--fit-minutes", type=float, default=0.0,
                    help="measure steps/s first, then pick --steps so training fills this many minutes")
    ap.add_argument("--home", default="", help="studio home for checkpoints (default: a temp folder)")
    ap.add_argument("--sample-every", type=int, default=0, help="write a sample grid PNG every N steps")
    args = ap.parse_args(argv)

    home = Path(args.home or tempfile.mkdtemp(prefix="studio-fashion-"))
    os.environ["AIGC_STUDIO_HOME"] = str(home)
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, ConsoleReporter
    from studio.core.settings import Settings
    from studio.core.specs.training import TrainSpec
    from studio.engines.context import EngineContext
    from studio.engines.datasets import fashion_captions
    from studio.engines.training.text2img import Text2ImgTrainer

    out = Path(args.out).resolve()
    paths = StudioPaths(home)
    ctx = EngineContext.create(paths, Settings(), device=args.device)
    spec = TrainSpec(family="text2img", data="fashion-colour", out="studio-fashion", steps=args.steps,
                     batch=args.batch, lr=args.lr, size=32, seed=args.seed, sample_every=args.sample_every,
                     checkpoint_every=0, params=dict(PARAMS), overwrite=True)

    class Reporter(ConsoleReporter):
        def __init__(self) -> None:
            super().__init__(min_interval=10.0)

        def wants_preview(self) -> bool:
            return bool(args.sample_every)

        def preview(self, image) -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            image.save(out.parent / f"{out.name}-samples.png")

    if args.fit_minutes:  # calibrate on a throwaway trainer so the LR schedule fits the time budget
        import torch

        probe = Text2ImgTrainer(spec.replace(steps=10_000, out="probe"), ConsoleReporter(min_interval=1e9),
                                CancelToken(), ctx)
        probe.setup()
        for s in range(15):
            probe.train_step(s)
        if probe.device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        for s in range(15, 45):
            probe.train_step(s)
        if probe.device.type == "cuda":
            torch.cuda.synchronize()
        per_step = (time.perf_counter() - t) / 30
        del probe
        steps = int(args.fit_minutes * 60 / per_step)
        print(f"calibration: {per_step * 1000:.1f} ms/step at batch {args.batch} -> {steps} steps", flush=True)
        spec = spec.replace(steps=steps)
        args.steps = steps
    cancel = CancelToken()
    if args.minutes:
        threading.Timer(args.minutes * 60, cancel.cancel).start()
    trainer = Text2ImgTrainer(spec, Reporter(), cancel, ctx, out_dir=out)
    t0 = time.time()
    result = trainer.fit()
    if result.cancelled:  # the time limit: keep what was learnt
        print(f"time limit reached at step {trainer.step}", file=sys.stderr)
        trainer.write_artifact()
    minutes = (time.time() - t0) / 60
    card_path = out / "studio_model.json"
    card = json.loads(card_path.read_text())
    card.update({"name": "Studio Fashion", "license": LICENSE, "default_size": 32,
                 "clip": "Studio CLIP",  # its paired CLIP scores every image it makes
                 # 8 DPM++ 2M steps: the quality bar holds (benchmarks/fashion_sweep.py) and an image
                 # with its upscale takes < 1 s on a 2-core CPU; 64 px is shown 256 px on the canvas.
                 "recommended": {"steps": 8, "guidance": 4.0, "scheduler": "dpmpp_2m",
                                 "upscale": "animevideov3-x4"},
                 "vocabulary": fashion_captions.vocabulary(),  # what its captions teach (shown where prompts are written)
                 "training": {"steps": trainer.step, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                              "device": args.device, "minutes": round(minutes, 1),
                              "command": "python tools/train_fashion.py " + " ".join(argv or sys.argv[1:])}})
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    shutil.rmtree(home / "training", ignore_errors=True)  # checkpoints of a throwaway home
    print(f"wrote {out} after {trainer.step} steps in {minutes:.1f} min")
    os._exit(0)  # the Timer thread may still be waiting


if __name__ == "__main__":
    raise SystemExit(main())
