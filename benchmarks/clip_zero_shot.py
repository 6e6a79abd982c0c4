"""Zero-shot accuracy of a CLIP on held-out colourised Fashion test images (goal: item ≥ 0.85, colour ≥ 0.95).

    python benchmarks/clip_zero_shot.py                 # the built-in Studio CLIP
    python benchmarks/clip_zero_shot.py --clip NAME -n 5000

Each test image gets a random colour of the training set's eight; the CLIP picks the best of the 80
captions "a {colour} {item}". Also prints the scoring cost per image (encode + cosine, batch of one).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", default="Studio CLIP")
    ap.add_argument("-n", type=int, default=2000, help="held-out images")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from studio.cli.in_process import engine_context
    from studio.engines.common.clip_model import load_clip
    from studio.engines.clip.zero_shot import test_images, zero_shot
    from studio.engines.common.sampling import to_images

    ctx = engine_context()
    clip = load_clip(ctx, args.clip)
    zs = zero_shot(clip, n=args.n)
    print(f"{clip.name}: zero-shot on {zs.images} held-out Fashion images: item accuracy {zs.item_accuracy:.3f} "
          f"(goal >= 0.85), colour accuracy {zs.colour_accuracy:.3f} (goal >= 0.95); {zs.seconds:.1f} s")
    images = to_images(test_images(20, seed=7)[0])
    clip.score(images[:1], ["a red sneaker"])  # warm-up
    t0 = time.perf_counter()
    for im in images:
        clip.score([im], ["a red sneaker"])
    print(f"scoring one image: {(time.perf_counter() - t0) / len(images) * 1000:.1f} ms")
    return 0 if zs.item_accuracy >= 0.85 and zs.colour_accuracy >= 0.95 else 1


if __name__ == "__main__":
    raise SystemExit(main())
