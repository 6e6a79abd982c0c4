"""Studio Fashion reads Chinese prompts through its card's mapping (一只红色的运动鞋 → "a red sneaker")."""
from __future__ import annotations

import json

import pytest

from studio.core.models.registry import ModelEntry, builtin_models_dir
from studio.core.models.vocabulary import model_prompt, prompt_warning, vocabulary_of


def _fashion():
    card = json.loads((builtin_models_dir() / "studio-fashion" / "studio_model.json").read_text(encoding="utf-8"))
    return vocabulary_of(ModelEntry(name="studio-fashion", path="", type="studio_pipeline",
                                    details={"vocabulary": card["vocabulary"]}))


@pytest.mark.parametrize("prompt,expected", [
    ("一只红色的运动鞋", "a red sneaker"), ("一件蓝色的大衣", "a blue coat"), ("一双紫色的短靴", "a purple ankle boot"),
    ("粉红色连衣裙，黄色包", "pink dress, yellow bag"), ("绿色T恤", "green t-shirt"), ("a red sneaker", "a red sneaker")])
def test_chinese_prompts_become_the_words_the_model_learnt(prompt, expected):
    assert model_prompt(_fashion(), prompt) == expected


def test_every_item_and_colour_has_a_chinese_word_and_no_warning():
    vocab = _fashion()
    assert vocab.languages() == ("en", "zh_CN")
    zh = vocab.translations["zh_CN"]
    for word in vocab.words()[:22]:  # 10 garments + 12 colours
        assert word in zh.values(), word
    assert prompt_warning(vocab, "一只红色的运动鞋", "Studio Fashion") == ""
    assert prompt_warning(vocab, "一只会飞的猫", "Studio Fashion")  # nothing it knows: still warned


def test_models_without_a_mapping_leave_the_prompt_alone():
    assert model_prompt(None, "一只红色的运动鞋") == "一只红色的运动鞋"
    plain = vocabulary_of(ModelEntry(name="m", path="", type="studio_pipeline",
                                     details={"vocabulary": {"colours": ["red"]}}))
    assert plain is not None and plain.languages() == ("en",)
    assert model_prompt(plain, "红色") == "红色"
