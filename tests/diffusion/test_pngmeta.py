"""PNG outputs carry A1111 infotext and the studio spec; both read back into an ImageSpec."""
from __future__ import annotations

import errno

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from studio.core.errors import SpecError
from studio.core.pngmeta import (infotext, parse_infotext, read_png_parameters, read_png_text, spec_from_infotext,
                                 write_image_png)
from studio.core.specs.samplers import SCHEDULERS
from studio.core.specs.image import ImageSpec


def _img():
    return Image.new("RGB", (16, 16), (200, 30, 40))


def test_round_trip_through_our_json_chunk(tmp_path):
    spec = ImageSpec(prompt="a cat, (sitting:1.2)\nsecond line 猫", negative_prompt="blurry, low quality", model="tiny",
                     seed=1234, steps=7, guidance=5.5, width=64, height=96, scheduler="dpmpp_2m_karras")
    path = write_image_png(_img(), tmp_path / "out.png", spec, model_name="tiny", model_hash="abcdef1234")
    assert read_png_parameters(path) == spec
    params = read_png_text(path)["parameters"]
    assert params.splitlines()[0] == "a cat, (sitting:1.2)"
    assert "Negative prompt: blurry, low quality" in params
    last = params.splitlines()[-1]
    for field in ("Steps: 7", "Sampler: DPM++ 2M", "Schedule type: Karras", "CFG scale: 5.5", "Seed: 1234",
                  "Size: 64x96", "Model hash: abcdef1234", "Model: tiny", "Version: AIGC Studio"):
        assert field in last
    assert Image.open(path).size == (16, 16)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_infotext_alone_round_trips_every_scheduler(scheduler):
    spec = ImageSpec(prompt="p", negative_prompt="n", seed=3, steps=9, guidance=4.0, width=128, height=64,
                     scheduler=scheduler, model="m")
    assert spec_from_infotext(infotext(spec, model_name="m")) == spec


def test_foreign_a1111_png_is_read(tmp_path):
    text = ("masterpiece, a red fox in snow, (detailed fur:1.3)\n"
            "Negative prompt: lowres, bad anatomy\n"
            "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 512x768, "
            'Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "fox: abc, snow: def", '
            "Version: v1.10.1")
    info = PngInfo()
    info.add_text("parameters", text)
    path = tmp_path / "a1111.png"
    _img().save(path, pnginfo=info)
    spec = read_png_parameters(path)
    assert spec == ImageSpec(prompt="masterpiece, a red fox in snow, (detailed fur:1.3)",
                             negative_prompt="lowres, bad anatomy", steps=28, scheduler="dpmpp_2m_karras",
                             guidance=6.5, seed=3141592653, width=512, height=768, model="v1-5-pruned-emaonly")
    _, _, params = parse_infotext(text)
    assert params["Lora hashes"] == "fox: abc, snow: def"


def test_foreign_png_with_unknown_sampler_and_no_negative(tmp_path):
    spec = spec_from_infotext("just a prompt\nSteps: 10, Sampler: DPM++ SDE, CFG scale: 7, Seed: 5, Size: 64x64")
    assert (spec.prompt, spec.negative_prompt, spec.steps, spec.seed, spec.scheduler) == ("just a prompt", "", 10, 5, "euler")


def test_png_without_parameters_is_a_clear_error(tmp_path):
    path = tmp_path / "plain.png"
    _img().save(path)
    with pytest.raises(SpecError, match="no generation parameters"):
        read_png_parameters(path)
    (tmp_path / "junk.png").write_bytes(b"not a png")
    with pytest.raises(SpecError, match="not a readable image"):
        read_png_parameters(tmp_path / "junk.png")


def test_disk_full_leaves_no_partial_file(tmp_path, monkeypatch):
    def full_disk(self, fp, *args, **kwargs):
        fp.write(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    with pytest.raises(OSError) as info:
        write_image_png(_img(), tmp_path / "day" / "out.png", ImageSpec(prompt="x"))
    assert info.value.errno == errno.ENOSPC
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
