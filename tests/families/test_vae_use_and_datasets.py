"""A trained VAE on the user's own images (reconstruct, encode, interpolate) and data augmentation exports."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.core.progress import CancelToken
from studio.engines.training.run import trainer_class
from tests.families.test_gan_vae import vae_spec


def shape(path: Path, disc: bool) -> Path:
    from PIL import ImageDraw

    im = Image.new("L", (40, 40), 10)
    (ImageDraw.Draw(im).ellipse if disc else ImageDraw.Draw(im).rectangle)((8, 8, 31, 31), fill=240)
    im.convert("RGB").save(path)
    return path


@pytest.mark.slow
def test_vae_reconstructs_encodes_and_interpolates_a_users_images(shapes_dir, ctx, tmp_path, capsys):
    from tests.families.conftest import Recorder

    trainer_class("vae")(vae_spec(shapes_dir), Recorder(), CancelToken(), ctx).fit()
    square, disc = shape(tmp_path / "square.png", False), shape(tmp_path / "disc.png", True)

    assert main(["generate", "vae", str(square), "--model", "tiny-vae", "--scale", "2"]) == 0
    png, code = capsys.readouterr().out.split()
    pair = Image.open(png)
    assert pair.size == (2 * 32 + 3 * 2, 32 + 2 * 2)  # the original and its reconstruction, 16 px × 2
    latent = json.loads(Path(code).read_text())
    assert len(latent["mean"]) == 8 and len(latent["logvar"]) == 8 and latent["model"] == "tiny-vae"
    original, recon = (np.asarray(pair.convert("L"), dtype=np.float32)[2:34, x:x + 32] for x in (2, 36))
    assert np.abs(original - recon).mean() < np.abs(original - original.mean()).mean()  # closer than a flat guess

    assert main(["generate", "vae", str(square), str(disc), "--model", "tiny-vae", "--frames", "6"]) == 0
    strip, gif = capsys.readouterr().out.split()
    assert gif.endswith(".gif") and Image.open(gif).n_frames == 10  # 6 frames played forward and back
    assert Image.open(strip).size[0] > 6 * 64

    assert main(["generate", "vae", str(square), "--model", "Faces (DCGAN)"]) == 1
    assert "is not a VAE" in capsys.readouterr().err


@pytest.mark.slow
def test_generated_images_become_a_captioned_dataset_the_trainers_read(ctx, tiny_sd_dir, capsys):
    from studio.engines.datasets import load_dataset

    assert main(["generate", "dataset", "--model", "Faces (DCGAN)", "--out", "faces-aug", "--count", "3",
                 "--seed", "5"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder == ctx.paths.datasets / "faces-aug"
    assert sorted(p.name for p in folder.iterdir()) == [f"000-0000{i}.{e}" for i in range(3) for e in ("png", "txt")]
    ds = load_dataset(str(folder), size=16)
    assert len(ds) == 3 and ds.captions == ["Faces (DCGAN)"] * 3
    assert main(["generate", "dataset", "--model", "Faces (DCGAN)", "--out", "faces-aug", "--count", "1"]) == 1
    assert "already exists" in capsys.readouterr().err  # never replaced

    assert main(["generate", "dataset", "--model", str(tiny_sd_dir), "--out", "cats-dogs", "--count", "2",
                 "--prompt", "a cat", "--prompt", "a dog", "--steps", "1", "--seed", "1"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    captions = {p.name: p.read_text().strip() for p in sorted(folder.glob("*.txt"))}
    assert captions == {"000-00000.txt": "a cat", "000-00001.txt": "a cat", "001-00000.txt": "a dog",
                        "001-00001.txt": "a dog"}
    # A trainer reads it as it is.
    assert main(["train", "gan", "--data", str(folder), "--out", "from-aug", "--steps", "2", "--batch", "2",
                 "--size", "16", "--param", "features=8", "--param", "latent_dim=8"]) == 0
    assert (ctx.paths.models / "from-aug" / "studio_model.json").is_file()
