"""`python main.py generate image --model <FLUX.1 folder>`: generate and inpaint from the CLI, in a real process."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.pngmeta import read_png_parameters
from tests.diffusion.test_cli_image import cli


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_cli_generates_and_inpaints_with_a_flux_folder(family_dir, studio_home, tmp_path):
    folder = family_dir("flux")
    out = tmp_path / "flux.png"
    proc = cli(["--prompt", "a red cat", "--model", str(folder), "--seed", "3", "--steps", "2", "--width", "64",
                "--height", "64", "--out", str(out)], studio_home)
    assert proc.returncode == 0, proc.stderr
    spec = read_png_parameters(out)
    assert (spec.steps, spec.scheduler, spec.guidance) == (2, "euler", 3.5)  # FLUX.1's own CFG (the table)
    mask = tmp_path / "mask.png"
    m = np.zeros((64, 64), dtype=np.uint8)
    m[16:48, 16:48] = 255
    Image.fromarray(m, "L").save(mask)
    edited = tmp_path / "inpainted.png"
    proc = cli(["--prompt", "a blue cat", "--model", str(folder), "--steps", "2", "--init", str(out), "--mask",
                str(mask), "--strength", "0.9", "--out", str(edited)], studio_home)
    assert proc.returncode == 0, proc.stderr
    before, after = (np.asarray(Image.open(p).convert("RGB"), dtype=np.int16) for p in (out, edited))
    assert np.array_equal(before[:8], after[:8])  # outside the mask: the original pixels, exactly
    assert np.abs(before[24:40, 24:40] - after[24:40, 24:40]).max() > 0


def test_cli_sampler_a_flow_model_cannot_use_is_one_line(family_dir, studio_home):
    proc = cli(["--prompt", "x", "--model", str(family_dir("flux")), "--scheduler", "dpmpp_2m", "--steps", "2"],
               studio_home, timeout=120)
    assert proc.returncode != 0 and "flow-matching" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_cli_says_in_one_line_that_flux_ignores_the_negative_prompt(family_dir, capsys):
    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec

    folder = family_dir("flux")
    args = build_parser().parse_args(["generate", "image", "--prompt", "a cat", "--model", str(folder),
                                      "--negative", "blurry", "--guidance", "2"])
    capsys.readouterr()  # building the tiny pipeline said things of its own
    _base_spec(args, seed=1)
    assert capsys.readouterr().err.strip() == "FLUX.1 models take no notice of --negative: it is ignored."
