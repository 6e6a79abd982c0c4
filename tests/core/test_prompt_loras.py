"""A1111 LoRA tags: read out of prompts, written back, edited by the picker."""
from __future__ import annotations

import pytest

from studio.core.specs import prompt_loras as pl
from studio.core.errors import SpecError
from studio.core.specs.image import ImageSpec


def test_tags_are_removed_from_the_text_and_become_loras():
    assert pl.extract("a cat <lora:ink:0.8>, (red:1.2) <LORA:paper>") == ("a cat, (red:1.2)", (("ink", 0.8), ("paper", 1.0)))
    assert pl.extract("<lora:ink:0.5:0.9> a cat") == ("a cat", (("ink", 0.5),))
    assert pl.extract("plain  prompt ") == ("plain  prompt ", ())  # prompts without tags are not touched
    spec = ImageSpec(prompt="a dog <lora:ink:-0.5>", loras=(("paper", 1.0),)).clean()
    assert (spec.prompt, spec.loras) == ("a dog", (("paper", 1.0), ("ink", -0.5)))


def test_bad_tags_and_weights_are_spec_errors():
    with pytest.raises(SpecError, match="Cannot read the weight"):
        ImageSpec(prompt="a <lora:ink:x>").validate()
    with pytest.raises(SpecError, match="between -10 and 10"):
        ImageSpec(loras=(("ink", 50.0),)).validate()


def test_the_picker_edits_one_tag_in_place():
    p = "a cat <lora:ink:0.8>, night"
    assert pl.set_weight(p, "ink", 0.35) == "a cat <lora:ink:0.35>, night"
    assert pl.set_weight(p, "paper", 1.0) == "a cat <lora:ink:0.8>, night <lora:paper:1>"
    assert pl.set_weight(p, "ink", None) == "a cat, night"
    assert pl.with_tags("", [("ink", 0.5)]) == "<lora:ink:0.5>"
    assert pl.parse_hashes_field(pl.hashes_field([("ink", "abc"), ("paper", "def")])) == {"ink": "abc", "paper": "def"}
