"""Text-to-image training end to end at tiny scale: loss falls, resume = uninterrupted, cancel keeps a
checkpoint, and the saved pipeline generates through the studio's normal txt2img engine."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from studio.core.progress import CancelToken, NullReporter
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec
from studio.host.dispatch import run_spec


class Recorder(NullReporter):
    """Keeps metrics and previews; cancels the token when ``cancel_at`` steps are done."""

    def __init__(self, cancel: CancelToken | None = None, cancel_at: int = 0, previews: bool = False) -> None:
        super().__init__()
        self.metrics_seen: list[tuple[int, dict]] = []
        self.previews: list = []
        self.progress_seen: list[tuple[int, int, str]] = []
        self._cancel, self._cancel_at, self._want = cancel, cancel_at, previews

    def progress(self, done, total, message=""):
        self.progress_seen.append((done, total, message))
        if self._cancel is not None and done == self._cancel_at:
            self._cancel.cancel()

    def metrics(self, step, values):
        self.metrics_seen.append((step, dict(values)))

    def wants_preview(self):
        return self._want

    def preview(self, image):
        self.previews.append(image)


def _spec(data: Path, params: dict, **kw) -> TrainSpec:
    base = dict(family="text2img", data=str(data), out="tiny-t2i", steps=6, batch=4, lr=2e-3, size=16, seed=7,
                sample_every=0, checkpoint_every=0, params=params)
    base.update(kw)
    return TrainSpec(**base)


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    out = {}
    for sub in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"):
        out.update({f"{sub}:{k}": v for k, v in load_file(str(folder / sub)).items()})
    return out


def test_loss_falls_previews_come_and_model_generates_through_the_studio(caption_folder, tiny_params, cpu_ctx):
    rep = Recorder(previews=True)
    spec = _spec(caption_folder, tiny_params, steps=40, sample_every=20)
    result = run_spec(spec, rep, CancelToken(), cpu_ctx)
    assert not result.cancelled
    losses = [v["loss"] for _, v in rep.metrics_seen]
    assert len(losses) == 40 and all(v == v for v in losses)  # finite, one per step (log_every=1)
    first, last = sum(losses[:8]) / 8, sum(losses[-8:]) / 8
    assert last < 0.7 * first, (first, last)
    assert rep.metrics_seen[-1][1]["steps_per_s"] > 0
    assert rep.progress_seen[-1][:2] == (40, 40) and "steps/s" in rep.progress_seen[-1][2]
    assert len(rep.previews) == 2 and rep.previews[0].size[0] > 16  # grids at steps 20 and 40

    folder = Path(result.outputs[0])
    assert folder == cpu_ctx.paths.models / "tiny-t2i"
    card = json.loads((folder / "studio_model.json").read_text())
    assert card["type"] == "studio_pipeline" and card["trained_steps"] == 40
    assert json.loads((folder / "model_index.json").read_text())["_class_name"] == "StudioPixelPipeline"
    assert not list(folder.rglob("*.bin")) and list(folder.rglob("*.safetensors"))

    # The registry identifies it and the normal txt2img engine generates with it.
    entry = cpu_ctx.registry.resolve("tiny-t2i", task="image")
    assert entry.type == "studio_pipeline"
    img = run_spec(ImageSpec(prompt="a red square", model="tiny-t2i", steps=2, width=64, height=64, seed=1,
                             scheduler="dpmpp_2m"), NullReporter(), CancelToken(), cpu_ctx)
    from PIL import Image

    with Image.open(img.outputs[0]) as im:
        assert im.size == (64, 64)


def test_pipeline_loads_from_pretrained_offline_and_follows_the_prompt_shape(caption_folder, tiny_params, cpu_ctx):
    from studio.engines.pipelines.studio_pipeline import StudioPixelPipeline

    result = run_spec(_spec(caption_folder, tiny_params, steps=2), NullReporter(), CancelToken(), cpu_ctx)
    pipe = StudioPixelPipeline.from_pretrained(result.outputs[0], local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    seen = []
    out = pipe(["a red square", "a blue disc"], num_inference_steps=3, guidance_scale=3.0, output_type="pt",
               generator=torch.Generator().manual_seed(0),
               callback_on_step_end=lambda p, i, t, kw: seen.append(i) or kw)
    assert out.images.shape == (2, 3, 16, 16) and seen == [0, 1, 2]
    again = pipe(["a red square", "a blue disc"], num_inference_steps=3, guidance_scale=3.0, output_type="pt",
                 generator=torch.Generator().manual_seed(0)).images
    assert torch.allclose(out.images, again)  # seeded generation is reproducible


def test_resume_after_cancel_gives_the_same_weights_as_an_uninterrupted_run(caption_folder, tiny_params, cpu_ctx,
                                                                             tmp_path):
    full = run_spec(_spec(caption_folder, tiny_params, out="full"), NullReporter(), CancelToken(), cpu_ctx)

    cancel = CancelToken()
    part = run_spec(_spec(caption_folder, tiny_params, out="split"), Recorder(cancel, cancel_at=3), cancel, cpu_ctx)
    assert part.cancelled and part.steps == 3
    ckpt = Path(part.checkpoint)
    assert ckpt.is_file() and not (cpu_ctx.paths.models / "split").exists()
    from studio.engines.training.checkpoint import load_checkpoint

    state = load_checkpoint(ckpt)  # a cancelled run leaves a loadable checkpoint
    assert state["step"] == 3 and state["optimizers"]["adamw"]["state"]

    resumed = run_spec(_spec(caption_folder, tiny_params, out="split", resume="last"), NullReporter(), CancelToken(),
                       cpu_ctx)
    a, b = _weights(Path(full.outputs[0])), _weights(Path(resumed.outputs[0]))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_checkpoints_are_written_every_n_steps_atomically(caption_folder, tiny_params, cpu_ctx):
    rep = Recorder()
    run_spec(_spec(caption_folder, tiny_params, steps=4, checkpoint_every=2), rep, CancelToken(), cpu_ctx)
    notes = [m for m in rep.messages if m.startswith("Checkpoint saved")]
    assert [n.split(" at step ")[1].split(":")[0] for n in notes] == ["2", "4"]
    work = cpu_ctx.paths.training / "tiny-t2i"
    assert [p.name for p in work.iterdir() if p.is_file()] == ["checkpoint.safetensors"]  # no temp files left


def test_uncaptioned_folder_and_unknown_family_are_clear_errors(tmp_path, tiny_params, cpu_ctx):
    from PIL import Image

    from studio.core.errors import StudioError

    (tmp_path / "d").mkdir()
    Image.new("RGB", (16, 16), (200, 0, 0)).save(tmp_path / "d" / "x.png")
    with pytest.raises(StudioError, match="needs captions"):
        run_spec(_spec(tmp_path / "d", tiny_params), NullReporter(), CancelToken(), cpu_ctx)
    with pytest.raises(StudioError, match="Unknown training family"):
        run_spec(TrainSpec(family="nope", data="x", out="y"), NullReporter(), CancelToken(), cpu_ctx)


def test_cli_train_prints_progress_and_writes_the_model(caption_folder, capsys, studio_home):
    from studio.cli import main

    code = main(["train", "text2img", "--data", str(caption_folder), "--out", "cli-model", "--steps", "3",
                 "--batch", "2", "--size", "16", "--device", "cpu", "--sample-every", "3",
                 "--param", "channels=[8,16]", "--param", "heads=2", "--param", "text_dim=16",
                 "--param", "text_layers=1", "--param", "text_heads=2", "--param", "sample_steps=1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3/3" in err and "loss=" in err
    model = Path(out.strip().splitlines()[-1])
    assert model == studio_home / "models" / "cli-model" and (model / "model_index.json").is_file()
    assert (studio_home / "training" / "cli-model" / "samples" / "step-0000003.png").is_file()


def test_fine_tuning_starts_from_the_base_models_weights(caption_folder, tiny_params, cpu_ctx):
    base = run_spec(_spec(caption_folder, tiny_params, steps=3, out="base"), NullReporter(), CancelToken(), cpu_ctx)
    rep = Recorder()
    tuned = run_spec(_spec(caption_folder, tiny_params, steps=1, lr=1e-9, out="tuned", base="base", seed=99), rep,
                     CancelToken(), cpu_ctx)
    a, b = _weights(Path(base.outputs[0])), _weights(Path(tuned.outputs[0]))
    # One step at a negligible learning rate: the tuned model is the base model, not a fresh random one.
    assert all(torch.allclose(a[k], b[k], atol=1e-4) for k in a)
