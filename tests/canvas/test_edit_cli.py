"""`generate image --init/--mask/--outpaint` in-process through the CLI's real main()."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.cli import main


def test_cli_inpaint_and_outpaint(tiny_sd_dir, tmp_path, capsys):
    arr = (np.random.default_rng(5).random((64, 64, 3)) * 255).astype(np.uint8)
    Image.fromarray(arr).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "in.png")  # palette: converted
    rgb = np.asarray(Image.open(tmp_path / "in.png").convert("RGB")).astype(int)
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (0, 0, 32, 64))
    mask.save(tmp_path / "mask.png")
    rc = main(["generate", "image", "--init", str(tmp_path / "in.png"), "--mask", str(tmp_path / "mask.png"),
               "--model", str(tiny_sd_dir), "--steps", "2", "--strength", "1", "--mask-blur", "0",
               "--out", str(tmp_path / "inpainted.png")])
    assert rc == 0
    out = np.asarray(Image.open(tmp_path / "inpainted.png").convert("RGB")).astype(int)
    assert np.array_equal(out[:, 32:], rgb[:, 32:]) and not np.array_equal(out[:, :32], rgb[:, :32])

    assert main(["generate", "image", "--init", str(tmp_path / "in.png"), "--outpaint", "0,8,16,0",
                 "--model", str(tiny_sd_dir), "--steps", "2", "--out", str(tmp_path / "wide.png")]) == 0
    wide = np.asarray(Image.open(tmp_path / "wide.png").convert("RGB")).astype(int)
    assert wide.shape == (72, 80, 3) and np.array_equal(wide[8:, :64], rgb)


@pytest.mark.parametrize("extra, message", [
    (["--outpaint", "0,8,12,0"], "multiple of 8"),
    (["--mask", "{small}"], "must be the same size"),
])
def test_cli_bad_edit_input_is_one_clear_line(tiny_sd_dir, tmp_path, capsys, extra, message):
    Image.new("RGB", (64, 64), "gray").save(tmp_path / "in.png")
    Image.new("L", (16, 16), 255).save(tmp_path / "small.png")
    extra = [e.format(small=tmp_path / "small.png") for e in extra]
    rc = main(["generate", "image", "--init", str(tmp_path / "in.png"), "--model", str(tiny_sd_dir),
               "--steps", "2", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0 and message in err[-1] and "Traceback" not in "\n".join(err)
