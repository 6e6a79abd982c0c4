"""Items, colours and caption phrasings of the colourised Fashion-MNIST (Studio Fashion's training set).

Every caption uses the same phrasings for every item (the issue found that plural items lacking
the article other captions had were learnt badly), so "trousers" is always "a pair of trousers".
The colours are spread around the hue circle so a hue judge can tell them apart.
"""
from __future__ import annotations

import torch

# (primary name, synonyms) per Fashion-MNIST class, in label order.
ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("t-shirt", ("top",)),
    ("trousers", ("pants",)),
    ("pullover", ("sweater",)),
    ("dress", ()),
    ("coat", ("jacket",)),
    ("sandal", ()),
    ("shirt", ()),
    ("sneaker", ()),
    ("bag", ("handbag",)),
    ("ankle boot", ("boot",)),
)
PLURAL_ITEMS = {"trousers", "pants"}
# Colour name → (hue in degrees, saturation). Pink is a light magenta.
COLOURS: tuple[tuple[str, float, float], ...] = (
    ("red", 0.0, 0.95), ("orange", 28.0, 0.95), ("yellow", 55.0, 0.95), ("green", 120.0, 0.9),
    ("cyan", 185.0, 0.9), ("blue", 225.0, 0.9), ("purple", 275.0, 0.85), ("pink", 325.0, 0.6),
)
COLOUR_NAMES = tuple(c[0] for c in COLOURS)
ITEM_NAMES = tuple(i[0] for i in ITEMS)
ZH_CN_WORDS: dict[str, str] = {
    "T恤": "t-shirt", "t恤": "t-shirt", "短袖": "t-shirt", "长裤": "trousers", "裤子": "trousers", "套头衫": "pullover",
    "毛衣": "pullover", "卫衣": "pullover", "连衣裙": "dress", "裙子": "dress", "大衣": "coat", "外套": "coat", "凉鞋": "sandal",
    "衬衫": "shirt", "运动鞋": "sneaker", "球鞋": "sneaker", "包包": "bag", "手提包": "bag", "包": "bag", "短靴": "ankle boot",
    "踝靴": "ankle boot", "靴子": "ankle boot", "红色": "red", "橙色": "orange", "黄色": "yellow", "绿色": "green",
    "青色": "cyan", "蓝色": "blue", "紫色": "purple", "粉色": "pink", "粉红色": "pink", "红": "red", "橙": "orange",
    "黄": "yellow", "绿": "green", "青": "cyan", "蓝": "blue", "紫": "purple", "粉": "pink",
}
"""Chinese words for the garments and colours (and common synonyms), mapped onto the caption words: the
prompt is rewritten with them before encoding (studio.core.models.vocabulary.model_prompt), so 一只红色的运动鞋 draws
"a red sneaker". The model learnt English captions only; this mapping is what makes it read Chinese."""
ZH_CN_EXAMPLE = "一只红色的运动鞋"
TEMPLATES = ("{a} {colour} {item}", "{colour} {item}", "a photo of {a} {colour} {item}", "{a} {item} in {colour}")
SYNONYM_P = 0.25


def article(next_word: str, item: str) -> str:
    """'a pair of' for trousers, else 'a'/'an' by the following word's first letter."""
    if item in PLURAL_ITEMS:
        return "a pair of"
    return "an" if next_word[:1] in "aeiou" else "a"


def phrase(item: str, colour: str, template: int = 0) -> str:
    """The caption for an item name and colour with one of the ``TEMPLATES``."""
    t = TEMPLATES[template % len(TEMPLATES)]
    first = colour if t.index("{colour}") < t.index("{item}") else item
    return t.format(a=article(first, item), colour=colour, item=item)


def caption(label: int, colour: int, rnd: int) -> str:
    """A caption for class ``label`` in colour ``colour``; ``rnd`` (any int) picks phrasing and synonym."""
    primary, synonyms = ITEMS[label]
    item = primary
    if synonyms and (rnd >> 8) % 100 < SYNONYM_P * 100:
        item = synonyms[(rnd >> 16) % len(synonyms)]
    return phrase(item, COLOUR_NAMES[colour], rnd % len(TEMPLATES))


def all_words() -> set[str]:
    """Every word any caption can contain (for the trimmed vocabulary)."""
    words = {"a", "an", "pair", "of", "photo", "in"} | set(COLOUR_NAMES)
    for primary, syn in ITEMS:
        for name in (primary, *syn):
            words.update(name.split())
    return words


def all_captions() -> list[str]:
    """Every distinct caption the dataset can produce."""
    out = []
    for primary, syn in ITEMS:
        for item in (primary, *syn):
            for colour in COLOUR_NAMES:
                out += [phrase(item, colour, t) for t in range(len(TEMPLATES))]
    return out


def colour_rgb(colour: torch.Tensor, jitter: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] (N, 3) for colour indices, with small hue/saturation/value jitter from ``jitter`` in [0, 1)."""
    table = torch.tensor([[h, s] for _, h, s in COLOURS])[colour]
    h = ((table[:, 0] + (jitter[:, 0] - 0.5) * 12.0) % 360.0) / 60.0
    s = (table[:, 1] * (0.85 + 0.15 * jitter[:, 1])).clamp(max=1.0)
    v = 0.8 + 0.2 * jitter[:, 2]
    # HSV → RGB, vectorised: channel k takes v - v*s*clamp(min(m, 4 - m), 0, 1) with m = (k + h) mod 6.
    k = torch.tensor([5.0, 3.0, 1.0])
    m = (k[None] + h[:, None]) % 6.0
    return v[:, None] - (v * s)[:, None] * torch.minimum(m, 4.0 - m).clamp(0.0, 1.0)


def hue_to_colour(hue_deg: float) -> int:
    """The index of the colour whose hue is nearest (on the circle) to ``hue_deg``."""
    def dist(h: float) -> float:
        d = abs(h - hue_deg) % 360.0
        return min(d, 360.0 - d)
    return min(range(len(COLOURS)), key=lambda i: dist(COLOURS[i][1]))


def vocabulary() -> dict:
    """What the captions teach, for the model card (``studio_model.json`` "vocabulary"; the prompt editor
    shows it and warns about prompts outside it): the garments, the colours, and the synonyms also known."""
    return {"garments": list(ITEM_NAMES), "colours": list(COLOUR_NAMES),
            "also": sorted(s for _, syn in ITEMS for s in syn),
            "example": "a red sneaker", "zh_CN": dict(ZH_CN_WORDS), "example_zh_CN": ZH_CN_EXAMPLE}

