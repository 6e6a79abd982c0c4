"""Items, colours and caption phrasings of the colourised Fashion-MNIST (Studio Fashion's training set).

Every caption uses the same phrasings for every item (the issue found that plural items lacking
the article other captions had were learnt badly), so "trousers" is always "a pair of trousers".
The chromatic colours are spread around the hue circle so a hue judge can tell them apart; black,
white, grey and brown (learnt later, by tools/finetune_fashion_colours.py) are told apart by saturation
and value. Every colour is drawn on the same black background; "black" is drawn as a dark charcoal
garment (value 0.24–0.3, so it stays visible on black), grey mid-grey (0.46–0.58), white bright (0.8–1):
a brightness ladder of unsaturated garments. Brown is a dark, less saturated orange.
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
# Colour name → (hue in degrees, saturation, value, background value). Pink is a light magenta. The first
# FIRST_COLOURS are what Studio Fashion first learnt (and Studio CLIP knows). Every colour is drawn on black:
# pixel = background·(1 − g) + colour·g for garment brightness g; "black" is a charcoal garment (V 0.3).
COLOURS: tuple[tuple[str, float, float, float, float], ...] = (
    ("red", 0.0, 0.95, 1.0, 0.0), ("orange", 28.0, 0.95, 1.0, 0.0), ("yellow", 55.0, 0.95, 1.0, 0.0),
    ("green", 120.0, 0.9, 1.0, 0.0), ("cyan", 185.0, 0.9, 1.0, 0.0), ("blue", 225.0, 0.9, 1.0, 0.0),
    ("purple", 275.0, 0.85, 1.0, 0.0), ("pink", 325.0, 0.6, 1.0, 0.0),
    ("black", 0.0, 0.0, 0.3, 0.0), ("white", 0.0, 0.0, 1.0, 0.0), ("grey", 0.0, 0.0, 0.58, 0.0),
    ("brown", 24.0, 0.75, 0.55, 0.0),
)
FIRST_COLOURS = 8
# The judge's value bands for unsaturated garments (brightest pixels): black (V 0.24–0.3) < 0.38 ≤ grey
# (V 0.46–0.58) < 0.69 ≤ white (V 0.8–1), each boundary midway between the rendered bands.
BLACK_BELOW, WHITE_ABOVE = 0.38, 0.69
COLOUR_SYNONYMS: dict[str, tuple[str, ...]] = {"grey": ("gray",)}
COLOUR_NAMES = tuple(c[0] for c in COLOURS)
ITEM_NAMES = tuple(i[0] for i in ITEMS)
ZH_CN_WORDS: dict[str, str] = {
    "T恤": "t-shirt", "t恤": "t-shirt", "短袖": "t-shirt", "长裤": "trousers", "裤子": "trousers", "套头衫": "pullover",
    "毛衣": "pullover", "卫衣": "pullover", "连衣裙": "dress", "裙子": "dress", "大衣": "coat", "外套": "coat", "凉鞋": "sandal",
    "衬衫": "shirt", "运动鞋": "sneaker", "球鞋": "sneaker", "包包": "bag", "手提包": "bag", "包": "bag", "短靴": "ankle boot",
    "踝靴": "ankle boot", "靴子": "ankle boot", "红色": "red", "橙色": "orange", "黄色": "yellow", "绿色": "green",
    "青色": "cyan", "蓝色": "blue", "紫色": "purple", "粉色": "pink", "粉红色": "pink", "红": "red", "橙": "orange",
    "黄": "yellow", "绿": "green", "青": "cyan", "蓝": "blue", "紫": "purple", "粉": "pink", "黑色": "black",
    "白色": "white", "灰色": "grey", "棕色": "brown", "咖啡色": "brown", "褐色": "brown", "黑": "black", "白": "white",
    "灰": "grey", "棕": "brown",
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
    name = COLOUR_NAMES[colour]
    colour_syn = COLOUR_SYNONYMS.get(name, ())
    if colour_syn and (rnd >> 20) % 100 < 30:  # "gray" in 30 % of the grey captions
        name = colour_syn[(rnd >> 12) % len(colour_syn)]
    return phrase(item, name, rnd % len(TEMPLATES))


def all_words() -> set[str]:
    """Every word any caption can contain (for the trimmed vocabulary)."""
    words = {"a", "an", "pair", "of", "photo", "in"} | set(COLOUR_NAMES) | {w for s in COLOUR_SYNONYMS.values() for w in s}
    for primary, syn in ITEMS:
        for name in (primary, *syn):
            words.update(name.split())
    return words


def colour_words(colours: int | None = None) -> list[str]:
    """The colour names (of the first ``colours``, default all) and their synonyms ("gray")."""
    names = COLOUR_NAMES[:colours]
    return list(names) + [s for n in names for s in COLOUR_SYNONYMS.get(n, ())]


def all_captions(colours: int | None = None) -> list[str]:
    """Every distinct caption the dataset can produce (with the first ``colours`` colours; default all)."""
    out = []
    for primary, syn in ITEMS:
        for item in (primary, *syn):
            for colour in colour_words(colours):
                out += [phrase(item, colour, t) for t in range(len(TEMPLATES))]
    return out


def colour_rgb(colour: torch.Tensor, jitter: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] (N, 3) for colour indices, with small hue/saturation/value jitter from ``jitter`` in [0, 1)."""
    table = torch.tensor([[h, s, v] for _, h, s, v, _bg in COLOURS])[colour]
    h = ((table[:, 0] + (jitter[:, 0] - 0.5) * 12.0) % 360.0) / 60.0
    s = (table[:, 1] * (0.85 + 0.15 * jitter[:, 1])).clamp(max=1.0)
    v = table[:, 2] * (0.8 + 0.2 * jitter[:, 2])
    # HSV → RGB, vectorised: channel k takes v - v*s*clamp(min(m, 4 - m), 0, 1) with m = (k + h) mod 6.
    k = torch.tensor([5.0, 3.0, 1.0])
    m = (k[None] + h[:, None]) % 6.0
    return v[:, None] - (v * s)[:, None] * torch.minimum(m, 4.0 - m).clamp(0.0, 1.0)


def render(gray: torch.Tensor, colour: torch.Tensor, jitter: torch.Tensor) -> torch.Tensor:
    """Grey garments (N, 1, H, W) in [0, 1] drawn in colours (N,) → RGB (N, 3, H, W) in [0, 1]: the
    colour where the garment is bright, the colour's background (black for every colour) elsewhere."""
    dev = gray.device
    rgb = colour_rgb(colour.cpu(), jitter.cpu()).to(dev)[:, :, None, None]
    bg = torch.tensor([c[4] for c in COLOURS])[colour.cpu()].to(dev)[:, None, None, None]
    return bg * (1.0 - gray) + rgb * gray


def hue_to_colour(hue_deg: float) -> int:
    """The index of the bright, saturated colour (red … pink) whose hue is nearest (on the circle) to ``hue_deg``."""
    def dist(h: float) -> float:
        d = abs(h - hue_deg) % 360.0
        return min(d, 360.0 - d)
    pool = [i for i, c in enumerate(COLOURS) if c[2] > 0 and c[3] >= 1.0]
    return min(pool, key=lambda i: dist(COLOURS[i][1]))


def judge_colour(rgb) -> int:
    """The colour index of one drawn garment, (3, H, W) RGB in [0, 1] (numpy or torch), by hue, saturation
    and value of its foreground; -1 when nothing is drawn. (A rule, not a learnt model: the benchmark's judge.)

    On the dark background the garment is the brighter pixels: mostly saturated → its hue (orange vs brown by
    brightness), else black (charcoal), grey or white by brightness. The brightest pixels carry the colour's
    value (Fashion-MNIST garments all reach full brightness somewhere; their own shading dims the rest).
    """
    import numpy as np

    x = np.asarray(rgb, dtype=np.float32).reshape(3, -1).T
    v = x.max(1)
    s = np.where(v > 1e-3, (v - x.min(1)) / np.maximum(v, 1e-3), 0.0)
    index = {c[0]: i for i, c in enumerate(COLOURS)}
    if float(np.sort(v)[-3:].mean()) < 0.12:  # nothing drawn on the black background
        return -1
    fg = v > 0.35 * v.max()
    fg_x, fg_s, fg_v = x[fg], s[fg], v[fg]
    chroma = fg_s >= 0.3
    if float((fg_v * chroma).sum()) < 0.5 * float(fg_v.sum()):  # mostly unsaturated: black, grey or white
        top = float(np.sort(fg_v)[-3:].mean())
        return index["black"] if top < BLACK_BELOW else index["grey"] if top < WHITE_ABOVE else index["white"]
    import colorsys

    hues = np.array([colorsys.rgb_to_hsv(*p)[0] * 360.0 for p in fg_x[chroma]])
    hist, _ = np.histogram(hues, bins=36, range=(0, 360), weights=fg_s[chroma] * fg_v[chroma])
    hue = float(np.argmax(hist) * 10 + 5)
    c = hue_to_colour(hue)
    # Brown is a dark orange: told apart by its brightest pixels.
    if 5.0 < hue < 45.0 and float(np.sort(fg_v[chroma])[-3:].mean()) < 0.68:
        return index["brown"]
    return c


def vocabulary(colours: int | None = None) -> dict:
    """What the captions teach, for the model card (``studio_model.json`` "vocabulary"; the prompt editor
    shows it and warns about prompts outside it): the garments, the (first ``colours``) colours, and the
    synonyms also known."""
    names = COLOUR_NAMES[:colours]
    zh = {k: v for k, v in ZH_CN_WORDS.items() if v in ITEM_NAMES or v in names}
    return {"garments": list(ITEM_NAMES), "colours": list(names),
            "also": sorted([s for _, syn in ITEMS for s in syn] + [s for n in names for s in COLOUR_SYNONYMS.get(n, ())]),
            "example": "a red sneaker", "zh_CN": zh, "example_zh_CN": ZH_CN_EXAMPLE}
