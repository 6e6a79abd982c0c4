"""Image → prompt: the built-in Studio CLIP through the engine and the CLI, a tiny BLIP's caption first, bad input."""
from __future__ import annotations

import json

import pytest

from studio.core import describe as d
from studio.core.errors import ModelError, StudioError
from studio.core.progress import CancelToken
from studio.core.results import DescribeResult, result_from_dict, result_to_dict
from studio.core.specs.image import DescribeSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.host.dispatch import run_spec
from tests.describe.conftest import save_tiny_blip
from tests.diffusion.conftest import RecordingReporter


@pytest.fixture()
def ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")


def test_composition_rules():
    assert d.noun_phrase("sneaker", "red") == "a red sneaker"
    assert d.noun_phrase("ankle boot", "orange") == "an orange ankle boot"
    assert d.noun_phrase("trousers", "blue") == "a pair of blue trousers"
    assert d.compose("a cat on a table.", "", "red", ["anime"]) == "a cat on a table, red, anime"
    assert d.compose("a red cat", "", "red", ()) == "a red cat"  # a colour the caption names is not repeated
    banks = d.GENERIC_BANKS.known(lambda p: " " not in p)
    assert "pixel art" not in banks.styles and "anime" in banks.styles


def test_studio_clip_describes_as_its_plain_zero_shot_does(ctx, fashion_pngs):
    """With Studio CLIP the described prompt is the best of the 80 Fashion captions by a plain CLIP call."""
    from studio.engines.common.clip_model import load_clip
    from studio.engines.clip.zero_shot import class_prompts
    from PIL import Image

    clip = load_clip(ctx, "Studio CLIP")
    prompts = [p for _, _, p in class_prompts()]
    right = 0
    for png, item, colour in fashion_pngs:
        result = run_spec(DescribeSpec(image=str(png)), RecordingReporter(), CancelToken(), ctx)
        with Image.open(png) as im:
            plain = prompts[int(clip.similarity([im.convert("RGB")], prompts).argmax())]
        assert result.text == plain and result.clip == "Studio CLIP" and not result.caption
        assert {r.bank for r in result.ranked} == {"subjects", "colours"}  # its tokenizer knows no style words
        right += plain == class_prompts()[item * 8 + colour][2]
        assert result_from_dict("describe", json.loads(json.dumps(result_to_dict(result)))) == result
    assert right >= 4  # held-out images: the CLIP mostly reads them right


def test_cli_describe_prints_the_prompt(fashion_pngs, capsys):
    from studio.cli import main

    png, _item, _colour = fashion_pngs[0]
    assert main(["describe", str(png), "--ranks"]) == 0
    out = capsys.readouterr()
    prompt = out.out.strip()
    assert prompt.startswith(("a ", "an ")) and "subjects:" in out.err and "colours:" in out.err
    assert main(["describe", str(png), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == prompt


def test_a_captioning_model_starts_the_prompt(ctx, paths, fashion_pngs):
    """A BLIP in the library is found as a captioner; its caption (as a plain transformers call gives it) leads."""
    import torch
    from PIL import Image
    from transformers import AutoProcessor, BlipForConditionalGeneration

    from studio.core.models.identify import identify_path

    folder = save_tiny_blip(paths.models / "tiny-blip")
    assert identify_path(folder, "user").type == "captioner"
    png = fashion_pngs[1][0]
    result = run_spec(DescribeSpec(image=str(png)), RecordingReporter(), CancelToken(), ctx)
    proc = AutoProcessor.from_pretrained(str(folder))
    model = BlipForConditionalGeneration.from_pretrained(str(folder)).eval()
    with Image.open(png) as im, torch.no_grad():
        ids = model.generate(**proc(images=im.convert("RGB"), return_tensors="pt"), max_new_tokens=30,
                             do_sample=False, num_beams=1)
    plain = " ".join(proc.batch_decode(ids, skip_special_tokens=True)[0].split())
    assert plain and result.caption == plain and result.captioner == "tiny-blip"
    assert result.text.startswith(plain)
    off = run_spec(DescribeSpec(image=str(png), captioner="none"), RecordingReporter(), CancelToken(), ctx)
    assert not off.caption and off.text.startswith(("a ", "an "))


def test_bad_input_is_one_line(ctx, tmp_path, fashion_pngs):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(StudioError, match="not a readable image"):
        run_spec(DescribeSpec(image=str(bad)), RecordingReporter(), CancelToken(), ctx)
    with pytest.raises(StudioError, match="Choose an image"):
        run_spec(DescribeSpec(image=" "), RecordingReporter(), CancelToken(), ctx)
    with pytest.raises(ModelError, match="not an image captioning model"):
        run_spec(DescribeSpec(image=str(fashion_pngs[0][0]), captioner="Studio CLIP"), RecordingReporter(),
                 CancelToken(), ctx)
    spec = DescribeSpec(image="x.png", clip="Studio CLIP")
    assert spec_from_json(spec_to_json(spec)) == spec and spec.title() == "Describe x.png"
