"""CPU speed of the default 20-step Euler + full-VAE path vs the few-step 4-step LCM + TAESD path, at 512².

Builds an SD1.5-architecture UNet and VAE from the studio's offline configs (``resources/configs/sd1``) and a
TAESD from its published config (below), all with random weights: nothing is downloaded, and the cost of a
step does not depend on the weights' values. Then, in one run on this CPU:

- one Euler step with CFG (batch 2, as at CFG 7.5) and one LCM step without CFG (batch 1, LCM-LoRA's CFG 1:
  diffusers skips the unconditional pass at CFG ≤ 1), each through the studio's own schedulers
  (``studio.engines.pipelines.schedulers.make_scheduler``), timed over ``--steps`` real steps (median) after
  one untimed warm-up step (the first call at a shape builds its kernels, as once per engine process);
- a full-VAE decode and a TAESD decode of the 64×64 latent (after a small untimed warm-up decode each);
- the two paths: 20 × CFG step + VAE decode vs 4 × LCM step + TAESD decode (the steps' median times the
  step count; ``--full`` runs all 20 + 4 steps instead), their ratio, and peak RSS after each phase.

The text encoder (once per image, ~0.3 s) is left out of both paths. Then the OpenVINO backend
(``openvino_unet_step``): the UNet exported with int8 weights (``--openvino-fp32``: float32 too) and one CFG UNet
call on it interleaved with one on PyTorch, round by round, so both see the same load (needs
requirements/openvino.txt; "not measured" without it). ``--only-openvino`` skips the sampler paths.

    .venv/bin/python benchmarks/cpu_diffusion.py [--steps 2] [--size 512] [--full] [--only-openvino] [--openvino-fp32]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SD1 = ROOT / "resources" / "configs" / "sd1"

TAESD_CONFIG = {  # madebyollin/taesd's config.json (diffusers AutoencoderTiny), as published
    "in_channels": 3, "out_channels": 3, "encoder_block_out_channels": [64, 64, 64, 64],
    "decoder_block_out_channels": [64, 64, 64, 64], "act_fn": "relu", "latent_channels": 4,
    "upsampling_scaling_factor": 2, "num_encoder_blocks": [1, 3, 3, 3], "num_decoder_blocks": [3, 3, 3, 1],
    "latent_magnitude": 3, "latent_shift": 0.5, "scaling_factor": 1.0,
}
CFG_STEPS, FEW_STEPS = 20, 4


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def build(size: int):
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_config(json.loads((SD1 / "unet" / "config.json").read_text())).eval()
    vae = AutoencoderKL.from_config(json.loads((SD1 / "vae" / "config.json").read_text())).eval()
    taesd = AutoencoderTiny.from_config(TAESD_CONFIG).eval()
    scheduler_config = json.loads((SD1 / "scheduler" / "scheduler_config.json").read_text())
    return unet, vae, taesd, scheduler_config


def denoise(unet, scheduler, latents, text, steps: int, cfg: bool, step_times: list[float]):
    """``steps`` real denoising steps as StableDiffusionPipeline runs them; each step's time appended."""
    import torch

    for t in scheduler.timesteps[:steps]:
        start = time.perf_counter()
        model_in = torch.cat([latents] * 2) if cfg else latents
        model_in = scheduler.scale_model_input(model_in, t)
        noise = unet(model_in, t, encoder_hidden_states=text).sample
        if cfg:
            uncond, cond = noise.chunk(2)
            noise = uncond + 7.5 * (cond - uncond)
        latents = scheduler.step(noise, t, latents).prev_sample
        step_times.append(time.perf_counter() - start)
    return latents


# ---------------------------------------------------------------------------------------------------------
# OPENVINO (issue 21 item 5): the same UNet exported by the studio's own backend (studio.engines.diffusion.
# openvino_unet: convert_model, int8 weights through NNCF) into a temporary folder, run through its UNet wrapper.
def openvino_unet_step(unet: Any, sample: Any, timestep: Any, text: Any, rounds: int = 3,
                       precisions: tuple[str, ...] = ("int8",)) -> dict[str, Any] | None:
    """One CFG UNet call (batch 2) on PyTorch and on OpenVINO, interleaved: ``rounds`` × (PyTorch, each OpenVINO
    precision), so that all see the same load of a shared machine; medians in seconds, the export times and the
    peak RSS after each phase. None when openvino/nncf are not installed."""
    import tempfile

    from studio.core.progress import CancelToken, NullReporter
    from studio.engines.diffusion import openvino_unet as ov

    backends = {"int8": "openvino", "fp32": "openvino_fp32"}
    missing = sorted({m for p in precisions for m in ov.missing_packages(p)})
    if missing:
        print(f"OpenVINO UNet step: not measured ({', '.join(missing)} not installed: "
              "pip install -r requirements/openvino.txt)")
        return None
    out: dict[str, Any] = {"export_s": {}, "rss": {}}
    with tempfile.TemporaryDirectory(prefix="ov-bench-") as tmp:
        nets = {}
        for precision in precisions:
            start = time.perf_counter()
            nets[precision] = ov.openvino_unet(unet, Path(tmp), "benchmark", backends[precision], NullReporter(),
                                               CancelToken(), "unet", {})
            nets[precision](sample, timestep, encoder_hidden_states=text)  # compiles for this shape (untimed)
            out["export_s"][precision] = time.perf_counter() - start
            out["rss"][precision] = peak_rss_mib()
            print(f"OpenVINO {precision}: exported, compiled and warmed up in {out['export_s'][precision]:.0f} s "
                  f"(IR {nets[precision].cache_bytes / 2**20:.0f} MiB); peak RSS {peak_rss_mib():.0f} MiB", flush=True)
        times: dict[str, list[float]] = {"pytorch": [], **{p: [] for p in precisions}}
        for _round in range(rounds):
            times["pytorch"].append(timed(lambda: unet(sample, timestep, encoder_hidden_states=text).sample))
            for precision, net in nets.items():
                times[precision].append(timed(lambda: net(sample, timestep, encoder_hidden_states=text).sample))
            print("interleaved round: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
    out.update({k: statistics.median(v) for k, v in times.items()})
    return out
# ---------------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2, help="steps timed per sampler (median taken); default 2")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--full", action="store_true", help="run all 20 Euler and 4 LCM steps instead of projecting")
    ap.add_argument("--only-openvino", action="store_true", help="measure only the OpenVINO vs PyTorch UNet step")
    ap.add_argument("--openvino-fp32", action="store_true", help="also measure OpenVINO in float32 (one more export)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved PyTorch/OpenVINO rounds (median); default 3")
    args = ap.parse_args()

    import torch

    from studio.engines.pipelines.schedulers import make_scheduler

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, {args.size}² (latent {args.size // 8}²)", flush=True)
    unet, vae, taesd, scheduler_config = build(args.size)
    print(f"built UNet {sum(p.numel() for p in unet.parameters()) / 1e6:.0f} M, VAE "
          f"{sum(p.numel() for p in vae.parameters()) / 1e6:.1f} M, TAESD "
          f"{sum(p.numel() for p in taesd.parameters()) / 1e6:.1f} M parameters (random weights); "
          f"peak RSS {peak_rss_mib():.0f} MiB", flush=True)
    side = args.size // 8
    gen = torch.Generator("cpu").manual_seed(0)
    text_cfg = torch.randn(2, 77, 768, generator=gen)  # CLIP ViT-L/14 hidden states (uncond + cond)
    text_one = text_cfg[1:]
    euler_n = CFG_STEPS if args.full else min(args.steps, CFG_STEPS - 1)
    lcm_n = FEW_STEPS if args.full else min(args.steps, FEW_STEPS - 1)

    precisions = ("int8", "fp32") if args.openvino_fp32 else ("int8",)
    if args.only_openvino:
        with torch.inference_mode():
            euler = make_scheduler("euler", scheduler_config)
            euler.set_timesteps(CFG_STEPS)
            sample = torch.randn(2, 4, side, side, generator=gen)
            unet(sample, euler.timesteps[0], encoder_hidden_states=text_cfg)  # warm-up (untimed)
            ov = openvino_unet_step(unet, sample, euler.timesteps[0], text_cfg, args.rounds, precisions)
        report_openvino(ov)
        return 0
    with torch.inference_mode():
        euler = make_scheduler("euler", scheduler_config)
        euler.set_timesteps(CFG_STEPS)
        latents = torch.randn(1, 4, side, side, generator=gen) * euler.init_noise_sigma
        unet(torch.cat([latents] * 2), euler.timesteps[0], encoder_hidden_states=text_cfg)  # warm-up (untimed)
        unet(latents, euler.timesteps[0], encoder_hidden_states=text_one)
        print(f"warm-up: one UNet call at batch 2 and 1; peak RSS {peak_rss_mib():.0f} MiB", flush=True)
        euler_times: list[float] = []
        denoise(unet, euler, latents, text_cfg, euler_n, True, euler_times)
        print(f"Euler + CFG step (batch 2): {', '.join(f'{t:.2f}' for t in euler_times)} s; "
              f"peak RSS {peak_rss_mib():.0f} MiB", flush=True)

        lcm = make_scheduler("lcm", scheduler_config)
        lcm.set_timesteps(FEW_STEPS)
        latents = torch.randn(1, 4, side, side, generator=gen) * lcm.init_noise_sigma
        lcm_times: list[float] = []
        final = denoise(unet, lcm, latents, text_one, lcm_n, False, lcm_times)
        print(f"LCM step, CFG 1 (batch 1): {', '.join(f'{t:.2f}' for t in lcm_times)} s; "
              f"peak RSS {peak_rss_mib():.0f} MiB", flush=True)

        small = torch.randn(1, 4, 8, 8, generator=gen)
        vae.decode(small).sample, taesd.decode(small).sample  # warm-up at 64² (untimed)
        scaled = final / vae.config.scaling_factor
        vae_s = timed(lambda: vae.decode(scaled).sample)
        rss_vae = peak_rss_mib()
        taesd_s = timed(lambda: taesd.decode(final).sample)  # TAESD reads the UNet's scaled latents directly
        print(f"decode: full VAE {vae_s:.2f} s (peak RSS {rss_vae:.0f} MiB), TAESD {taesd_s:.2f} s "
              f"(peak RSS {peak_rss_mib():.0f} MiB)", flush=True)

        ov = openvino_unet_step(unet, torch.cat([final] * 2), euler.timesteps[0], text_cfg, args.rounds, precisions)

    euler_step, lcm_step = statistics.median(euler_times), statistics.median(lcm_times)
    slow = sum(euler_times) + vae_s if args.full else CFG_STEPS * euler_step + vae_s
    fast = sum(lcm_times) + taesd_s if args.full else FEW_STEPS * lcm_step + taesd_s
    how = "measured end to end" if args.full else f"median of {len(euler_times)}/{len(lcm_times)} timed steps × step count"
    print()
    print(f"| path ({args.size}², {how}) | seconds per step | steps | decode | total |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| Euler, CFG 7.5 + full VAE | {euler_step:.2f} | {CFG_STEPS} | {vae_s:.2f} | {slow:.1f} s |")
    print(f"| LCM, CFG 1 + TAESD | {lcm_step:.2f} | {FEW_STEPS} | {taesd_s:.2f} | {fast:.1f} s |")
    print(f"ratio (20-step Euler + VAE) / (4-step LCM + TAESD): {slow / fast:.1f}× (expected ≥ 8×)")
    print(f"decode ratio VAE / TAESD: {vae_s / taesd_s:.1f}×; peak RSS {peak_rss_mib():.0f} MiB; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    report_openvino(ov)
    return 0


def report_openvino(ov: dict[str, Any] | None) -> None:
    """The interleaved OpenVINO vs PyTorch CFG UNet step (batch 2) as a table, with ratios."""
    if ov is None:
        return
    print()
    print("| CFG UNet step (batch 2), interleaved | seconds | vs PyTorch | export + compile | peak RSS after |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| PyTorch float32 | {ov['pytorch']:.2f} | 1.00× | | |")
    for precision, seconds in ov["export_s"].items():
        print(f"| OpenVINO {precision} weights | {ov[precision]:.2f} | {ov['pytorch'] / ov[precision]:.2f}× | "
              f"{seconds:.0f} s | {ov['rss'][precision]:.0f} MiB |")
    print(f"OpenVINO int8 UNet step: {ov['int8']:.2f} s vs PyTorch {ov['pytorch']:.2f} s: "
          f"{ov['pytorch'] / ov['int8']:.2f}× (goal ≥ 1.5×); peak RSS {peak_rss_mib():.0f} MiB; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
