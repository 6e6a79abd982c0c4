"""CLIP scores of Studio Fashion at its recommended settings: how they agree with the judge, and what they cost.

1. Generate one image per item × colour (80) through the normal txt2img engine at the model's recommended
   settings; the engine scores each against its prompt with the paired Studio CLIP (automatic).
2. The judge of ``fashion_quality.py`` (a CNN on real Fashion-MNIST + the dominant hue) says which item and
   colour each image shows; the CLIP says the same by zero-shot (best of the 80 captions).
3. Prints the mean CLIP score, CLIP–judge agreement on item and colour, the mean score of images the
   judge finds right vs wrong, and the scoring time per image against the generation time (goal ≤ 5 %).

    python benchmarks/clip_scores.py [--per-pair 1] [--judge-epochs 2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-pair", type=int, default=1)
    ap.add_argument("--judge-epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    import fashion_quality as fq
    from PIL import Image

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.common.clip_model import load_clip, pil_to_tensor
    from studio.engines.clip.zero_shot import class_prompts
    from studio.engines.context import EngineContext
    from studio.engines.datasets import fashion_captions as fc
    from studio.host.dispatch import run_spec

    judge, real_acc = fq.train_judge(args.judge_epochs)
    print(f"judge: {real_acc:.3f} on real Fashion-MNIST test images")
    home = Path(tempfile.mkdtemp(prefix="clip-scores-"))
    ctx = EngineContext.create(StudioPaths(home), Settings(), device="cpu")
    entry = ctx.registry.resolve("Studio Fashion", task="image")
    rec = dict(entry.details.get("recommended") or {})
    clip = load_clip(ctx, str(entry.details.get("clip")))
    prompts = class_prompts()
    text = clip.encode_texts([p for _, _, p in prompts])
    scores, gen_s, natives, items, colours = [], [], [], [], []
    for item, name in enumerate(fc.ITEM_NAMES):
        for colour, cname in enumerate(fc.COLOUR_NAMES):
            for k in range(args.per_pair):
                spec = ImageSpec(prompt=fc.phrase(name, cname, 0), model=entry.name, seed=1000 * item + 10 * colour + k,
                                 steps=int(rec.get("steps", 8)), guidance=float(rec.get("guidance", 4.0)),
                                 scheduler=str(rec.get("scheduler", "dpmpp_2m")), upscale=str(rec.get("upscale", "")),
                                 width=64, height=64)
                result = run_spec(spec, NullReporter(), CancelToken(), ctx)
                scores.append(result.clip_score)
                gen_s.append(result.seconds)
                with Image.open(result.native or result.outputs[0]) as im:
                    natives.append(im.convert("RGB").copy())
                items.append(item)
                colours.append(colour)
    # Scoring cost alone: one image and its prompt, as the engine does it.
    t0 = time.perf_counter()
    for im, (i, c) in zip(natives, zip(items, colours)):
        clip.score([im], [fc.phrase(fc.ITEM_NAMES[i], fc.COLOUR_NAMES[c], 0)])
    score_s = (time.perf_counter() - t0) / len(natives)
    rgb = torch.stack([(pil_to_tensor(im.resize((32, 32), Image.Resampling.BOX)) + 1) / 2 for im in natives])
    with torch.no_grad():
        judged_items = judge(fq.to_judge_input(rgb)).argmax(1).numpy()
        best = (clip.image_features(rgb * 2 - 1) @ text.T).argmax(1).tolist()
    judged_colours = np.array([fq.dominant_colour(x.numpy()) for x in rgb])
    clip_items = np.array([prompts[b][0] for b in best])
    clip_colours = np.array([prompts[b][1] for b in best])
    items_a, colours_a, scores_a = np.array(items), np.array(colours), np.array(scores)
    right = (judged_items == items_a) & (judged_colours == colours_a)
    print(f"Studio Fashion at {rec}: {len(scores)} images, mean CLIP score {scores_a.mean():.1f} "
          f"(judge right: {scores_a[right].mean():.1f} on {right.sum()}, judge wrong: "
          f"{scores_a[~right].mean() if (~right).any() else float('nan'):.1f} on {(~right).sum()})")
    print(f"CLIP–judge agreement: item {np.mean(clip_items == judged_items):.3f}, "
          f"colour {np.mean(clip_colours == judged_colours):.3f}; vs the prompt: CLIP item "
          f"{np.mean(clip_items == items_a):.3f}, judge item {np.mean(judged_items == items_a):.3f}")
    ratio = score_s / float(np.median(gen_s))
    print(f"scoring {score_s * 1000:.1f} ms per image vs generation {np.median(gen_s):.2f} s (median): "
          f"{ratio * 100:.1f} % (goal <= 5 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
