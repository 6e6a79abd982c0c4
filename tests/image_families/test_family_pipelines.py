"""Every 2024–26 family end to end: a tiny random pipeline saved to disk, identified, loaded and run through the
studio's loader and engine (txt2img, img2img), and its image equal to plain diffusers' for the same components,
seed and steps."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.models.caps import entry_ignores
from studio.core.models.families import FAMILIES, NEW_FAMILIES
from studio.core.pngmeta import read_png_text
from studio.core.models.identify import identify_path
from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.engines.diffusion.generate import run
from tests.diffusion.conftest import RecordingReporter
from tests.fixtures.tiny_families import SIZE, pipeline_class

SLOW = {"flux2_klein", "sana_sprint"}  # long default prompts (512 tokens, SANA's instruction): ~20 s here
PARAMS = [pytest.param(k, marks=pytest.mark.slow) if k in SLOW else k for k in NEW_FAMILIES]


def spec(model, **kw) -> ImageSpec:
    base = dict(prompt="a red cat", negative_prompt="blurry", model=str(model), seed=11, steps=2, width=SIZE,
                height=SIZE, guidance=3.0, scheduler="euler")
    base.update(kw)
    return ImageSpec(**base)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def plain_image(key: str, folder, s: ImageSpec) -> np.ndarray:
    """The same image from a plain diffusers call (the pipeline class the family names, from_pretrained)."""
    pipe = pipeline_class(key).from_pretrained(str(folder), local_files_only=True)
    fam = FAMILIES[key]
    kwargs = dict(prompt=s.prompt, negative_prompt=s.negative_prompt, num_inference_steps=s.steps,
                  width=s.width, height=s.height, generator=torch.Generator("cpu").manual_seed(s.seed),
                  output_type="pil")
    kwargs[fam.cfg_arg] = s.guidance
    accepted = set(inspect.signature(pipe.__call__).parameters)
    image = pipe(**{k: v for k, v in kwargs.items() if k in accepted}).images[0]
    return np.asarray(image.convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("key", PARAMS)
def test_family_folder_identified_run_and_equal_to_plain_diffusers(key, family_dir, family_ctx):
    folder = family_dir(key)
    entry = identify_path(folder, "path")
    assert (entry.type, entry.family, entry.status) == ("diffusers", key, "ok"), entry.reason
    rep = RecordingReporter()
    s = spec(folder)
    result = run(s, rep, CancelToken(), family_ctx)
    assert result.width == SIZE and result.height == SIZE
    assert [d for d, _t in rep.progress_calls if d][-1] == 2  # both steps reported
    assert rep.previews, "a preview per step"
    studio = pixels(result.outputs[0])
    plain = plain_image(key, folder, s)
    assert np.abs(studio - plain).max() <= 1
    # The PNG claims a negative prompt and a CFG only where the family takes notice of them (FLUX.1: no negative).
    ignored = entry_ignores(entry)  # the tiny FLUX.1 is a schnell: no CFG either
    params = read_png_text(result.outputs[0])["parameters"]
    assert ("Negative prompt: blurry" in params, "CFG scale: 3" in params) == (
        "negative_prompt" not in ignored, "guidance" not in ignored)
    assert ("negative_prompt" in ignored) == (key in ("flux", "flux2_klein", "sana_sprint"))


@pytest.mark.parametrize("key", [k for k in PARAMS if (k.values[0] if hasattr(k, "values") else k)
                                 in ("sd3", "flux", "chroma", "zimage", "qwenimage", "sana_sprint", "flux2_klein")])
def test_family_img2img_through_the_canvas_path(key, family_dir, family_ctx, tmp_path):
    folder = family_dir(key)
    src = tmp_path / "src.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)).save(src)
    result = run(spec(folder, init_image=str(src), strength=0.6, steps=4), RecordingReporter(), CancelToken(),
                 family_ctx)
    assert result.operation == "img2img" and result.width == SIZE
    assert pixels(result.outputs[0]).shape == (SIZE, SIZE, 3)


@pytest.mark.slow
def test_flux2_klein_img2img_equals_plain_diffusers_and_inpaints(family_dir, family_ctx, tmp_path):
    """FLUX.2 klein edits through diffusers' Flux2KleinInpaintPipeline (it has no img2img class): img2img is the
    whole image masked, pixel for pixel plain diffusers' image; an inpaint keeps every pixel outside the mask."""
    import diffusers

    folder = family_dir("flux2_klein")
    src = tmp_path / "src.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)).save(src)
    s = spec(folder, init_image=str(src), strength=0.75, steps=4)
    result = run(s, RecordingReporter(), CancelToken(), family_ctx)
    assert result.operation == "img2img"
    plain_pipe = diffusers.Flux2KleinInpaintPipeline.from_pretrained(str(folder), local_files_only=True)
    plain = plain_pipe(prompt=s.prompt, image=Image.open(src).convert("RGB"), mask_image=Image.new("L", (SIZE, SIZE), 255),
                       strength=s.strength, num_inference_steps=s.steps, guidance_scale=s.guidance, width=SIZE,
                       height=SIZE, generator=torch.Generator("cpu").manual_seed(s.seed)).images[0]
    assert np.abs(pixels(result.outputs[0]) - np.asarray(plain.convert("RGB"), dtype=np.int16)).max() <= 1
    mask = tmp_path / "mask.png"
    m = np.zeros((SIZE, SIZE), dtype=np.uint8)
    m[16:48, 16:48] = 255
    Image.fromarray(m, "L").save(mask)
    edited = run(s.replace(mask=str(mask), strength=0.9, mask_blur=0), RecordingReporter(), CancelToken(), family_ctx)
    assert edited.operation == "inpaint"
    before, after = pixels(src), pixels(edited.outputs[0])
    assert np.array_equal(before[:16], after[:16]) and np.abs(before[24:40, 24:40] - after[24:40, 24:40]).max() > 0


def test_a_flow_models_png_claims_no_timestep_spacing():
    """A spec that asks a flow-matching family for trailing timesteps (reused from an SDXL-Turbo image) ran
    with the family's own scheduler: its PNG records no spacing, where an SD model's records it."""
    from studio.core.models.caps import ignored_inputs
    from studio.core.pngmeta import infotext
    from studio.engines.diffusion.generate import as_used

    spec = ImageSpec(prompt="a cat", scheduler="euler", timestep_spacing="trailing")
    image = Image.new("RGB", (8, 8))
    job, shown = as_used(spec, ignored_inputs("diffusers", "flux"), image)
    assert job.timestep_spacing == "" and "Schedule type" not in infotext(shown)
    job, shown = as_used(spec, ignored_inputs("diffusers", "sdxl"), image)
    assert job.timestep_spacing == "trailing" and "Schedule type: SGM Uniform" in infotext(shown)
