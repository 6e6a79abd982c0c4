"""Studio image engine in each speed (and an offload) mode vs plain diffusers fp16 + SDPA, on a GPU.

Builds SD1.5-architecture (512², 30 steps, CFG 7) and SDXL-architecture (1024², 30 steps) pipelines
from their published configs (written inline below) with random weights: nothing is downloaded.
Each is saved in fp16 and loaded twice from the same folder: once by plain diffusers
(``from_pretrained(..., torch_dtype=float16).to("cuda")``, SDPA is diffusers' default) and once by the
studio's engine (``generate.run``, previews off so both do the same work). Printed per mode: it/s,
seconds per image, peak allocated memory, and the ratio to plain diffusers measured in the same run.
Goals (issue 17): best exact mode ≥ 1.3×, fastest ≥ 1.8×; SDXL 1024² in an offload mode ≤ 8 GB peak.
Without a CUDA GPU it prints why it skipped and exits 0.

    .venv/bin/python benchmarks/gpu_diffusion.py [--steps 30] [--repeats 3] [--only sd15|sdxl]
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

PROMPT = "a photo of an astronaut riding a horse on the moon, detailed, 8k"
NEGATIVE = "blurry, low quality"
GB = 1e9

# Published configs (runwayml/stable-diffusion-v1-5 and stabilityai/stable-diffusion-xl-base-1.0).
SD15_UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, cross_attention_dim=768,
                 block_out_channels=(320, 640, 1280, 1280), attention_head_dim=8, norm_num_groups=32,
                 down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                 up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
SDXL_UNET = dict(sample_size=128, in_channels=4, out_channels=4, layers_per_block=2, cross_attention_dim=2048,
                 block_out_channels=(320, 640, 1280), attention_head_dim=(5, 10, 20), norm_num_groups=32,
                 down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                 up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
                 transformer_layers_per_block=(1, 2, 10), use_linear_projection=True,
                 addition_embed_type="text_time", addition_time_embed_dim=256,
                 projection_class_embeddings_input_dim=2816)
VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, norm_num_groups=32,
           block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
           up_block_types=("UpDecoderBlock2D",) * 4)
CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
              num_attention_heads=12, max_position_embeddings=77, projection_dim=768, hidden_act="quick_gelu")
CLIP_BIGG = dict(vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=32,
                 num_attention_heads=20, max_position_embeddings=77, projection_dim=1280, hidden_act="gelu")
SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                 steps_offset=1, timestep_spacing="leading")


def build(kind: str, out: Path) -> Path:
    """Save a random-weight ``sd15`` or ``sdxl`` pipeline in fp16 to ``out``."""
    import torch
    from diffusers import (AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline,
                           StableDiffusionXLPipeline, UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    from tests.fixtures.tiny_models import clip_tokenizer_source

    torch.manual_seed(0)
    tok = CLIPTokenizer.from_pretrained(str(clip_tokenizer_source()))
    ids = dict(bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)
    sched = EulerDiscreteScheduler(**SCHEDULER)
    if kind == "sd15":
        pipe = StableDiffusionPipeline(
            vae=AutoencoderKL(**VAE, sample_size=512, scaling_factor=0.18215),
            text_encoder=CLIPTextModel(CLIPTextConfig(**CLIP_L, **ids)), tokenizer=tok,
            unet=UNet2DConditionModel(**SD15_UNET), scheduler=sched, safety_checker=None,
            feature_extractor=None, requires_safety_checker=False)
    else:
        pipe = StableDiffusionXLPipeline(
            vae=AutoencoderKL(**VAE, sample_size=1024, scaling_factor=0.13025, force_upcast=False),
            text_encoder=CLIPTextModel(CLIPTextConfig(**CLIP_L, **ids)),
            text_encoder_2=CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_BIGG, **ids)),
            tokenizer=tok, tokenizer_2=tok, unet=UNet2DConditionModel(**SDXL_UNET), scheduler=sched)
    pipe.to(torch.float16).save_pretrained(str(out), safe_serialization=True)
    del pipe
    return out


def _timed(fn) -> tuple[float, float]:
    """(seconds, peak allocated bytes) of one call."""
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t, torch.cuda.max_memory_allocated()


def bench(kind: str, args: argparse.Namespace, tmp: Path) -> None:
    import torch
    from diffusers import DiffusionPipeline

    from studio.core.errors import StudioError
    from studio.core.specs.memory_modes import SPEED_MODES
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import ImageSpec
    from studio.engines.context import EngineContext
    from studio.engines.diffusion.generate import run

    size = 512 if kind == "sd15" else 1024
    folder = build(kind, tmp / kind)
    print(f"\n== {kind} architecture, {size}², {args.steps} steps, CFG 7 ==", flush=True)

    plain = DiffusionPipeline.from_pretrained(str(folder), torch_dtype=torch.float16, local_files_only=True).to("cuda")
    plain.set_progress_bar_config(disable=True)

    def call_plain() -> None:
        plain(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=args.steps, guidance_scale=7.0, width=size,
              height=size, generator=torch.Generator("cpu").manual_seed(1))

    call_plain()  # warm-up
    runs = [_timed(call_plain) for _ in range(args.repeats)]
    ref = statistics.median(r[0] for r in runs)
    print(f"{'plain diffusers fp16+SDPA':34s} {args.steps / ref:6.2f} it/s {ref:7.2f} s/image "
          f"{max(r[1] for r in runs) / GB:6.2f} GB peak  ratio 1.00", flush=True)
    del plain
    torch.cuda.empty_cache()

    ctx = EngineContext.create(StudioPaths(tmp / "home"), Settings(preview_every=0, score_clip="none"), device="cuda")
    modes = [("none", s) for s in SPEED_MODES] + ([("offload", "off"), ("sequential", "off")] if kind == "sdxl" else [])
    for memory, speed in modes:
        spec = ImageSpec(prompt=PROMPT, negative_prompt=NEGATIVE, model=str(folder), seed=1, steps=args.steps,
                         width=size, height=size, guidance=7.0, scheduler="euler", memory_mode=memory,
                         speed_mode=speed)
        label = f"studio memory={memory} speed={speed}"
        try:
            run(spec, NullReporter(), CancelToken(), ctx)  # warm-up (compile is paid here, then cached)
            times = [_timed(lambda: run(spec, NullReporter(), CancelToken(), ctx)) for _ in range(args.repeats)]
        except StudioError as exc:
            print(f"{label:34s} refused: {exc}", flush=True)
            continue
        sec = statistics.median(t for t, _ in times)
        peak = max(p for _, p in times) / GB
        note = "  (≤ 8 GB goal: " + ("met" if peak <= 8.0 else "MISSED") + ")" if memory != "none" else ""
        print(f"{label:34s} {args.steps / sec:6.2f} it/s {sec:7.2f} s/image {peak:6.2f} GB peak  "
              f"ratio {ref / sec:4.2f}{note}", flush=True)
    ctx.cache.unload()  # the next architecture starts with an empty GPU
    torch.cuda.empty_cache()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", choices=("sd15", "sdxl"), default="")
    args = ap.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("gpu_diffusion: skipped, no CUDA GPU here (run it on a machine with one).")
        return 0
    print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    tmp = Path(tempfile.mkdtemp(prefix="aigc-gpu-bench-"))
    os.environ["AIGC_STUDIO_HOME"] = str(tmp / "home")
    try:
        for kind in (args.only,) if args.only else ("sd15", "sdxl"):
            bench(kind, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
