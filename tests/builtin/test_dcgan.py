"""DCGAN: the configurable classes, the real gan-face-generate weights, seed grids and latent walks."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.models.builtin_models import faces_entry
from studio.core.errors import ModelError, SpecError
from studio.core.progress import CancelToken, NullReporter
from studio.core.specs.image import GanSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.host.dispatch import run_spec
from studio.engines.gan.faces import load_gan
from studio.engines.gan.model import (DCGANConfig, Discriminator, Generator, init_weights, load_gan_folder,
                                      save_gan_folder)
from studio.engines.common.sampling import images_for_seeds, latent_for_seed, slerp


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_generator_and_discriminator_shapes(size):
    cfg = DCGANConfig(latent_dim=8, image_size=size, channels=1, features=4)
    g, d = Generator(cfg), Discriminator(cfg)
    img = g(torch.randn(2, 8))
    assert img.shape == (2, 1, size, size) and img.abs().max() <= 1
    assert d(img).shape == (2,)


@pytest.mark.parametrize("size", [8, 48, 256])
def test_bad_sizes_are_refused(size):
    with pytest.raises(SpecError, match="power of two from 16 to 128"):
        Generator(DCGANConfig(image_size=size))


def test_gan_folder_round_trip(tmp_path):
    torch.manual_seed(0)
    g = Generator(DCGANConfig(latent_dim=16, image_size=32, features=8))
    g.apply(init_weights)
    folder = save_gan_folder(tmp_path / "my-gan", g, "My GAN", Discriminator(g.config))
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "gan" and card["image_size"] == 32 and card["latent_dim"] == 16
    g2 = load_gan_folder(folder)
    z = torch.randn(3, 16)
    with torch.no_grad():
        assert torch.equal(g.eval()(z), g2(z))


def _face_stats(images):
    a = np.stack([np.asarray(im, dtype=np.float64) / 255 for im in images])
    centre = a[:, 16:48, 16:48].mean(axis=(1, 2))
    grey = a.mean(axis=3)
    neighbour = [np.corrcoef(x[:, :-1].ravel(), x[:, 1:].ravel())[0, 1] for x in grey]
    return a.std(axis=(1, 2, 3)), centre, np.array(neighbour)


def test_real_faces_are_faces_not_noise(paths):
    gen = load_gan(faces_entry(), paths)
    images = images_for_seeds(gen, range(32))
    assert all(im.size == (64, 64) and im.mode == "RGB" for im in images)
    std, centre, neighbour = _face_stats(images)
    assert ((std > 0.04) & (std < 0.4)).all()  # contrast of a photo, neither flat nor uniform noise (~0.29)
    skin = (centre[:, 0] > centre[:, 1]) & (centre[:, 1] > centre[:, 2])  # R > G > B in the middle
    assert skin.mean() >= 0.75
    assert np.median(neighbour) > 0.85  # smooth like a photo; noise is ~0
    # An untrained generator of the same class fails the same checks.
    torch.manual_seed(0)
    untrained = Generator()
    untrained.apply(init_weights)
    u_std, u_centre, _ = _face_stats(images_for_seeds(untrained, range(8)))
    assert (u_std < 0.04).all()


def test_weights_converted_once_to_safetensors(paths):
    load_gan(faces_entry(), paths)
    converted = paths.cache / "converted" / "faces-dcgan.safetensors"
    assert converted.is_file()
    mtime = converted.stat().st_mtime_ns
    load_gan(faces_entry(), paths)
    assert converted.stat().st_mtime_ns == mtime


def test_same_seed_same_face_and_slerp_endpoints(paths):
    gen = load_gan(faces_entry(), paths)
    a = images_for_seeds(gen, [7, 8, 7])
    assert np.array_equal(np.asarray(a[0]), np.asarray(a[2]))
    assert not np.array_equal(np.asarray(a[0]), np.asarray(a[1]))
    single = images_for_seeds(gen, [7])[0]  # batch composition does not change a seed's image
    assert np.abs(np.asarray(single, dtype=int) - np.asarray(a[0], dtype=int)).max() <= 1
    za, zb = latent_for_seed(1, 100), latent_for_seed(2, 100)
    assert torch.allclose(slerp(za, zb, 0.0), za, atol=1e-5) and torch.allclose(slerp(za, zb, 1.0), zb, atol=1e-5)
    mid = slerp(za, zb, 0.5)
    assert abs(mid.norm() - (za.norm() + zb.norm()) / 2) < 1.0  # stays on the shell, unlike lerp


def test_damaged_weights_name_the_package(paths, tmp_path):
    bad = tmp_path / "weights.tar"
    data = open(faces_entry().path, "rb").read()
    bad.write_bytes(data[: len(data) // 3])
    entry = faces_entry().__class__(**{**faces_entry().__dict__, "path": str(bad)})
    with pytest.raises(ModelError, match="reinstall the package gan-face-generate"):
        load_gan(entry, paths)


def test_grid_job_writes_png_with_spec(ctx):
    spec = GanSpec(seeds=tuple(range(10, 26)), columns=4)
    assert spec_from_json(spec_to_json(spec)) == spec
    res = run_spec(spec, NullReporter(), CancelToken(), ctx)
    assert len(res.outputs) == 1 and res.count == 16
    with Image.open(res.outputs[0]) as im:
        assert im.size == (4 * 64 + 5 * 2, 4 * 64 + 5 * 2)
        assert spec_from_json(im.text["aigc_studio"]) == spec
    assert str(ctx.paths.outputs) in res.outputs[0]


def test_walk_job_writes_gif_with_n_frames(ctx):
    spec = GanSpec(seeds=(3,), walk_to_seed=9, frames=10, scale=2)
    res = run_spec(spec, NullReporter(), CancelToken(), ctx)
    gif = next(p for p in res.outputs if p.endswith(".gif"))
    with Image.open(gif) as im:
        assert im.n_frames == 10 and im.size == (128, 128)
        im.seek(0)
        first = np.asarray(im.convert("RGB"), dtype=int)
    face3 = np.asarray(images_for_seeds(load_gan(faces_entry(), ctx.paths), [3])[0].resize((128, 128), Image.LANCZOS),
                       dtype=int)
    assert np.abs(first - face3).mean() < 12  # the walk starts at seed 3's face (GIF palette costs a little)


def test_cancel_stops_cleanly(ctx):
    cancel = CancelToken()
    cancel.cancel()
    res = run_spec(GanSpec(seeds=tuple(range(40))), NullReporter(), cancel, ctx)
    assert res.cancelled and not res.outputs
    assert not any(ctx.paths.outputs.rglob("*.png"))


def test_altered_weights_name_the_package(paths, tmp_path):
    state = torch.load(faces_entry().path, weights_only=True, map_location="cpu")["netG_state_dict"]
    state["main.0.weight"] = state["main.0.weight"][:50]  # a different latent size: not the shipped model
    bad = tmp_path / "weights.tar"
    torch.save({"netG_state_dict": state}, bad)
    entry = faces_entry().__class__(**{**faces_entry().__dict__, "path": str(bad)})
    with pytest.raises(ModelError, match="not the expected ones.*gan-face-generate"):
        load_gan(entry, paths)


def test_trained_gan_folder_generates_through_the_engine(ctx):
    torch.manual_seed(1)
    g = Generator(DCGANConfig(latent_dim=12, image_size=16, channels=1, features=4))
    g.apply(init_weights)
    save_gan_folder(ctx.paths.models / "tiny-digits", g, "Tiny digits")
    entry = ctx.registry.resolve("tiny-digits", task="image")
    assert entry.type == "gan" and entry.usable
    res = run_spec(GanSpec(model="tiny-digits", seeds=(1, 2, 3), columns=3), NullReporter(), CancelToken(), ctx)
    with Image.open(res.outputs[0]) as im:
        assert im.size == (3 * 16 + 4 * 2, 16 + 2 * 2)
    assert res.model == "tiny-digits" and res.size == 16
