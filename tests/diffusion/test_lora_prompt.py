"""A LoRA named by a prompt tag or by `generate image --lora` is the LoRA of ImageSpec.loras, recorded as A1111 does."""
from __future__ import annotations

import numpy as np
from PIL import Image

from studio.core.pngmeta import read_png_parameters, read_png_text, spec_from_infotext
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.diffusion.test_cli_image import cli


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_prompt_tag_and_cli_flag_give_the_engines_lora_image(tiny_sd_dir, tiny_lora, fresh_ctx, studio_home):
    base = ImageSpec(prompt="a cat", model=str(tiny_sd_dir), seed=5, steps=2, width=64, height=64)
    plain = run(base, RecordingReporter(), CancelToken(), fresh_ctx).outputs[0]
    engine = run(base.replace(loras=(("tiny-lora", 0.8),)), RecordingReporter(), CancelToken(), fresh_ctx).outputs[0]
    tagged = run(base.replace(prompt="a cat <lora:tiny-lora:0.8>"), RecordingReporter(), CancelToken(),
                 fresh_ctx).outputs[0]
    assert not np.array_equal(pixels(plain), pixels(engine)), "the LoRA changes the image"
    assert np.array_equal(pixels(engine), pixels(tagged))

    # The PNG records the LoRA the way A1111 does (tag in the prompt, "Lora hashes"), and the spec has it.
    saved = read_png_parameters(tagged)
    assert saved.prompt == "a cat" and saved.loras == (("tiny-lora", 0.8),)
    text = read_png_text(tagged)["parameters"]
    assert text.splitlines()[0] == "a cat <lora:tiny-lora:0.8>"
    assert 'Lora hashes: "tiny-lora: ' in text
    again = spec_from_infotext(text)  # what A1111 (or the studio reading an A1111 PNG) gets back
    assert (again.prompt, again.loras) == ("a cat", (("tiny-lora", 0.8),))

    proc = cli(["--prompt", "a cat", "--model", str(tiny_sd_dir), "--seed", "5", "--steps", "2", "--width", "64",
                "--height", "64", "--lora", "tiny-lora:0.8"], studio_home)
    assert proc.returncode == 0, proc.stderr
    # Another process (other thread count) may round a float differently: equal within one grey level,
    # where leaving the LoRA out changes the image by far more.
    from_cli = pixels(proc.stdout.split()[0])
    assert np.abs(from_cli - pixels(engine)).max() <= 1
    assert np.abs(pixels(plain) - pixels(engine)).max() > 10


def test_a_bad_lora_flag_or_tag_is_one_clear_line(tiny_sd_dir, studio_home):
    proc = cli(["--prompt", "a cat <lora:tiny-lora:lots>", "--model", str(tiny_sd_dir), "--width", "64",
                "--height", "64"], studio_home, timeout=60)
    assert proc.returncode != 0 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == \
        "error: Cannot read the weight in <lora:tiny-lora:lots>: write it like <lora:name:0.8>."
    proc = cli(["--prompt", "a cat", "--lora", "no-such-lora:0.5", "--model", str(tiny_sd_dir), "--steps", "1",
                "--width", "64", "--height", "64"], studio_home)
    assert proc.returncode != 0
    assert "no-such-lora" in proc.stderr.strip().splitlines()[-1]
