"""Opening user images for editing: modes converted, masks checked, bad files refused with one sentence."""
from __future__ import annotations

import pytest
from PIL import Image

from studio.core.errors import SpecError, StudioError
from studio.core.image_io import MAX_EDIT_SIDE, open_mask, open_rgb, require_painted
from studio.core.outpaint import Extension, parse_extension


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA", "L", "1", "CMYK", "I;16"])
def test_every_mode_opens_as_rgb(tmp_path, mode):
    im = Image.new("RGB", (24, 16), (200, 40, 10)).convert(mode) if mode != "I;16" else Image.new("I;16", (24, 16), 65535)
    path = tmp_path / ("x.tif" if mode == "CMYK" else "x.png")
    im.save(path)
    rgb = open_rgb(path)
    assert rgb.mode == "RGB" and rgb.size == (24, 16)
    if mode == "I;16":  # 16-bit white stays white (scaled, not clipped to black or wrapped)
        assert rgb.getpixel((0, 0)) == (255, 255, 255)


def test_transparent_pixels_become_white(tmp_path):
    im = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    im.putpixel((0, 0), (255, 0, 0, 255))
    im.save(tmp_path / "a.png")
    rgb = open_rgb(tmp_path / "a.png")
    assert rgb.getpixel((0, 0)) == (255, 0, 0) and rgb.getpixel((5, 5)) == (255, 255, 255)


def test_corrupt_missing_and_huge_files_are_clear_errors(tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (64, 64), "red").save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(good.read_bytes()[:60])
    with pytest.raises(StudioError, match="not a readable image"):
        open_rgb(broken)
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(StudioError, match="not a readable image"):
        open_rgb(tmp_path / "text.png")
    with pytest.raises(StudioError, match="not found"):
        open_rgb(tmp_path / "nope.png")
    Image.new("L", (MAX_EDIT_SIDE + 8, 8)).save(tmp_path / "wide.png")
    with pytest.raises(StudioError, match=f"up to {MAX_EDIT_SIDE}×{MAX_EDIT_SIDE}"):
        open_rgb(tmp_path / "wide.png")


def test_a_damaged_image_is_not_left_open_by_its_error(tmp_path):
    import os

    noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))  # incompressible: the cut lands in the pixels
    noise.save(tmp_path / "full.png")
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes((tmp_path / "full.png").read_bytes()[:6000])
    with pytest.raises(StudioError, match="not a readable image") as caught:
        open_rgb(damaged)
    fd_dir = f"/proc/{os.getpid()}/fd"
    held = [f for f in os.listdir(fd_dir) if os.path.realpath(f"{fd_dir}/{f}") == str(damaged)]
    assert caught.value and held == []  # the kept error does not keep the file open


def test_mask_size_and_emptiness(tmp_path):
    Image.new("L", (32, 16), 0).save(tmp_path / "m.png")
    with pytest.raises(SpecError, match="mask is 32×16 but the image is 64×64"):
        open_mask(tmp_path / "m.png", (64, 64))
    mask = open_mask(tmp_path / "m.png", (32, 16))
    with pytest.raises(SpecError, match="mask is empty"):
        require_painted(mask)
    rgba = Image.new("RGBA", (32, 16), (0, 0, 0, 0))
    rgba.paste((255, 255, 255, 255), (4, 4, 8, 8))
    rgba.save(tmp_path / "alpha.png")  # a painted layer with transparency: its alpha is the mask
    assert require_painted(open_mask(tmp_path / "alpha.png", (32, 16))) == (4, 4, 8, 8)


def test_outpaint_geometry():
    ext = parse_extension("8,0,16,24")
    assert ext.new_size(64, 40) == (88, 64)
    assert ext.original_box(64, 40) == (8, 0, 72, 40)
    assert parse_extension("16") == Extension(16, 16, 16, 16)
    with pytest.raises(SpecError, match="multiple of 8"):
        parse_extension("8,0,12,0")
    with pytest.raises(SpecError, match="four numbers"):
        parse_extension("8,8")
