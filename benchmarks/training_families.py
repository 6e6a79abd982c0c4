"""Steps/s of the studio's DDPM and diffusion-LoRA trainers vs a minimal plain torch/diffusers loop.

Both sides do the same work per step (same model, batch, optimizer, noise schedule); the studio
side runs the real trainer's ``fit()`` with its progress reporting, loss metrics and seeded
per-step generators (no sample grids, no checkpoints in between). Rounds alternate so machine
load hits both alike; the median ratio studio/plain is printed (goal ≥ 0.95). Figures are printed,
not asserted.

    .venv/bin/python benchmarks/training_families.py [--steps 30] [--rounds 3] [--device cpu]
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

DDPM = {"channels": (32, 64, 64), "layers_per_block": 1, "attention_levels": (False, True, True), "log_every": 10}


def _studio(family: str, ctx, data: str, steps: int, size: int, batch: int, base: str = "", params=None) -> float:
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.specs.training import TrainSpec
    from studio.engines.training.run import trainer_class

    spec = TrainSpec(family=family, data=data, out=f"bench-{family}", steps=steps, batch=batch, size=size, base=base,
                     lr=1e-4, sample_every=0, checkpoint_every=0, params=dict(params or {}))
    trainer = trainer_class(family)(spec, NullReporter(), CancelToken(), ctx)
    trainer.write_artifact = lambda: Path(".")  # time the training loop, not the final save
    # The trainer's own figure: steps over the loop's time (setup and model loading excluded, as for plain).
    return float(trainer.fit().steps_per_s)


def _plain_ddpm(data_dir: Path, steps: int, size: int, batch: int, device: str) -> float:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from diffusers import DDPMScheduler, UNet2DModel
    from PIL import Image

    imgs = [np.asarray(Image.open(p).convert("RGB").resize((size, size))) for p in sorted(data_dir.glob("*.png"))]
    data = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div(127.5).sub(1).to(device)
    unet = UNet2DModel(sample_size=size, in_channels=3, out_channels=3, layers_per_block=1,
                       block_out_channels=DDPM["channels"], norm_num_groups=32,
                       down_block_types=("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D")).to(device)
    sched = DDPMScheduler(num_train_timesteps=1000)
    opt = torch.optim.AdamW(unet.parameters(), lr=1e-4)
    t0 = time.perf_counter()
    for _ in range(steps):
        x0 = data[torch.randint(0, len(data), (batch,))]
        noise = torch.randn_like(x0)
        t = torch.randint(0, 1000, (batch,), device=device)
        loss = F.mse_loss(unet(sched.add_noise(x0, noise, t), t).sample, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
    float(loss)
    return steps / (time.perf_counter() - t0)


def _plain_lora(sd_dir: Path, data_dir: Path, steps: int, size: int, batch: int, device: str) -> float:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from diffusers import DDPMScheduler, StableDiffusionPipeline
    from peft import LoraConfig
    from PIL import Image

    pipe = StableDiffusionPipeline.from_pretrained(str(sd_dir), local_files_only=True, safety_checker=None,
                                                   requires_safety_checker=False).to(device)
    for m in (pipe.unet, pipe.vae, pipe.text_encoder):
        m.requires_grad_(False)
    imgs = [np.asarray(Image.open(p).convert("RGB").resize((size, size))) for p in sorted(data_dir.glob("*.png"))]
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div(127.5).sub(1).to(device)
    with torch.no_grad():
        latents = pipe.vae.encode(x).latent_dist.mean * pipe.vae.config.scaling_factor
        ids = pipe.tokenizer(["a shape"], padding="max_length", max_length=77, return_tensors="pt").input_ids
        emb = pipe.text_encoder(ids.to(device))[0]
    pipe.unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights="gaussian",
                                     target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    params = [p for p in pipe.unet.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-2)
    sched = DDPMScheduler.from_config(pipe.scheduler.config)
    t0 = time.perf_counter()
    for _ in range(steps):
        lat = latents[torch.randint(0, len(latents), (batch,))]
        noise = torch.randn_like(lat)
        t = torch.randint(0, 1000, (batch,), device=device)
        pred = pipe.unet(sched.add_noise(lat, noise, t), t, encoder_hidden_states=emb.expand(batch, -1, -1)).sample
        loss = F.mse_loss(pred, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    float(loss)
    return steps / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", type=int, default=32, help="DDPM image side (LoRA uses 64 px on the tiny SD)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aigc-bench-train-"))
    os.environ["AIGC_STUDIO_HOME"] = str(tmp / "home")
    try:
        return _bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, tmp: Path) -> int:
    import torch

    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from tests.families.conftest import make_shapes_folder
    from tests.fixtures.tiny_models import build_tiny_sd

    torch.manual_seed(0)
    ctx = EngineContext.create(StudioPaths(tmp / "home"), Settings(scan_hf_cache=False), device=args.device)
    shapes = make_shapes_folder(tmp / "shapes", n=32, size=args.size, rgb=True)
    shapes64 = make_shapes_folder(tmp / "shapes64", n=8, size=64, rgb=True)
    sd = build_tiny_sd(tmp / "tiny-sd")
    rows = {"ddpm": ([], []), "lora": ([], [])}
    for _ in range(args.rounds):
        rows["ddpm"][1].append(_plain_ddpm(shapes, args.steps, args.size, args.batch, args.device))
        rows["ddpm"][0].append(_studio("ddpm", ctx, str(shapes), args.steps, args.size, args.batch, params=DDPM))
        rows["lora"][1].append(_plain_lora(sd, shapes64, args.steps, 64, 4, args.device))
        rows["lora"][0].append(_studio("lora", ctx, str(shapes64), args.steps, 64, 4, base=str(sd),
                                       params={"rank": 4, "alpha": 4, "instance_prompt": "a shape",
                                               "log_every": 10}))
    print(f"device {args.device}, torch threads {torch.get_num_threads()}, {args.steps} steps × {args.rounds} rounds")
    for fam, (studio, plain) in rows.items():
        ratios = [s / p for s, p in zip(studio, plain)]
        print(f"{fam:5s} studio {statistics.median(studio):7.2f} steps/s   plain {statistics.median(plain):7.2f} steps/s"
              f"   ratio studio/plain median {statistics.median(ratios):.3f} (goal ≥ 0.95)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
