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
    assert (spec.steps, spec.scheduler, spec.guidance) == (2, "euler", 0.0)  # schnell (no guidance embedding): CFG 0
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


def test_cli_refuses_timestep_spacing_for_a_flow_model_in_one_line(family_dir, studio_home):
    folder = family_dir("flux")
    proc = cli(["--prompt", "x", "--model", str(folder), "--timestep-spacing", "trailing", "--steps", "2"],
               studio_home, timeout=120)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.strip().endswith(f"{folder.name} is a flow-matching model: its own scheduler has no "
                                        "timestep spacing; leave out --timestep-spacing."), proc.stderr


def test_cli_says_in_one_line_that_flux_ignores_the_negative_prompt(family_dir, capsys):
    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec

    folder = family_dir("flux")
    args = build_parser().parse_args(["generate", "image", "--prompt", "a cat", "--model", str(folder),
                                      "--negative", "blurry", "--guidance", "2"])
    capsys.readouterr()  # building the tiny pipeline said things of its own
    _base_spec(args, seed=1)
    # tiny-flux is a schnell (no guidance embedding): its CFG is ignored too.
    assert capsys.readouterr().err.strip().splitlines()[-2:] == [
        f"{folder.name} takes no notice of --negative: it is ignored.",
        f"{folder.name} takes no notice of --guidance: it is ignored."]


def test_flux_schnell_is_recognised_and_proposes_its_four_steps(family_dir, paths, tmp_path, capsys):
    """FLUX.1 [schnell] has no guidance embedding (dev has one): from a folder's transformer config or a single
    file's tensor names, the CLI and the window propose its 4 steps instead of FLUX.1 dev's 28."""
    import json
    import shutil

    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec
    from studio.core.models.identify import identify_path
    from tests.fixtures.tiny_families import transformer_file

    folder = family_dir("flux")  # built without a guidance embedding, as schnell is
    schnell = identify_path(folder, "user")
    assert (schnell.details["few_step"], schnell.details["few_step_source"]) == ("FLUX.1 schnell", "config")
    assert schnell.details["recommended"] == {"steps": 4, "guidance": 0.0, "scheduler": "euler"}
    single = identify_path(transformer_file(folder, paths.models / "flux1-tiny.safetensors"), "user")
    assert (single.family, single.details.get("few_step"), single.details.get("few_step_source")) == (
        "flux", "FLUX.1 schnell", "keys")

    dev = tmp_path / "flux-dev-tiny"
    shutil.copytree(folder, dev)
    config = dev / "transformer" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "guidance_embeds": True}))
    assert "few_step" not in identify_path(dev, "user").details

    capsys.readouterr()
    args = build_parser().parse_args(["generate", "image", "--prompt", "a cat", "--model", str(folder)])
    spec = _base_spec(args, seed=1)
    assert (spec.steps, spec.guidance, spec.width) == (4, 0.0, 1024)
    assert capsys.readouterr().err.strip() == (f"Using the settings {folder.name} recommends: steps 4, CFG 0, "
                                               "Euler.")
