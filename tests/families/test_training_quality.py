"""Training families report FID/KID (CLIP features) on a schedule through the metrics stream."""
from __future__ import annotations

import math

from studio.core.progress import CancelToken
from studio.core.specs.training import TrainSpec
from studio.engines.training.run import trainer_class
from tests.clip.conftest import save_tiny_clip
from tests.families.conftest import Recorder


def _gan(data, **params) -> TrainSpec:
    return TrainSpec(family="gan", data=str(data), out="tiny-gan", steps=20, batch=8, size=16, sample_every=0,
                     checkpoint_every=0, params={"latent_dim": 16, "features": 8, "log_every": 5, "samples": 16,
                                                 **params})


def test_gan_reports_fid_and_kid_every_n_steps_beside_the_loss(shapes_dir, ctx):
    save_tiny_clip(ctx.paths.models / "tiny-clip")
    rec = Recorder(previews=False)
    done = trainer_class("gan")(_gan(shapes_dir, fid_every=10, fid_samples=16), rec, CancelToken(), ctx).fit()
    assert not done.cancelled
    fid_steps = [step for step, v in rec.metrics_rows if "fid" in v]
    assert fid_steps == [10, 20]
    assert all(math.isfinite(x) and x >= 0 for x in rec.series("fid")) and len(rec.series("kid")) == 2
    assert rec.series("d_loss"), "the losses still come through the same stream"


def test_without_a_usable_clip_training_goes_on_and_says_why_once(shapes_dir, ctx):
    rec = Recorder(previews=False)
    done = trainer_class("gan")(_gan(shapes_dir, fid_every=5, fid_clip="no-such-clip"), rec, CancelToken(),
                                ctx).fit()
    assert not done.cancelled and not rec.series("fid")
    assert sum("No FID/KID" in m for m in rec.messages) == 1


def test_vae_ddpm_and_text2img_provide_samples_to_measure():
    from studio.engines.training.trainer import Trainer

    for family in ("gan", "vae", "ddpm", "text2img"):
        assert trainer_class(family).quality_samples is not Trainer.quality_samples, family


def test_training_form_sends_fid_every_for_image_families_only(qtbot):
    from studio.ui.training_form import TrainingForm

    form = TrainingForm()
    qtbot.addWidget(form)
    form.family_combo.setCurrentIndex(form.family_combo.findData("gan"))
    form.fid_spin.setValue(50)
    assert form.params()["fid_every"] == 50
    form.family_combo.setCurrentIndex(form.family_combo.findData("text_lora"))
    assert "fid_every" not in form.params() and form.fid_spin.isHidden()
