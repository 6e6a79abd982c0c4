"""Speed mode cache (DeepCache-style UNet feature reuse) vs speed mode off through the studio engine, on a CPU.

Builds a small SD1.5-like pipeline with random weights (the SD1.5 UNet's layout — 4 down/up blocks, 2 layers
each, cross-attention in the first three — at a quarter of its channels; a small VAE and CLIP text encoder),
then alternates ``generate.run`` jobs in speed mode off and cache (same seed, previews off) and prints the
denoising it/s of each, their ratio measured in the same run (median of back-to-back rounds), and how close the cache image is (PSNR, max
pixel difference). Figures are printed, not asserted.

    .venv/bin/python benchmarks/feature_cache_cpu.py [--size 256] [--steps 12] [--repeats 4]
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


def build(out: Path) -> Path:
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from tests.fixtures.tiny_models import SCHEDULER_CONFIG, clip_tokenizer_source

    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=32, in_channels=4, out_channels=4, layers_per_block=2,
                                cross_attention_dim=256, block_out_channels=(80, 160, 320, 320),
                                attention_head_dim=8, norm_num_groups=16,
                                down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                                up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1, norm_num_groups=16,
                        block_out_channels=(32, 32, 64, 64), down_block_types=("DownEncoderBlock2D",) * 4,
                        up_block_types=("UpDecoderBlock2D",) * 4, sample_size=256, scaling_factor=0.18215)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=256, intermediate_size=1024,
                                        num_hidden_layers=4, num_attention_heads=4, max_position_embeddings=77,
                                        projection_dim=256, bos_token_id=49406, eos_token_id=49407,
                                        pad_token_id=49407))
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, unet=unet,
                                   tokenizer=CLIPTokenizer.from_pretrained(str(clip_tokenizer_source())),
                                   scheduler=EulerDiscreteScheduler(**SCHEDULER_CONFIG), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(str(out), safe_serialization=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=4)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aigc-cache-bench-"))
    os.environ["AIGC_STUDIO_HOME"] = str(tmp / "home")
    try:
        return _bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path) -> int:
    import numpy as np
    from PIL import Image

    from studio.core.specs.memory_modes import FEATURE_CACHE_DEPTH, FEATURE_CACHE_INTERVAL
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.engines.diffusion.generate import run

    class StepClock(NullReporter):
        """Times the denoising loop only (first to last step), not loading, text encoding or the VAE."""

        def __init__(self) -> None:
            super().__init__()
            self.first = self.last = 0.0

        def progress(self, done: int, total: int, message: str = "") -> None:
            if total and done == 1:
                self.first = time.perf_counter()
            if total and done == total:
                self.last = time.perf_counter()

    folder = build(tmp / "sd15-small")
    ctx = EngineContext.create(StudioPaths(tmp / "home"), Settings(preview_every=0, score_clip="none"), device="cpu")
    print(f"SD1.5-like UNet (channels 80/160/320/320), {args.size}², {args.steps} Euler steps, CFG 7, CPU; "
          f"cache: interval {FEATURE_CACHE_INTERVAL}, depth {FEATURE_CACHE_DEPTH}", flush=True)
    rates: dict[str, list[float]] = {"off": [], "cache": []}
    images: dict[str, np.ndarray] = {}
    for speed in ("off", "cache") * (args.repeats + 1):
        spec = ImageSpec(prompt="a red sneaker on a table", model=str(folder), seed=1, steps=args.steps,
                         width=args.size, height=args.size, guidance=7.0, scheduler="euler", speed_mode=speed)
        clock = StepClock()
        res = run(spec, clock, CancelToken(), ctx)
        images[speed] = np.asarray(Image.open(res.outputs[0]).convert("RGB"), dtype=np.float64)
        rates[speed].append((args.steps - 1) / (clock.last - clock.first))
        print(f"  {speed:5s} {rates[speed][-1]:6.2f} it/s", flush=True)
    # The first pair is a warm-up (allocator, kernels); the medians are of the rest.
    off, cache = (statistics.median(rates[k][1:]) for k in ("off", "cache"))
    diff = images["cache"] - images["off"]
    psnr = 10 * np.log10(255.0 ** 2 / max((diff ** 2).mean(), 1e-12))
    print(f"speed mode off   {off:6.2f} it/s")
    # Each round's ratio (off and cache run back to back) is steadier on a shared machine than a ratio of medians.
    ratios = sorted(c / o for o, c in zip(rates["off"][1:], rates["cache"][1:]))
    print(f"speed mode cache {cache:6.2f} it/s   ratio {statistics.median(ratios):4.2f}× (median of rounds "
          f"{ratios[0]:.2f}–{ratios[-1]:.2f}×)  "
          f"(image vs off: PSNR {psnr:.1f} dB, max difference {np.abs(diff).max():.0f} of 255)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
