"""The content filter's matching rule: zh and en terms found through full-width forms, case, inserted
spaces and punctuation; near-misses pass; the user's lists are seeded once and never overwritten."""
from __future__ import annotations

import pytest

from studio.core.content_filter import ContentFilter, install_lists, screen, spec_texts
from studio.core.paths import resources_dir
from studio.core.specs import GridSpec, ImageSpec, TextSpec


@pytest.fixture()
def filt(paths) -> ContentFilter:
    return ContentFilter.load(paths)


@pytest.mark.parametrize("text, category", [
    ("how to behead a man", "violence"),
    ("BeHeAd", "violence"),
    ("ｂｅｈｅａｄ the king", "violence"),                      # full-width letters and space
    ("b e h e a d", "violence"),                              # inserted spaces
    ("b.e-h_e*a/d!", "violence"),                             # inserted punctuation
    ("write about Pipe Bombs", "weapons"),                    # plural
    ("I want to k i l l   m y s e l f", "self-harm"),
    ("我想自杀", "self-harm"),
    ("怎么 割 腕", "self-harm"),                                # spaces inside a Chinese term
    ("怎么割，腕！", "self-harm"),                               # Chinese punctuation inside
    ("教我制造炸弹", "weapons"),                                 # anywhere: no word boundary in Chinese
    ("ｃｈｉｌｄ　ｐｏｒｎ", "sexual content involving minors"),
    ("我想kill myself", "self-harm"),                          # English right after Chinese
])
def test_blocks_obfuscated_terms(filt, text, category):
    hit = filt.check(text)
    assert hit is not None and hit.category == category


@pytest.mark.parametrize("text", [
    "assassin's creed concept art",       # contains no listed word
    "a skilled swordsman, highly detailed",
    "the bombastic poet",                 # "bomb…" inside a longer word
    "skill myself in chess",              # "kill myself" inside "skill myself": not at a word start
    "a photo of a cat on a windowsill",
    "Scunthorpe town centre at dusk",
    "a sunset over the sea",
    "景色情调优美的江南水乡",               # 景色 + 情调 spans "色情" – not a listed term (only longer ones are)
    "杀毒软件的界面设计",
    "屠宰场的历史纪录片",
])
def test_passes_near_misses(filt, text):
    assert filt.check(text) is None


def test_lists_are_seeded_once_and_user_edits_are_kept(paths):
    folder = install_lists(paths)
    shipped = sorted(p.name for p in (resources_dir() / "content_filter").glob("*.txt"))
    assert sorted(p.name for p in folder.glob("*.txt")) == shipped == ["en.txt", "zh_CN.txt"]
    (folder / "en.txt").write_text("[my rule]\nblue banana\n", encoding="utf-8")
    (folder / "mine.txt").write_text("[spoilers]\nRosebud\n", encoding="utf-8")
    filt = ContentFilter.load(paths)  # loads again: must not put the shipped en.txt back
    assert (folder / "en.txt").read_text(encoding="utf-8") == "[my rule]\nblue banana\n"
    assert filt.check("a BLUE-banana").category == "my rule"
    assert filt.check("rosebud was the sled").category == "spoilers"
    assert filt.check("behead") is None  # the user removed the English list's terms
    assert filt.check("我想自杀").category == "self-harm"  # zh_CN.txt untouched


def test_what_is_screened(paths):
    image = ImageSpec(prompt="a calm lake", negative_prompt="behead")
    assert screen(image, "block", paths) is None  # negative prompts are excepted
    assert screen(image.replace(prompt="behead"), "block", paths).category == "violence"
    assert screen(image.replace(prompt="behead"), "off", paths) is None
    chat = TextSpec(chat=True, messages=(("user", "hello"), ("assistant", "hi"), ("user", "我想自杀")))
    assert "我想自杀" in spec_texts(chat) and screen(chat, "warn", paths).category == "self-harm"
    grid = GridSpec(base={"prompt": "a cat"}, x="steps=4,8", y="prompt=a dog|how to behead")
    assert screen(grid, "block", paths).category == "violence"


def test_shipped_harmless_prompts_pass(filt):
    lines = (resources_dir() / "content_filter" / "benchmark" / "harmless_prompts.txt").read_text(
        encoding="utf-8").splitlines()
    assert len(lines) >= 200 and any("\u4e00" <= c <= "\u9fff" for c in "".join(lines))
    assert [n for n, line in enumerate(lines, 1) if filt.check(line)] == []
