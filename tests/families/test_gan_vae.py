"""GAN and VAE families: real training on a tiny folder, artifacts that generate through the GAN engine."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs.image import GanSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from studio.engines.training.checkpoint import load_checkpoint
from studio.engines.training.run import trainer_class
from tests.families.conftest import Recorder

GAN_PARAMS = {"latent_dim": 16, "features": 8, "log_every": 5, "samples": 16}
VAE_PARAMS = {"latent_dim": 8, "features": 8, "log_every": 5}


def gan_spec(data, **kw) -> TrainSpec:
    base = dict(family="gan", data=str(data), out="tiny-gan", steps=30, batch=16, size=16, sample_every=10,
                checkpoint_every=0, params=GAN_PARAMS)
    return TrainSpec(**{**base, **kw})


def test_gan_trains_and_generates_through_the_gan_engine(shapes_dir, ctx, recorder):
    untrained = trainer_class("gan")(gan_spec(shapes_dir), Recorder(), CancelToken(), ctx)
    untrained.setup()
    before = untrained.sample_tensor()
    trainer = trainer_class("gan")(gan_spec(shapes_dir), recorder, CancelToken(), ctx)
    result = trainer.fit()
    assert not result.cancelled
    for key in ("g_loss", "d_loss", "D(x)", "D(G(z))"):
        values = recorder.series(key)
        assert len(values) == 6 and all(math.isfinite(v) for v in values), key
    assert all(0.0 <= v <= 1.0 for v in recorder.series("D(x)"))
    assert any("broken.png" in m for m in recorder.messages), "the unreadable image is reported"
    assert len(recorder.previews) == 3 and recorder.previews[0].size[0] > 16

    folder = ctx.paths.models / "tiny-gan"
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "gan" and card["latent_dim"] == 16 and card["size"] == 16 and card["channels"] == 3
    entry = next(e for e in ctx.registry.scan() if e.name == "tiny-gan")
    assert (entry.type, entry.status) == ("gan", "ok")

    out = run_spec(GanSpec(model="tiny-gan", seeds=(0, 1, 2, 3), columns=4), Recorder(), CancelToken(), ctx)
    grid = Image.open(out.outputs[0])
    assert grid.size == (4 * 16 + 5 * 2, 16 + 2 * 2)
    from studio.engines.gan.model import load_gan_folder
    from studio.engines.common.sampling import latent_for_seed

    gen = load_gan_folder(folder)
    with torch.no_grad():
        after = gen(torch.stack([latent_for_seed(s, 16) for s in range(16)]))
    # What the live preview showed is what the saved model generates for those seeds...
    assert torch.allclose(after, trainer.sample_tensor(), atol=1e-5)
    # ... and training changed it.
    assert (after - before).abs().mean() > 0.05


def test_gan_size_must_be_a_power_of_two(shapes_dir, ctx, recorder):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="power of two"):
        trainer_class("gan")(gan_spec(shapes_dir, size=24), recorder, CancelToken(), ctx).fit()


def test_cancel_keeps_a_checkpoint_and_resume_finishes(shapes_dir, ctx):
    cancel = CancelToken()
    rec = Recorder(cancel=cancel, cancel_at=12)
    result = trainer_class("gan")(gan_spec(shapes_dir, steps=20), rec, cancel, ctx).fit()
    assert result.cancelled
    state = load_checkpoint(result.checkpoint)
    assert state["step"] == 12 and set(state["modules"]) == {"generator", "discriminator"}
    assert not (ctx.paths.models / "tiny-gan").exists(), "no half-trained model is published"
    rec2 = Recorder()
    done = trainer_class("gan")(gan_spec(shapes_dir, steps=20, resume="last"), rec2, CancelToken(), ctx).fit()
    assert not done.cancelled and done.steps == 20
    assert rec2.progress_calls[0][0] == 13, "resumed after the checkpoint's step"
    assert json.loads((ctx.paths.models / "tiny-gan" / "studio_model.json").read_text())["trained_steps"] == 20


def vae_spec(data, **kw) -> TrainSpec:
    base = dict(family="vae", data=str(data), out="tiny-vae", steps=40, batch=16, size=16, lr=2e-3, sample_every=20,
                checkpoint_every=0, params=VAE_PARAMS)
    return TrainSpec(**{**base, **kw})


def test_vae_elbo_goes_down_and_samples_through_the_gan_engine(shapes_dir, ctx, recorder):
    result = trainer_class("vae")(vae_spec(shapes_dir), recorder, CancelToken(), ctx).fit()
    recon, kl = recorder.series("recon"), recorder.series("kl")
    assert len(recon) == 8 and all(math.isfinite(v) for v in recon + kl)
    assert recorder.series("loss")[-1] < 0.9 * recorder.series("loss")[0]
    assert kl[-1] > 0
    grid = recorder.previews[-1]  # 16 prior samples, 8 originals, 8 reconstructions: 4 rows of 8
    assert grid.size == (2 * (8 * 18 + 2), 2 * (4 * 18 + 2))

    folder = ctx.paths.models / "tiny-vae"
    assert result.outputs == (str(folder),)
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "vae" and card["latent_dim"] == 8 and card["beta"] == 1.0
    entry = next(e for e in ctx.registry.scan() if e.name == "tiny-vae")
    assert (entry.type, entry.status) == ("studio_vae", "ok")

    grid_out = run_spec(GanSpec(model="tiny-vae", seeds=(5, 6)), Recorder(), CancelToken(), ctx)
    again = run_spec(GanSpec(model="tiny-vae", seeds=(5, 6)), Recorder(), CancelToken(), ctx)
    a, b = (np.asarray(Image.open(r.outputs[0])) for r in (grid_out, again))
    assert a.shape == (16 + 4, 2 * 16 + 6, 3) and np.array_equal(a, b), "same seeds, same images"
    assert a.std() > 1.0, "the decoder draws something, not a flat image"
    walk = run_spec(GanSpec(model="tiny-vae", seeds=(5,), walk_to_seed=9, frames=4), Recorder(), CancelToken(), ctx)
    assert any(p.endswith(".gif") for p in walk.outputs)
