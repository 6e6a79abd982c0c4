"""Typed job results: JSON round trips, type checks on what a peer sends, and old rows still load."""
from __future__ import annotations

import json

import pytest

from studio.core.results import (DownloadPlanInfo, DownloadResult, EvaluateResult, FacesResult, GridCell, GridResult,
                                 ImageResult, JobResult, PlannedFile, TextResult, TrainResult, UpscaleResult,
                                 VerifiedFile, result_from_dict, result_to_dict)

SAMPLES = [
    ImageResult(outputs=("/o/a.png",), seed=7, model="tiny", warnings=("long prompt",), width=64, height=64,
                seconds=0.5, native="/o/a-native.png", upscaler="x4"),
    TextResult(text="Paris", model="smollm", new_tokens=3, tokens_per_s=12.5, first_token_s=None, finish="eos"),
    UpscaleResult(outputs=("/o/b.png",), scale=4, size=(256, 256), tiles=4, precision="bfloat16"),
    TrainResult(cancelled=True, checkpoint="/t/ckpt.safetensors", steps=3),
    FacesResult(outputs=("/o/g.png", "/o/g.gif"), seeds=(1, 2), frames=24, size=64),
    DownloadResult(plan=DownloadPlanInfo(repo_id="acme/tiny", revision="abc", files=(
        PlannedFile(name="model.safetensors", size=10, sha256="ff"), PlannedFile(name="config.json", size=None)),
        total_size=10)),
    DownloadResult(path="/m/tiny", verified=(VerifiedFile(name="config.json", method="git_blob", sha256="aa"),)),
    GridResult(outputs=("/o/grid.png", "/o/c.png"), grid="/o/grid.png", cells=(GridCell(
        spec={"kind": "image", "prompt": "a red sneaker", "seed": 3}, output="/o/c.png", clip_score=31.5,
        model="Studio Fashion", clip="Studio CLIP"),)),
    EvaluateResult(outputs=("/o/e.json", "/o/c.png"), report={"count": 1}, generated=(GridCell(
        spec={"kind": "image", "prompt": "a red sneaker"}, output="/o/c.png", clip_score=None),)),
]


@pytest.mark.parametrize("result", SAMPLES, ids=lambda r: type(r).__name__)
def test_every_result_survives_json_unchanged(result):
    data = json.loads(json.dumps(result_to_dict(result)))
    assert data["kind"] == result.kind
    assert result_from_dict(result.kind, data) == result


def test_sub_job_images_say_which_spec_made_them_after_the_trip():
    grid, evaluation = (result_from_dict(r.kind, json.loads(json.dumps(result_to_dict(r)))) for r in SAMPLES[-2:])
    for result in (grid, evaluation):
        assert result.made_by(0) is None  # the grid image / the report: the job's own
        assert result.made_by(1).spec["prompt"] == "a red sneaker" and result.made_by(2) is None
    assert grid.made_by(1).clip_score == 31.5 and grid.made_by(1).model == "Studio Fashion"
    assert ImageResult(outputs=("/o/a.png",)).made_by(0) is None


def test_wrong_types_from_a_peer_are_refused():
    with pytest.raises(ValueError, match="seed"):
        result_from_dict("image", {"seed": "7"})
    with pytest.raises(ValueError, match="outputs"):
        result_from_dict("image", {"outputs": "/etc/passwd"})
    with pytest.raises(ValueError, match="size"):
        result_from_dict("upscale", {"size": [1, 2, 3]})
    with pytest.raises(ValueError, match="files"):
        result_from_dict("download", {"plan": {"files": [{"name": 3}]}})
    with pytest.raises(ValueError):
        result_from_dict("text", ["not", "an", "object"])


def test_rows_written_before_the_typed_results_still_load():
    old_image = {"seed": 3, "model": "tiny", "model_hash": "abc", "warnings": [], "width": 64, "height": 64,
                 "steps": 8, "scheduler": "euler", "preview": "latent", "seconds": 0.2}
    assert result_from_dict("image", old_image) == ImageResult(seed=3, model="tiny", model_hash="abc", width=64,
                                                               height=64, steps=8, scheduler="euler",
                                                               preview="latent", seconds=0.2)
    old_train = {"checkpoint": "/c", "step": 3}  # unknown keys are ignored
    assert result_from_dict("train", old_train) == TrainResult(checkpoint="/c")
    assert type(result_from_dict("no-such-kind", {"outputs": ["/x"]})) is JobResult
