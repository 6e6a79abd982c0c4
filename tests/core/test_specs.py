"""Job specs validate what a user types and survive a JSON round trip unchanged."""
from __future__ import annotations

import pytest

from studio.core.errors import SpecError
from studio.core.specs.image import ImageSpec, UpscaleSpec
from studio.core.specs.text import TextSpec
from studio.core.specs.training import TrainSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.core.specs.checks import MAX_PROMPT_CHARS


@pytest.mark.parametrize("spec", [
    ImageSpec(prompt="a red (sneaker:1.2)", negative_prompt="blurry", seed=42, steps=3, width=64, height=128,
              scheduler="dpmpp_2m_karras", loras=(("style", 0.8),)),
    TextSpec(prompt="hi", messages=(("user", "hello"), ("assistant", "hey")), chat=True, stop=("\n\n",)),
    UpscaleSpec(image="/tmp/a.png", model="RealESRGAN x4plus"),
    TrainSpec(family="gan", data="digits", out="my-gan", params={"beta1": 0.5}),
])
def test_json_round_trip_is_identity(spec):
    assert spec_from_json(spec_to_json(spec)) == spec


@pytest.mark.parametrize("changes, fragment", [
    ({"width": 100}, "multiple of 8"),
    ({"height": 4096}, "between"),
    ({"width": 0}, "between"),
    ({"steps": 0}, "Steps"),
    ({"scheduler": "warp"}, "Unknown scheduler"),
    ({"seed": -1}, "Seed"),
])
def test_invalid_image_specs_name_the_problem(changes, fragment):
    with pytest.raises(SpecError, match=fragment):
        ImageSpec(**changes).validate()


def test_empty_prompt_is_allowed_and_long_prompt_truncated_with_warning():
    assert ImageSpec(prompt="").validate() == []
    long = ImageSpec(prompt="word " * 2000)
    warnings = long.validate()
    assert len(warnings) == 1 and "first 4000" in warnings[0]
    assert len(long.clean().prompt) == MAX_PROMPT_CHARS


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(SpecError, match="Unknown job kind"):
        spec_from_json('{"kind": "video"}')


@pytest.mark.parametrize("text", ['["image"]', '"image"', "42"])
def test_json_that_is_not_an_object_is_a_clear_error(text):
    with pytest.raises(SpecError, match="Not a job specification"):
        spec_from_json(text)


def test_a_text_job_with_a_repetition_penalty_survives_the_queue_file():
    from studio.core.specs.text import TextSpec
    from studio.core.specs.serial import spec_from_json, spec_to_json

    spec = TextSpec(prompt="x", repetition_penalty=1.1)
    assert spec_from_json(spec_to_json(spec)) == spec
