"""Quality bar of Studio Fashion: item and colour accuracy of generated images, judged by a classifier.

1. Train a small CNN on real Fashion-MNIST (grey, 28×28) and score it on the real test set.
2. Score it on colourised real test images too (the ceiling for generated ones).
3. Generate images through the studio's normal txt2img engine (ImageSpec → dispatch) from prompts
   covering every item × colour (12 colours × 10 items × 3 seeds = 360), and judge each: item by the
   classifier (on the garment's brightness, normalised: "black" is a charcoal garment on black),
   colour by ``fashion_captions.judge_colour`` (hue, saturation and value of the foreground: a rule, not
   the model's own CLIP).

    python benchmarks/fashion_quality.py [--model "Studio Fashion"] [--per-pair 3] [--steps 20] [--device cpu]
    python benchmarks/fashion_quality.py --colours old    # only the 8 colours it first learnt (as before)

Quality does not depend on the device (a GPU only makes the run shorter; it draws in fp16 there).

Goals (issue 6): item accuracy ≥ 0.80, colour accuracy ≥ 0.95; issue 21: colour accuracy ≥ 0.95 on the
prompts naming black, white, grey (or gray) and brown, and no drop on the others.
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

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from studio.engines.datasets import fashion_captions as fc  # noqa: E402
from studio.engines.datasets.bundled import read_fashion_mnist  # noqa: E402

ITEM_GOAL, COLOUR_GOAL = 0.80, 0.95


class Judge(nn.Module):
    """A small CNN for 28×28 grey Fashion-MNIST (~0.90 test accuracy after two epochs)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1)
        self.c3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc1, self.fc2 = nn.Linear(64 * 3 * 3, 128), nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def normalise(gray: torch.Tensor) -> torch.Tensor:
    """(N, 1, 28, 28) brightness → each image scaled to max 1 (colourising dims items by the colour's value)."""
    return gray / gray.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-3)


def train_judge(epochs: int, seed: int = 0, device: str = "cpu") -> tuple[Judge, float]:
    """The judge trained on real Fashion-MNIST (on ``device``, returned on the CPU) and its real test accuracy."""
    torch.manual_seed(seed)
    x, y = read_fashion_mnist("train")
    xt, yt = read_fashion_mnist("test")
    x = normalise(torch.from_numpy(x.copy()).float()[:, None] / 255)
    y = torch.from_numpy(y.astype(np.int64))
    x, y = x.to(device), y.to(device)
    model = Judge().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = epochs * (len(x) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g).to(device)
        for i in range(len(x) // 128):
            idx = perm[i * 128:(i + 1) * 128]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model = model.cpu().eval()
    return model, accuracy(model, normalise(torch.from_numpy(xt.copy()).float()[:, None] / 255), yt)


@torch.no_grad()
def accuracy(model: Judge, x: torch.Tensor, y) -> float:
    pred = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((pred == torch.as_tensor(np.asarray(y, dtype=np.int64))).float().mean())


def to_judge_input(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, 32, 32) RGB in [0, 1] → (N, 1, 28, 28) normalised garment brightness (the 2 px border cropped);
    on a light background (should a model draw one) the garment is how much darker than the background it is."""
    v = rgb.amax(dim=1, keepdim=True)
    frame = torch.cat([v[:, :, :2].flatten(1), v[:, :, -2:].flatten(1), v[:, :, :, :2].flatten(1),
                       v[:, :, :, -2:].flatten(1)], dim=1)
    bg = frame.median(dim=1).values.view(-1, 1, 1, 1)
    gray = torch.where(bg > 0.5, (bg - v).clamp(min=0), v)
    return normalise(gray[:, :, 2:30, 2:30])


def dominant_colour(rgb: np.ndarray) -> int:
    """The colour index of one (3, H, W) image in [0, 1], by hue, saturation and value (``fc.judge_colour``)."""
    return fc.judge_colour(rgb)


def colour_of_caption(caption: str) -> int:
    """The colour index a caption names ("gray" is grey)."""
    words = {w: fc.COLOUR_NAMES.index(next(n for n in fc.COLOUR_NAMES if w == n or w in fc.COLOUR_SYNONYMS.get(n, ())))
             for w in fc.colour_words()}
    return next(i for w, i in words.items() if f" {w} " in f" {caption} ")


def colour_indices(which: str) -> list[int]:
    """The colours a run covers: all, the first ones (old) or those learnt later (new)."""
    n = len(fc.COLOURS)
    return {"all": list(range(n)), "old": list(range(fc.FIRST_COLOURS)), "new": list(range(fc.FIRST_COLOURS, n))}[which]


def colourised_test(n: int, seed: int = 0) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Real test images colourised exactly as in training: (rgb in [0, 1], items, colours)."""
    from studio.engines.datasets.bundled import fashion_colour

    ds = fashion_colour(size=32, split="test")
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(ds), generator=g)[:n]
    x, caps = ds.batch(idx, g)
    colours = np.array([colour_of_caption(cap) for cap in caps])
    return (x + 1) / 2, ds.labels[idx].numpy(), colours


def generate(model: str, per_pair: int, steps: int, guidance: float, scheduler: str, out_dir: Path,
             device: str = "cpu", colours_run: list[int] | None = None):
    """Images for every item × colour through the studio's own txt2img engine; (rgb, items, colours, s/img)."""
    os.environ["AIGC_STUDIO_HOME"] = str(out_dir)
    from PIL import Image

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec

    ctx = EngineContext.create(StudioPaths(out_dir), Settings(), device=device)
    images, items, colours = [], [], []
    t0, n = time.perf_counter(), 0
    for item, name in enumerate(fc.ITEM_NAMES):
        for colour, cname in enumerate(fc.COLOUR_NAMES):
            if colours_run is not None and colour not in colours_run:
                continue
            for k in range(per_pair):
                syn = fc.COLOUR_SYNONYMS.get(cname, ())
                prompt = fc.phrase(name, syn[0] if syn and k % 2 else cname, 0)  # every other grey prompt: gray
                spec = ImageSpec(prompt=prompt, model=model, seed=1000 * item + 10 * colour + k, steps=steps,
                                 guidance=guidance, width=64, height=64, scheduler=scheduler)
                result = run_spec(spec, NullReporter(), CancelToken(), ctx)
                with Image.open(result.outputs[0]) as im:
                    # The engine shows 32 px output at 64 px; box-downsample back to the model's pixels.
                    im = im.convert("RGB").resize((32, 32), Image.Resampling.BOX)
                    images.append(torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1))
                items.append(item)
                colours.append(colour)
                n += 1
    return torch.stack(images), np.array(items), np.array(colours), (time.perf_counter() - t0) / n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="studio-fashion")
    ap.add_argument("--per-pair", type=int, default=3, help="images per item × colour (3 → 240)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=4.0)
    ap.add_argument("--scheduler", default="euler")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (judge training and generation)")
    ap.add_argument("--colours", choices=("all", "old", "new"), default="all",
                    help="which colours to prompt: all 12, the 8 first learnt, or black/white/grey/brown")
    ap.add_argument("--save-grid", default="", help="also save the generated images as a PNG grid here")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    ap.add_argument("--judge-cache", default="", help="keep the trained judge here and reuse it (same --epochs)")
    args = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or min(2, os.cpu_count() or 1)))

    t = time.perf_counter()
    cache = Path(args.judge_cache) if args.judge_cache else None
    if cache is not None and cache.is_file():
        saved = torch.load(cache, weights_only=True)
        judge, real_acc = Judge(), float(saved["real_acc"])
        judge.load_state_dict(saved["state"])
        judge.eval()
    else:
        judge, real_acc = train_judge(args.epochs, device=args.device)
        if cache is not None:
            torch.save({"state": judge.state_dict(), "real_acc": real_acc}, cache)
    print(f"judge trained in {time.perf_counter() - t:.0f} s; real test accuracy {real_acc:.3f}", flush=True)
    rgb, items, colours = colourised_test(2400)
    with torch.no_grad():
        ceiling_item = accuracy(judge, to_judge_input(rgb), items)
    ceiling_colour = float(np.mean([dominant_colour(im) == c for im, c in zip(rgb.numpy(), colours)]))
    print(f"colourised real test: item {ceiling_item:.3f}, colour {ceiling_colour:.3f}", flush=True)

    with tempfile.TemporaryDirectory() as home:
        gen, g_items, g_colours, sec = generate(args.model, args.per_pair, args.steps, args.guidance, args.scheduler,
                                                Path(home), args.device, colour_indices(args.colours))
    if args.save_grid:
        from studio.engines.common.sampling import to_grid

        to_grid(gen * 2 - 1, nrow=len(set(g_colours.tolist())) * args.per_pair, scale=2).save(args.save_grid)
    with torch.no_grad():
        pred = judge(to_judge_input(gen)).argmax(1).numpy()
    judged = np.array([dominant_colour(im) for im in gen.numpy()])
    item_ok, colour_ok = pred == g_items, judged == g_colours
    old = g_colours < fc.FIRST_COLOURS

    def rate(mask: np.ndarray, ok: np.ndarray) -> float | None:
        return round(float(ok[mask].mean()), 4) if mask.any() else None

    per_item = {fc.ITEM_NAMES[i]: rate(g_items == i, item_ok) for i in range(10)}
    per_colour = {fc.COLOUR_NAMES[c]: rate(g_colours == c, colour_ok) for c in sorted(set(g_colours.tolist()))}
    item_acc, colour_acc = float(item_ok.mean()), float(colour_ok.mean())
    figures = {"judge_real_test": round(real_acc, 4), "ceiling_item": round(ceiling_item, 4),
               "ceiling_colour": round(ceiling_colour, 4), "images": len(gen), "item_accuracy": round(item_acc, 4),
               "colour_accuracy": round(colour_acc, 4), "old_colours": {"item": rate(old, item_ok),
                                                                        "colour": rate(old, colour_ok)},
               "new_colours": {"item": rate(~old, item_ok), "colour": rate(~old, colour_ok)},
               "seconds_per_image": round(sec, 3), "per_item": per_item, "per_colour": per_colour,
               "device": args.device, "steps": args.steps, "guidance": args.guidance, "scheduler": args.scheduler}
    print(f"generated {len(gen)} images ({sec:.2f} s each, {args.steps} steps {args.scheduler}, cfg {args.guidance})")
    print(f"judge on real test images : {real_acc:.3f}")
    print(f"item accuracy             : {item_acc:.3f}  (goal ≥ {ITEM_GOAL})")
    print(f"colour accuracy           : {colour_acc:.3f}  (goal ≥ {COLOUR_GOAL})")
    for label, key in (("first 8 colours", "old_colours"), ("black/white/grey/brown", "new_colours")):
        if figures[key]["item"] is not None:
            print(f"  {label:22s}: item {figures[key]['item']:.3f}, colour {figures[key]['colour']:.3f}")
    print("per item:", json.dumps(per_item))
    print("per colour:", json.dumps(per_colour))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    new_ok = figures["new_colours"]["colour"] is None or figures["new_colours"]["colour"] >= COLOUR_GOAL
    return 0 if item_acc >= ITEM_GOAL and colour_acc >= COLOUR_GOAL and new_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
