"""DDPM family: a tiny UNet2DModel trained on a folder generates through the studio's image engine."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from studio.core.progress import CancelToken
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec
from studio.engines.training.run import trainer_class
from tests.families.conftest import Recorder

PARAMS = {"channels": (16, 32), "layers_per_block": 1, "attention_levels": (False, True),
          "log_every": 4, "sample_steps": 3, "samples": 4}


def ddpm_spec(data, **kw) -> TrainSpec:
    base = dict(family="ddpm", data=str(data), out="tiny-ddpm", steps=32, batch=16, size=16, lr=1e-3,
                sample_every=16, checkpoint_every=0, params=PARAMS)
    return TrainSpec(**{**base, **kw})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Trained once for the module in its own studio home: (recorder, result, model folder)."""
    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from tests.families.conftest import make_shapes_folder

    root = tmp_path_factory.mktemp("ddpm-home")
    own = EngineContext.create(StudioPaths(root), Settings(scan_hf_cache=False), device="cpu")
    data = make_shapes_folder(root / "data")
    rec = Recorder()
    result = trainer_class("ddpm")(ddpm_spec(data), rec, CancelToken(), own).fit()
    return rec, result, own.paths.models / "tiny-ddpm"


@pytest.fixture()
def trained_ddpm(trained, ctx):
    """The trained model copied into this test's models folder."""
    import shutil

    rec, result, folder = trained
    shutil.copytree(folder, ctx.paths.models / "tiny-ddpm")
    return rec, result


def test_ddpm_loss_goes_down_and_the_folder_is_a_diffusers_ddpm_pipeline(trained_ddpm, ctx):
    rec, result = trained_ddpm
    loss = rec.series("loss")
    assert len(loss) == 8 and loss[-1] < 0.6 * loss[0]
    assert len(rec.previews) == 2
    folder = ctx.paths.models / "tiny-ddpm"
    assert result.outputs[0].endswith("tiny-ddpm")
    assert json.loads((folder / "studio_model.json").read_text())["type"] == "ddpm"
    assert json.loads((folder / "model_index.json").read_text())["_class_name"] == "DDPMPipeline"
    # Each sample grid is its own progress phase (3 sampling steps), then the training step again.
    grid = [c for c in rec.progress_calls if c[1] == PARAMS["sample_steps"]]
    assert grid[:3] == [(1, 3), (2, 3), (3, 3)] and rec.progress_calls[-1] == (32, 32)
    entry = next(e for e in ctx.registry.scan() if e.name == "tiny-ddpm")
    assert (entry.type, entry.status) == ("studio_ddpm", "ok")

    from diffusers import DDPMPipeline

    pipe = DDPMPipeline.from_pretrained(str(folder), local_files_only=True)  # plain diffusers loads it
    pipe.set_progress_bar_config(disable=True)
    out = pipe(batch_size=1, num_inference_steps=3, generator=torch.Generator().manual_seed(0), output_type="np")
    assert out.images.shape == (1, 16, 16, 3)


@pytest.mark.parametrize("scheduler", ["euler", "ddim", "dpmpp_2m", "pndm"])
def test_ddpm_generates_through_the_image_engine_with_any_scheduler(trained_ddpm, ctx, scheduler):
    spec = ImageSpec(prompt="ignored: the model is unconditional", model="tiny-ddpm", seed=7, steps=4,
                     scheduler=scheduler)
    rec = Recorder()
    first = run_spec(spec, rec, CancelToken(), ctx)
    again = run_spec(spec, Recorder(), CancelToken(), ctx)
    other = run_spec(spec.replace(seed=8), Recorder(), CancelToken(), ctx)
    a, b, c = (np.asarray(Image.open(r.outputs[0]).convert("RGB"), dtype=np.int16) for r in (first, again, other))
    assert a.shape == (16, 16, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, c), "the seed decides the image"
    steps = [d for d, t in rec.progress_calls if d]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 4, "progress is reported per step"
    assert first.scheduler == scheduler


def test_cancel_mid_generation_and_mid_training(shapes_dir, trained_ddpm, ctx):
    cancel = CancelToken()
    stopped = run_spec(ImageSpec(model="tiny-ddpm", steps=10), Recorder(cancel=cancel, cancel_at=2), cancel, ctx)
    assert stopped.cancelled and not stopped.outputs

    cancel = CancelToken()
    result = trainer_class("ddpm")(ddpm_spec(shapes_dir, out="ddpm-2", steps=10), Recorder(cancel=cancel, cancel_at=3),
                                   cancel, ctx).fit()
    assert result.cancelled
    from studio.engines.training.checkpoint import load_checkpoint

    state = load_checkpoint(result.checkpoint)
    assert state["step"] == 3 and {"unet", "ema_unet"} <= set(state["modules"])


def test_an_unconditional_image_records_what_was_used_and_the_editor_offers_only_that(trained_ddpm, ctx, qtbot):
    """16×16 without prompt or CFG: the PNG says so (not Size 512x512, CFG scale 7.5), and the editor agrees."""
    from studio.core.pngmeta import read_png_parameters, read_png_text
    from studio.core.models.caps import ignored_inputs
    from studio.engines.diffusion.generate import ignored_inputs as pipeline_ignores
    from studio.engines.diffusion.loader import load_pipeline, resolve

    spec = ImageSpec(prompt="a cat", negative_prompt="blurry", model="tiny-ddpm", seed=7, steps=3, guidance=7.5,
                     width=512, height=512)
    result = run_spec(spec, Recorder(), CancelToken(), ctx)
    text = read_png_text(result.outputs[0])["parameters"]
    assert text.splitlines()[0] == "" and "Negative prompt" not in text
    assert "Size: 16x16" in text and "CFG scale" not in text and "Steps: 3" in text and "Seed: 7" in text
    saved = read_png_parameters(result.outputs[0])  # the job spec: runs again to the same image
    assert (saved.prompt, saved.negative_prompt, saved.seed, saved.steps) == ("", "", 7, 3)

    entry = resolve(ctx, "tiny-ddpm")
    pipe, _facts = load_pipeline(ctx, entry)
    assert pipeline_ignores(pipe) | {"loras"} == ignored_inputs(entry.type)  # the editor's table is the truth

    from studio.core.models.registry import ModelEntry
    from studio.ui.prompt_editor import PromptEditor

    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models([entry, ModelEntry("tiny-sd", "/m/tiny-sd", "diffusers", family="sd1")])
    editor.set_model("tiny-ddpm")
    off = [w for w in (editor.prompt_edit, editor.negative_edit, editor.guidance_spin, editor.width_spin,
                       editor.height_spin, editor.lora_picker) if not w.isEnabled()]
    assert len(off) == 6 and "without a prompt" in editor.prompt_edit.placeholderText()
    assert editor.steps_spin.isEnabled() and editor.seed_spin.isEnabled() and editor.scheduler_combo.isEnabled()
    editor.set_model("tiny-sd")
    assert editor.prompt_edit.isEnabled() and editor.guidance_spin.isEnabled()
    assert "without a prompt" not in editor.prompt_edit.placeholderText()
    assert editor.swap_button.toolTip() == "Swap width and height"
