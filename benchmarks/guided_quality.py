"""CLIP guidance judged by someone else: does a second judge (not a CLIP) see the garment and colour asked for?

The Guided workspace's default settings (``GuidedSpec()``) steer the colourised-Fashion GAN (train it as the
README says: ``main.py train gan --data fashion-colour --out fashion-colour-gan --steps 3000 --batch 64
--param features=32``) towards "a {colour} {item}" for every item × colour × seed. The judge of
``fashion_quality.py`` — a CNN trained on the real Fashion-MNIST, and the dominant hue — says which item
and colour each image shows. Printed: its accuracy on the unguided start images, on the former plain
guidance's images (shifted views, weak prior: the reference, measured in the same run) and on the current
guidance's (the best-ranked of ``candidates`` starts, augmented views, latent shell + tail prior,
held-out early stopping), with the guiding CLIP's own score beside. Goals: item >= 0.80, colour >= 0.90.

    python benchmarks/guided_quality.py [--model fashion-colour-gan] [--seeds 3] [--prompts 80] [--steps N]
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
    ap.add_argument("--model", default="fashion-colour-gan", help="the GAN (a name in the studio home, or a folder)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--prompts", type=int, default=80, help="the first N of the 80 item × colour prompts, spread "
                                                            "over items and colours (a reduced run)")
    ap.add_argument("--steps", type=int, default=0, help="guidance steps (default: the workspace's)")
    ap.add_argument("--judge-epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--home", default="", help="studio home holding the GAN (default: $AIGC_STUDIO_HOME)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    import fashion_quality as fq

    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import GuidedSpec
    from studio.engines.clip.guided import guide, latent_model
    from studio.engines.common.clip_model import load_clip
    from studio.engines.context import EngineContext
    from studio.engines.datasets import fashion_captions as fc
    from studio.engines.common.sampling import to_images

    paths = StudioPaths(Path(args.home)) if args.home else StudioPaths.from_env()
    ctx = EngineContext.create(paths if paths.root.exists() else StudioPaths(Path(tempfile.mkdtemp())),
                               Settings(), device="cpu")
    judge, real_acc = fq.train_judge(args.judge_epochs)
    print(f"judge: {real_acc:.3f} on real Fashion-MNIST test images")
    defaults = GuidedSpec()
    steps = args.steps or defaults.steps
    # Every item with every colour, in an order that spreads a reduced run over both.
    pairs = [(i, (i + k) % 8) for k in range(8) for i in range(10)][:args.prompts]
    rows = {"start": [], "plain": [], "guided": []}
    scores = {"plain": [], "guided": []}
    t = {"plain": 0.0, "guided": 0.0}
    clip = None
    for item, colour in pairs:
        prompt = fc.phrase(fc.ITEM_NAMES[item], fc.COLOUR_NAMES[colour])
        for seed in range(args.seeds):
            spec = GuidedSpec(prompt=prompt, model=args.model, seed=seed, steps=steps)
            latent = latent_model(ctx, spec)
            clip = clip or load_clip(ctx, spec.clip or str(latent.entry.details.get("clip") or ""))
            zs = {"start": latent.start}
            for mode in ("plain", "guided"):
                t0 = time.perf_counter()
                zs[mode] = guide(latent, clip, spec, NullReporter(), CancelToken(), augmented=mode == "guided")
                t[mode] += time.perf_counter() - t0
            with torch.no_grad():
                images = to_images(torch.cat([latent.decode(zs[m]) for m in ("start", "plain", "guided")]))
            for m, im in zip(("start", "plain", "guided"), images):
                rgb = torch.from_numpy(np.asarray(im.convert("RGB").resize((32, 32)), dtype=np.float32) / 255)
                rgb = rgb.permute(2, 0, 1)
                with torch.no_grad():
                    seen = int(judge(fq.to_judge_input(rgb[None])).argmax(1))
                rows[m].append((seen == item, fq.dominant_colour(rgb.numpy()) == colour))
            for m, im in zip(("plain", "guided"), images[1:]):
                scores[m].append(clip.score([im], [prompt])[0])
    n = len(rows["start"])
    print(f"{n} images ({len(pairs)} prompts × {args.seeds} seeds), GAN {args.model}, {steps} steps, "
          f"lr {defaults.lr:g}, prior weight {defaults.prior_weight:g}:")
    acc = {m: (np.mean([r[0] for r in v]), np.mean([r[1] for r in v])) for m, v in rows.items()}
    print(f"  start (unguided):            item {acc['start'][0]:.3f}, colour {acc['start'][1]:.3f}")
    print(f"  plain guidance (reference):  item {acc['plain'][0]:.3f}, colour {acc['plain'][1]:.3f}, "
          f"CLIP score {np.mean(scores['plain']):.1f}, {t['plain'] / n:.2f} s per image")
    print(f"  guidance now:                item {acc['guided'][0]:.3f}, colour {acc['guided'][1]:.3f}, "
          f"CLIP score {np.mean(scores['guided']):.1f}, {t['guided'] / n:.2f} s per image (goals: item >= 0.80, "
          f"colour >= 0.90)")
    print(f"  ratio now / plain: item {acc['guided'][0] / max(acc['plain'][0], 1e-9):.2f}, "
          f"colour {acc['guided'][1] / max(acc['plain'][1], 1e-9):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
