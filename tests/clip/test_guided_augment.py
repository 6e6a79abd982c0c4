"""CLIP guidance against adversarial latents: augmented views are what is scored, held-out views stop the run,
the latent stays on a Gaussian sample's shell."""
from __future__ import annotations

import torch

import studio.engines.clip.guided as guided
from studio.core.progress import CancelToken
from studio.core.specs.image import GuidedSpec
from studio.host.dispatch import run_spec
from tests.clip.test_guided import models  # noqa: F401  (fixture: tiny GAN + random tiny CLIP)
from tests.diffusion.conftest import RecordingReporter


def test_views_are_crops_cutouts_and_noise(monkeypatch):
    image = torch.linspace(-1, 1, 3 * 32 * 32).view(1, 3, 32, 32)
    views = guided.augmented_views(image, torch.Generator().manual_seed(0), 8)
    assert views.shape == (8, 3, 32, 32)
    assert all((v - image[0]).abs().mean() > 1e-3 for v in views)  # no view is the image itself
    monkeypatch.setattr(guided, "NOISE_MAX", 0.0)
    clean = guided.augmented_views(image, torch.Generator().manual_seed(0), 8)
    cut = [(v == 0).all(0).sum().item() for v in clean]  # pixels of a grey cutout
    assert sum(c > 0 for c in cut) >= 2 and max(cut) < 0.3 * 32 * 32
    again = guided.augmented_views(image, torch.Generator().manual_seed(0), 8)
    assert torch.equal(clean, again)  # a seed's views are the same (held-out views rely on it)


def test_guidance_scores_augmented_views_and_keeps_the_shell(ctx, models, monkeypatch):  # noqa: F811
    calls = []
    real = guided.augmented_views

    def spy(image, generator, views=guided.VIEWS):
        out = real(image, generator, views)
        calls.append((views, image.requires_grad, out))
        return out

    monkeypatch.setattr(guided, "augmented_views", spy)
    kept = []
    real_guide = guided.guide
    monkeypatch.setattr(guided, "guide", lambda *a, **k: kept.append(real_guide(*a, **k)) or kept[-1])
    spec = GuidedSpec(prompt="a red square", model="tiny-gan", clip="tiny-clip", seed=2, steps=4, scale=1)
    run_spec(spec, RecordingReporter(), CancelToken(), ctx)
    optimised = [c for c in calls if c[1]]
    held = [c for c in calls if not c[1]]
    assert len(optimised) == 4 and all(n == guided.VIEWS for n, _g, _o in optimised)  # the loss sees the views
    assert len(held) >= 4 and all(n == guided.HELD_OUT for n, _g, _o in held)
    z = kept[0]
    assert abs(float(z.flatten().norm()) - z.numel() ** 0.5) < 1e-3


def test_early_stopping_on_held_out_views(ctx, models):  # noqa: F811
    from studio.engines.common.clip_model import load_clip

    clip = load_clip(ctx, "tiny-clip")
    fixed = torch.rand(1, 3, 32, 32) * 2 - 1
    latent = guided.Latent(decode=lambda z: fixed + 0 * z.sum(), start=torch.randn(1, 16), name="flat", entry=None)
    rec = RecordingReporter()
    spec = GuidedSpec(prompt="a red square", seed=1, steps=200, candidates=1)  # the steps alone
    z = guided.guide(latent, clip, spec, rec, CancelToken())
    assert z is not None and len(rec.progress_calls) == guided.PATIENCE + 1  # nothing improves: it stops
    assert rec.progress_calls[-1] == (200, 200)
