"""The accelerate options every family shares: gradient accumulation, mixed precision, per-process batches."""
from __future__ import annotations

import math

import pytest
import torch

from studio.core.errors import SpecError, StudioError
from studio.core.progress import CancelToken
from studio.core.specs.training import TrainSpec
from studio.engines.training.run import trainer_class
from tests.families.conftest import Recorder

VAE = {"latent_dim": 8, "features": 8, "log_every": 1}


def vae_spec(data, **params) -> TrainSpec:
    return TrainSpec(family="vae", data=str(data), out="acc-vae", steps=3, batch=8, size=16, sample_every=0,
                     checkpoint_every=0, params={**VAE, **params})


def test_grad_accum_steps_the_optimizer_once_per_step_over_n_batches(shapes_dir, ctx):
    rec = Recorder()
    accum = trainer_class("vae")(vae_spec(shapes_dir, grad_accum=3), rec, CancelToken(), ctx)
    accum.fit()
    adam = accum.optimizers["adam"]
    assert {int(s["step"]) for s in adam.state.values()} == {3}  # 3 optimizer steps, not 9
    assert [step for step, _ in rec.metrics_rows] == [1, 2, 3] and all(math.isfinite(v["loss"])
                                                                       for _, v in rec.metrics_rows)
    assert any("gradient accumulation 3 (effective batch 24)" in m for m in rec.messages)
    plain = trainer_class("vae")(vae_spec(shapes_dir, grad_accum=1).replace(out="plain-vae"), Recorder(),
                                 CancelToken(), ctx)
    plain.fit()
    a, b = accum.vae.state_dict(), plain.vae.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a), "the accumulated batches changed the update"


def test_the_batch_seed_folds_in_the_process_and_the_accumulation_index(shapes_dir, ctx):
    t = trainer_class("vae")(vae_spec(shapes_dir, grad_accum=2), Recorder(), CancelToken(), ctx)
    from studio.engines.training.trainer import step_seed

    first = t.cpu_generator(5).initial_seed()
    assert first == step_seed(0, 5, 0)  # process 0, first batch: the seeds of a plain run (resume stays exact)
    t.micro = 1
    second = t.cpu_generator(5).initial_seed()
    t.micro = 0
    t._accelerator = type("Rank1", (), {"process_index": 1})()  # what the second process of a launch sees
    rank1 = t.cpu_generator(5).initial_seed()
    assert len({first, second, rank1}) == 3


def test_bf16_runs_on_the_cpu_and_fp16_there_is_one_clear_line(shapes_dir, ctx):
    rec = Recorder()
    result = trainer_class("vae")(vae_spec(shapes_dir, mixed_precision="bf16"), rec, CancelToken(), ctx).fit()
    assert result.steps == 3 and all(math.isfinite(v["loss"]) for _, v in rec.metrics_rows)
    assert any("mixed precision bf16" in m for m in rec.messages)
    with pytest.raises(StudioError, match="fp16 needs a CUDA GPU"):
        trainer_class("vae")(vae_spec(shapes_dir, mixed_precision="fp16").replace(out="fp16-vae"), Recorder(),
                             CancelToken(), ctx).fit()
    with pytest.raises(SpecError, match="mixed_precision must be one of auto, no, fp16, bf16"):
        vae_spec(shapes_dir, mixed_precision="fp8").validate()
    with pytest.raises(SpecError, match="grad_accum must be a whole number"):
        vae_spec(shapes_dir, grad_accum=0).validate()


def test_auto_mixed_precision_is_what_each_family_always_did():
    from studio.engines.training.accel import resolve_mixed_precision

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert resolve_mixed_precision("auto", cuda, None) == "bf16"  # diffusion/transformer families on a GPU
    assert resolve_mixed_precision("auto", cuda, False) == "no"  # GAN/VAE, and older specs with amp=false
    assert resolve_mixed_precision("auto", cpu, True) == "no" and resolve_mixed_precision("bf16", cpu) == "bf16"
    assert not trainer_class("gan").autocast_by_default and not trainer_class("vae").autocast_by_default
    assert trainer_class("ddpm").autocast_by_default and trainer_class("text2img").autocast_by_default
