"""Which steps / scheduler / guidance keep Studio Fashion above its quality bar? (issue 6 speed goal)

Same judge, prompts, seeds and scoring as ``fashion_quality.py``, but the judge is trained once and
each setting's 240 images are drawn in one batch through the studio's own pipeline loader and
scheduler table (per-image CPU generators, so each image gets the noise the engine would give it).
Confirm the setting picked with ``fashion_quality.py`` itself.

    python benchmarks/fashion_sweep.py --device cuda --steps 6,8,10,12 --guidance 3,4,5 \\
        --schedulers euler,dpmpp_2m,dpmpp_2m_karras,unipc,ddim [--json sweep.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import fashion_quality as fq  # noqa: E402
from studio.engines.datasets import fashion_captions as fc  # noqa: E402


def _images(pipe, prompts: list[str], seeds: list[int], steps: int, guidance: float) -> torch.Tensor:
    """(N, 3, 32, 32) in [0, 1]: drawn at 64 px as the engine does, box-downsampled back as the judge expects."""
    from PIL import Image

    gens = [torch.Generator("cpu").manual_seed(s) for s in seeds]
    with torch.inference_mode():
        out = pipe(prompt=prompts, negative_prompt="", num_inference_steps=steps, guidance_scale=guidance,
                   width=64, height=64, generator=gens, output_type="pil").images
    arrs = [np.asarray(im.convert("RGB").resize((32, 32), Image.Resampling.BOX), dtype=np.float32) / 255
            for im in out]
    return torch.from_numpy(np.stack(arrs)).permute(0, 3, 1, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="studio-fashion")
    ap.add_argument("--per-pair", type=int, default=3)
    ap.add_argument("--steps", default="6,8,10,12")
    ap.add_argument("--guidance", default="3,4,5")
    ap.add_argument("--schedulers", default="euler,dpmpp_2m,dpmpp_2m_karras,unipc,ddim")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or min(2, os.cpu_count() or 1)))

    judge, real_acc = fq.train_judge(args.epochs, device=args.device)
    print(f"judge real test accuracy {real_acc:.3f}", flush=True)

    home = tempfile.mkdtemp()
    os.environ["AIGC_STUDIO_HOME"] = home
    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.engines.diffusion.loader import load_pipeline
    from studio.engines.pipelines.schedulers import make_scheduler

    ctx = EngineContext.create(StudioPaths(Path(home)), Settings(), device=args.device)
    pipe, facts = load_pipeline(ctx, ctx.registry.resolve(args.model))
    pipe.set_progress_bar_config(disable=True)
    pipe.to(dtype=torch.float32)  # as on the CPU (the engine's fp16 on GPUs is another question, see the README)
    prompts, seeds, items, colours = [], [], [], []
    for item, name in enumerate(fc.ITEM_NAMES):
        for colour, cname in enumerate(fc.COLOUR_NAMES):
            for k in range(args.per_pair):
                prompts.append(fc.phrase(name, cname, 0))
                seeds.append(1000 * item + 10 * colour + k)
                items.append(item)
                colours.append(colour)
    items_a, colours_a = np.array(items), np.array(colours)

    rows = []
    for sched in args.schedulers.split(","):
        for steps in [int(s) for s in args.steps.split(",")]:
            for guidance in [float(g) for g in args.guidance.split(",")]:
                pipe.scheduler = make_scheduler(sched, facts["scheduler_config"])
                t0 = time.perf_counter()
                try:
                    gen = _images(pipe, prompts, seeds, steps, guidance)
                except Exception as exc:  # noqa: BLE001 - a scheduler that breaks at this step count is a finding
                    rows.append({"scheduler": sched, "steps": steps, "guidance": guidance, "pass": False,
                                 "error": f"{type(exc).__name__}: {exc}"})
                    print(f"{sched:16s} {steps:3d} steps cfg {guidance:.1f}: ERROR {type(exc).__name__}: {exc}")
                    continue
                sec = time.perf_counter() - t0
                with torch.no_grad():
                    pred = judge(fq.to_judge_input(gen)).argmax(1).numpy()
                item_acc = float((pred == items_a).mean())
                colour_acc = float(np.mean([fq.dominant_colour(im) == c for im, c in zip(gen.numpy(), colours_a)]))
                ok = item_acc >= fq.ITEM_GOAL and colour_acc >= fq.COLOUR_GOAL
                rows.append({"scheduler": sched, "steps": steps, "guidance": guidance, "item": round(item_acc, 4),
                             "colour": round(colour_acc, 4), "pass": ok, "batch_s": round(sec, 2)})
                print(f"{sched:16s} {steps:3d} steps cfg {guidance:.1f}: item {item_acc:.3f} colour {colour_acc:.3f}"
                      f" {'PASS' if ok else 'fail'}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"judge_real_test": round(real_acc, 4), "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
