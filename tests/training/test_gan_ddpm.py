"""GAN and unconditional DDPM families at tiny scale: they train, checkpoint, and their artifacts load."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from studio.core.progress import CancelToken
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from tests.training.test_text2img import Recorder


def test_gan_losses_stay_finite_samples_change_and_the_generator_loads(cpu_ctx):
    rep = Recorder(previews=True)
    spec = TrainSpec(family="gan", data="digits", out="tiny-gan", steps=24, batch=16, lr=2e-4, size=16, seed=3,
                     sample_every=12, checkpoint_every=0,
                     params={"features": 8, "latent_dim": 16, "log_every": 1, "limit": 200})
    result = run_spec(spec, rep, CancelToken(), cpu_ctx)
    values = [v for _, v in rep.metrics_seen]
    assert len(values) == 24 and all(np.isfinite([v["d_loss"], v["g_loss"]]).all() for v in values)
    a, b = (np.asarray(p, dtype=np.float32) for p in rep.previews)
    assert np.abs(a - b).max() >= 8 and np.abs(a - b).mean() > 0.1  # fixed-noise samples changed while training

    folder = Path(result.outputs[0])
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "gan" and card["image_size"] == 16 and card["channels"] == 1
    entry = cpu_ctx.registry.resolve("tiny-gan", task="image")
    assert entry.type == "gan" and entry.usable
    from studio.engines.gan.model import load_gan_folder

    gen = load_gan_folder(folder)
    with torch.no_grad():
        img = gen(torch.randn(2, 16))
    assert img.shape == (2, 1, 16, 16) and float(img.abs().max()) <= 1.0


def test_ddpm_loss_falls_and_the_pipeline_samples_with_plain_diffusers(cpu_ctx):
    rep = Recorder()
    spec = TrainSpec(family="ddpm", data="digits", out="tiny-ddpm", steps=30, batch=8, lr=2e-3, size=16, seed=0,
                     sample_every=0, checkpoint_every=0,
                     params={"channels": [8, 16], "warmup": 3, "log_every": 1, "limit": 100})
    result = run_spec(spec, rep, CancelToken(), cpu_ctx)
    losses = [v["loss"] for _, v in rep.metrics_seen]
    assert sum(losses[-6:]) / 6 < 0.8 * sum(losses[:6]) / 6
    folder = Path(result.outputs[0])
    assert json.loads((folder / "studio_model.json").read_text())["type"] == "ddpm"
    assert cpu_ctx.registry.resolve("tiny-ddpm").type == "studio_ddpm"

    from diffusers import DDPMPipeline, DPMSolverMultistepScheduler, DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(str(folder), local_files_only=True)
    assert isinstance(pipe, DDPMPipeline)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    out = pipe(batch_size=2, num_inference_steps=3, generator=torch.Generator().manual_seed(0), output_type="np")
    assert out.images.shape == (2, 16, 16, 1)


def test_vae_elbo_falls_and_the_saved_model_decodes_prior_samples(cpu_ctx):
    rep = Recorder(previews=True)
    spec = TrainSpec(family="vae", data="digits", out="tiny-vae", steps=30, batch=16, lr=5e-3, size=16, seed=0,
                     sample_every=30, checkpoint_every=0,
                     params={"latent_dim": 4, "width": 8, "beta": 1.0, "log_every": 1, "limit": 200})
    result = run_spec(spec, rep, CancelToken(), cpu_ctx)
    values = [v for _, v in rep.metrics_seen]
    assert {"recon", "kl", "loss"} <= values[0].keys()
    assert sum(v["loss"] for v in values[-5:]) < 0.8 * sum(v["loss"] for v in values[:5])
    assert len(rep.previews) == 1
    folder = Path(result.outputs[0])
    assert cpu_ctx.registry.resolve("tiny-vae").type == "studio_vae"
    from studio.engines.training.vae import load_vae_folder

    vae = load_vae_folder(folder)
    with torch.no_grad():
        img = vae.decode(torch.randn(3, 4))
    assert img.shape == (3, 1, 16, 16)
