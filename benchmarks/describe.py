"""Image → prompt on Studio Fashion images: does the described prompt name the right item and colour?

1. Studio Fashion draws one image per item × colour (80 per --per-pair) through the normal txt2img engine
   at its recommended settings (the ×4-upscaled PNG a user sees on the canvas).
2. Each PNG is described by a ``describe`` job with Studio CLIP (the same engine the window and
   ``main.py describe`` use). The prompt is right on the item when it names the item the image was drawn
   for (as a whole word: "shirt" is not in "t-shirt"), right on the colour likewise.
3. Reference in the same run: plain zero-shot classification with the same CLIP (best of the 80 captions
   "a {colour} {item}", one matrix product), its accuracy and time; with --judge, also the item the
   Fashion-MNIST judge of ``fashion_quality.py`` sees (the drawing can be wrong, not the description).
Goals: item >= 0.85, colour >= 0.95.

    python benchmarks/describe.py [--per-pair 1] [--judge]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402


def names(text: str, word: str) -> bool:
    """Whether ``text`` names ``word`` as whole words (hyphenated words count as one)."""
    return f" {word} " in " " + " ".join(re.findall(r"[a-z][a-z\-]*", text.lower())) + " "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-pair", type=int, default=1)
    ap.add_argument("--judge", action="store_true", help="also train the Fashion-MNIST judge (≈1 CPU-minute)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    from PIL import Image

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import DescribeSpec, ImageSpec
    from studio.engines.common.clip_model import load_clip
    from studio.engines.clip.zero_shot import class_prompts
    from studio.engines.context import EngineContext
    from studio.engines.datasets import fashion_captions as fc
    from studio.host.dispatch import run_spec

    home = Path(tempfile.mkdtemp(prefix="describe-bench-"))
    ctx = EngineContext.create(StudioPaths(home), Settings(), device="cpu")
    entry = ctx.registry.resolve("Studio Fashion", task="image")
    rec = dict(entry.details.get("recommended") or {})
    clip_name = str(entry.details.get("clip"))
    rows = []  # (item, colour, png, native)
    for item, name in enumerate(fc.ITEM_NAMES):
        for colour, cname in enumerate(fc.COLOUR_NAMES):
            for k in range(args.per_pair):
                spec = ImageSpec(prompt=fc.phrase(name, cname, 0), model=entry.name, seed=7000 + 100 * item + 10 * colour + k,
                                 steps=int(rec.get("steps", 8)), guidance=float(rec.get("guidance", 4.0)),
                                 scheduler=str(rec.get("scheduler", "dpmpp_2m")), upscale=str(rec.get("upscale", "")),
                                 width=64, height=64, clip="none")
                result = run_spec(spec, NullReporter(), CancelToken(), ctx)
                rows.append((item, colour, result.outputs[0], result.native or result.outputs[0]))
    described, t_desc = [], []
    for item, colour, png, _native in rows:
        t0 = time.perf_counter()
        out = run_spec(DescribeSpec(image=png, clip=clip_name), NullReporter(), CancelToken(), ctx)
        t_desc.append(time.perf_counter() - t0)
        described.append(out.text)
    n = len(rows)
    item_ok = sum(names(t, fc.ITEM_NAMES[i]) for t, (i, _c, _p, _n) in zip(described, rows)) / n
    colour_ok = sum(names(t, fc.COLOUR_NAMES[c]) for t, (_i, c, _p, _n) in zip(described, rows)) / n
    # Reference: plain zero-shot over the 80 captions with the same CLIP.
    clip = load_clip(ctx, clip_name)
    prompts = class_prompts()
    images = []
    for _i, _c, png, _n in rows:
        with Image.open(png) as im:
            images.append(im.convert("RGB").copy())
    t0 = time.perf_counter()
    best = clip.similarity(images, [p for _, _, p in prompts]).argmax(1).tolist()
    t_zero = (time.perf_counter() - t0) / n
    zs_item = sum(prompts[b][0] == r[0] for b, r in zip(best, rows)) / n
    zs_colour = sum(prompts[b][1] == r[1] for b, r in zip(best, rows)) / n
    print(f"{n} Studio Fashion images at {rec}, described with {clip_name}:")
    print(f"  described prompt names the item {item_ok:.3f} (goal >= 0.85), the colour {colour_ok:.3f} (goal >= 0.95)")
    print(f"  reference, plain zero-shot with the same CLIP: item {zs_item:.3f}, colour {zs_colour:.3f}; "
          f"ratio item {item_ok / max(zs_item, 1e-9):.3f}, colour {colour_ok / max(zs_colour, 1e-9):.3f}")
    median = sorted(t_desc)[n // 2]
    print(f"  time per description {median * 1000:.0f} ms (median, warm engine) vs zero-shot {t_zero * 1000:.1f} ms")
    wrong = [(fc.phrase(fc.ITEM_NAMES[i], fc.COLOUR_NAMES[c]), t) for t, (i, c, _p, _n) in zip(described, rows)
             if not (names(t, fc.ITEM_NAMES[i]) and names(t, fc.COLOUR_NAMES[c]))]
    for want, got in wrong[:12]:
        print(f"    drawn for {want!r}: described {got!r}")
    if args.judge:
        import fashion_quality as fq

        judge, real_acc = fq.train_judge(2)
        from studio.engines.common.clip_model import pil_to_tensor

        natives = []
        for _i, _c, _p, native in rows:
            with Image.open(native) as im:
                natives.append((pil_to_tensor(im.convert("RGB").resize((32, 32), Image.Resampling.BOX)) + 1) / 2)
        with torch.no_grad():
            seen = judge(fq.to_judge_input(torch.stack(natives))).argmax(1).tolist()
        agree = sum(names(t, fc.ITEM_NAMES[s]) for t, s in zip(described, seen)) / n
        print(f"  judge ({real_acc:.3f} on real test images): the drawn item is the prompt's in "
              f"{sum(s == r[0] for s, r in zip(seen, rows)) / n:.3f}; the description names the judge's item {agree:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
