"""Step previews: the x0 tap on schedulers and the latent→RGB renderers."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from studio.core.specs.samplers import SCHEDULERS
from studio.engines.diffusion.previews import Previewer, X0Tap
from studio.engines.pipelines.schedulers import make_scheduler, x0_source
from tests.fixtures.tiny_models import SCHEDULER_CONFIG


@pytest.mark.parametrize("name", SCHEDULERS)
def test_tap_keeps_the_step_signature_and_finds_x0(name):
    sched = make_scheduler(name, SCHEDULER_CONFIG)
    original = inspect.signature(sched.step)
    tap = X0Tap(sched)
    assert inspect.signature(sched.step) == original  # pipelines look for `generator` / `eta` here
    sched.set_timesteps(4)
    torch.manual_seed(0)
    sample = torch.randn(1, 4, 8, 8) * sched.init_noise_sigma
    eps = torch.randn(1, 4, 8, 8)
    t = sched.timesteps[0]
    kwargs = {"generator": torch.Generator().manual_seed(0)} if "generator" in original.parameters else {}
    out = sched.step(eps, t, sched.scale_model_input(sample, t), return_dict=False, **kwargs)
    assert isinstance(out, tuple) and out[0].shape == sample.shape
    if x0_source(sched) == "none":
        assert tap.x0 is None
    else:
        assert tap.x0 is not None and tap.x0.shape == sample.shape
        assert not torch.equal(tap.x0, out[0])


def test_euler_x0_is_sample_minus_sigma_eps():
    sched = make_scheduler("euler", SCHEDULER_CONFIG)
    tap = X0Tap(sched)
    sched.set_timesteps(4)
    sample, eps = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    sigma = sched.sigmas[0]
    sched.step(eps, sched.timesteps[0], sample)
    assert torch.allclose(tap.x0, sample - sigma * eps, atol=1e-5)


def test_linear_preview_colours():
    prev = Previewer("sd", 4, (16, 16))
    gray = np.asarray(prev.render(torch.zeros(1, 4, 2, 2)))
    assert gray.shape == (16, 16, 3) and np.all(np.abs(gray.astype(int) - 128) <= 1)
    # SD latent channel 3 (negative on every colour, most on blue) darkens and yellows.
    c3 = torch.zeros(1, 4, 2, 2)
    c3[:, 3] = 1.0
    r, g, b = np.asarray(prev.render(c3)).reshape(-1, 3).mean(0)
    assert b < g < r < 128
    # The x0 estimate is rendered in preference to the noisy latents.
    noisy = torch.randn(1, 4, 2, 2) * 10
    assert np.array_equal(np.asarray(prev.render(noisy, torch.zeros_like(noisy))), gray)


def test_pixel_space_preview_is_the_clamped_prediction():
    prev = Previewer("studio", 3, (4, 4))
    x = torch.tensor([-5.0, 0.0, 5.0]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    arr = np.asarray(prev.render(x))
    assert prev.kind == "pixels" and tuple(arr[0, 0]) == (0, 128, 255)
