"""CLIP-guided generation: the optimised latent's image scores clearly higher than the unguided start."""
from __future__ import annotations

import shutil

import pytest

from studio.core.errors import ModelError, SpecError
from studio.core.store.gallery import GalleryStore
from studio.core.pngmeta import read_png_parameters, read_png_score, read_png_text
from studio.core.progress import CancelToken
from studio.core.specs.image import GuidedSpec
from studio.core.specs.serial import spec_from_json
from studio.host.dispatch import run_spec
from tests.clip.conftest import save_tiny_clip
from tests.diffusion.conftest import RecordingReporter


def save_tiny_gan(folder, seed: int = 0):
    import torch

    from studio.engines.gan.model import DCGANConfig, Generator, init_weights, save_gan_folder

    torch.manual_seed(seed)
    gen = Generator(DCGANConfig(latent_dim=16, image_size=32, channels=3, features=8))
    gen.apply(init_weights)
    with torch.no_grad():  # random DCGAN weights draw near-black images; spread them over the colour range
        for m in gen.modules():
            if isinstance(m, torch.nn.ConvTranspose2d):
                m.weight.mul_(25.0)
    return save_gan_folder(folder, gen.eval(), name=folder.name)


@pytest.fixture()
def models(paths):
    save_tiny_gan(paths.models / "tiny-gan")
    save_tiny_clip(paths.models / "tiny-clip")  # random weights: enough to run the job
    return paths


@pytest.fixture()
def trained_models(paths, shape_clip):
    save_tiny_gan(paths.models / "tiny-gan")
    shutil.copytree(shape_clip[0], paths.models / "tiny-clip")  # a trained CLIP: red/blue squares and discs
    return paths


@pytest.mark.slow  # trains the shared tiny CLIP first (~25 s of CPU)
def test_guidance_raises_the_clip_score_of_a_fixed_seed(ctx, trained_models):
    rec = RecordingReporter()
    spec = GuidedSpec(prompt="a red square", model="tiny-gan", clip="tiny-clip", seed=3, steps=30, scale=2)
    result = run_spec(spec, rec, CancelToken(), ctx)
    start, final = result.start_score, result.clip_score
    assert final > start + 10.0, (start, final)
    assert 1 <= len(rec.previews) <= 30 and rec.previews[-1].size == (64, 64)  # held-out views may stop it early
    assert rec.progress_calls[-1] == (30, 30)
    png = result.outputs[0]
    assert read_png_score(png).score == pytest.approx(final, abs=0.01)
    assert spec_from_json(read_png_text(png)["aigc_studio"]) == spec  # the parameters to redo it
    again = run_spec(spec, RecordingReporter(previews=False), CancelToken(), ctx)
    assert again.clip_score == pytest.approx(final, abs=0.01)  # same seed, same result
    gallery = GalleryStore.open(trained_models)
    gallery.add(spec, result)
    assert gallery.search("score > 0", kind="guided")[0].score == pytest.approx(final)


def test_cancel_stops_the_optimisation(ctx, models):
    cancel = CancelToken()
    rec = RecordingReporter(cancel_after=3, cancel=cancel)
    spec = GuidedSpec(prompt="a red square", model="tiny-gan", clip="tiny-clip", steps=50, candidates=1)
    result = run_spec(spec, rec, cancel, ctx)
    assert result.cancelled and not result.outputs and rec.progress_calls[-1][0] == 3


def test_cancel_while_choosing_the_start(ctx, models):
    cancel = CancelToken()
    rec = RecordingReporter(cancel_after=1, cancel=cancel)
    spec = GuidedSpec(prompt="a red square", model="tiny-gan", clip="tiny-clip", steps=50, candidates=512)
    result = run_spec(spec, rec, cancel, ctx)
    assert result.cancelled and not result.outputs and rec.progress_calls == [(128, 512)]


def test_the_start_is_the_candidate_clip_ranks_best(ctx, models):
    import torch

    from studio.engines.clip.guided import candidate_latents, choose_start, latent_model
    from studio.engines.common.clip_model import load_clip

    spec = GuidedSpec(prompt="a red square", model="tiny-gan", clip="tiny-clip", seed=5, candidates=64)
    latent = latent_model(ctx, spec)
    clip = load_clip(ctx, "tiny-clip")
    with torch.no_grad():
        text = clip.encode_texts([spec.prompt])
        every = (clip.image_features(latent.decode(candidate_latents(latent, 5, 64))) @ text.T).flatten()
    class Logging(RecordingReporter):
        logs: list[str] = []

        def log(self, message: str) -> None:
            self.logs.append(message)

    rec = Logging()
    start = choose_start(latent, clip, text, spec, rec, CancelToken())
    with torch.no_grad():
        chosen = float(clip.image_features(latent.decode(start)) @ text.T)
    assert chosen == pytest.approx(float(every.max()), abs=1e-5) and chosen > float(every[0])  # beats the seed's own
    assert torch.equal(start, choose_start(latent, clip, text, spec, RecordingReporter(), CancelToken()))
    assert rec.progress_calls[-1] == (64, 64) and rec.logs == ["Start: image {} of 64 drawn from the seed (the one CLIP ranks best)".format(
        int(every.argmax()) + 1)]
    alone = choose_start(latent, clip, text, spec.replace(candidates=1), RecordingReporter(), CancelToken())
    assert torch.equal(alone, latent.start)  # 1: the seed's latent, as before


def test_bad_choices_are_clear(ctx, models, tiny_sd_dir):
    with pytest.raises(SpecError, match="prompt"):
        run_spec(GuidedSpec(prompt=" ", model="tiny-gan", clip="tiny-clip"), RecordingReporter(), CancelToken(), ctx)
    with pytest.raises(ModelError, match="optimises the latent of a GAN or a VAE"):
        run_spec(GuidedSpec(prompt="a cat", model=str(tiny_sd_dir), clip="tiny-clip"), RecordingReporter(),
                 CancelToken(), ctx)
    with pytest.raises(ModelError, match="not a CLIP"):
        run_spec(GuidedSpec(prompt="a cat", model="tiny-gan", clip="tiny-gan"), RecordingReporter(), CancelToken(),
                 ctx)


def test_a_diffusers_vae_latent_is_guided_too(ctx, paths):
    from tests.fixtures.tiny_models import _tiny_vae

    _tiny_vae().save_pretrained(str(paths.models / "tiny-vae"), safe_serialization=True)
    save_tiny_clip(paths.models / "rand-clip")
    rec = RecordingReporter()
    spec = GuidedSpec(prompt="a blue disc", model="tiny-vae", clip="rand-clip", seed=1, steps=3, size=32, scale=1)
    result = run_spec(spec, rec, CancelToken(), ctx)
    assert len(rec.previews) == 3 and rec.previews[-1].size == (32, 32)
    assert read_png_score(result.outputs[0]).clip == "rand-clip"


def test_cli_searches_the_starts_it_is_told(ctx, models, capsys):
    from studio.cli import main

    rc = main(["generate", "guided", "--prompt", "a red square", "--model", "tiny-gan", "--clip", "tiny-clip",
               "--seed", "4", "--steps", "2", "--candidates", "32", "--scale", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and out.strip().endswith(".png")
    png = out.strip().splitlines()[-1]
    assert "Starts searched: 32" in read_png_text(png)["parameters"]


def test_the_built_in_faces_gan_is_guided(ctx, models):
    """The window's Guided picker lists the built-in DCGAN first: its path is a package file, not a folder."""
    spec = GuidedSpec(prompt="a smiling face", model="Faces (DCGAN)", clip="tiny-clip", seed=1, steps=1,
                      candidates=4, scale=1)
    result = run_spec(spec, RecordingReporter(previews=False), CancelToken(), ctx)
    assert result.outputs and result.model == "Faces (DCGAN)"
