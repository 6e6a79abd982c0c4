"""A1111's ``<lora:name:weight>`` prompt tags: parsed out of a prompt into ``ImageSpec.loras``, and back.

AUTOMATIC1111 and Forge write the LoRAs of an image as tags in the prompt (``a cat <lora:ink:0.8>``);
the tags are not words for the text encoder, so they are removed from the text the model reads and
applied as LoRAs instead. ``<lyco:…>`` (LyCORIS) tags are read the same way. The weight is the first
number after the name (1 when absent); a second one (A1111's separate UNet weight) is ignored.
Pure Python.
"""
from __future__ import annotations

import re
from typing import Iterable

from studio.core.errors import SpecError
from studio.core.i18n import _

TAG = re.compile(r"<(lora|lyco):([^<>]*)>", re.IGNORECASE)
MIN_WEIGHT, MAX_WEIGHT = -10.0, 10.0

Loras = tuple[tuple[str, float], ...]


def _weight(text: str, tag: str) -> float:
    text = text.strip()
    if text.lower().startswith(("te=", "unet=")):  # A1111's named form <lora:x:te=0.5>
        text = text.partition("=")[2]
    try:
        return float(text)
    except ValueError:
        raise SpecError(_("Cannot read the weight in {tag}: write it like <lora:name:0.8>.").format(tag=tag)) from None


def parse_tag(tag: str) -> tuple[str, float]:
    """(name, weight) of one ``<lora:…>`` tag's inside text (what follows ``lora:``)."""
    name, *rest = tag.split(":")
    name = name.strip()
    if not name:
        raise SpecError(_("A LoRA tag needs a name: <lora:name:0.8>."))
    return name, _weight(rest[0], f"<lora:{tag}>") if rest and rest[0].strip() else 1.0


def find_tags(prompt: str) -> list[tuple[int, int, str, float]]:
    """(start, end, name, weight) of every tag in ``prompt``, in order."""
    out = []
    for m in TAG.finditer(prompt):
        name, weight = parse_tag(m.group(2))
        out.append((m.start(), m.end(), name, weight))
    return out


def merge(*groups: Iterable[tuple[str, float]]) -> Loras:
    """LoRAs in order of first mention; a name mentioned again takes its last weight."""
    merged: dict[str, float] = {}
    for group in groups:
        for name, weight in group:
            merged[name] = float(weight)
    return tuple(merged.items())


def extract(prompt: str) -> tuple[str, Loras]:
    """The prompt without its LoRA tags (spaces they leave tidied), and the LoRAs they name."""
    tags = find_tags(prompt)
    if not tags:
        return prompt, ()
    text = TAG.sub(" ", prompt)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.;])", r"\1", text)  # "a cat , " left by "a cat <lora:x>, ..."
    text = re.sub(r"(?:,\s*)+$", "", text.strip()).strip()
    return text, merge((name, w) for _s, _e, name, w in tags)


def tag(name: str, weight: float) -> str:
    """The A1111 tag for one LoRA: ``<lora:name:0.8>``."""
    return f"<lora:{name}:{weight:g}>"


def with_tags(prompt: str, loras: Iterable[tuple[str, float]]) -> str:
    """``prompt`` with a tag for each LoRA appended (as A1111 writes its prompts); tags already there stay."""
    present = {name for _s, _e, name, _w in find_tags(prompt)}
    tags = [tag(n, w) for n, w in loras if n not in present]
    if not tags:
        return prompt
    return (prompt.rstrip() + " " if prompt.strip() else "") + " ".join(tags)


def set_weight(prompt: str, name: str, weight: float | None) -> str:
    """``prompt`` with the tag of LoRA ``name`` set to ``weight`` (appended when absent, removed for None)."""
    for start, end, n, _w in find_tags(prompt):
        if n == name:
            if weight is None:
                before, after = prompt[:start].rstrip(" "), prompt[end:].lstrip(" ")
                if not after:
                    return before.rstrip(" ,")
                if not before:
                    return after.lstrip(" ,")
                return before + ("" if after[0] in ",.;" or before[-1] in "\n" else " ") + after
            return prompt[:start] + tag(name, weight) + prompt[end:]
    return prompt if weight is None else with_tags(prompt, [(name, weight)])


def check(loras: Iterable[tuple[str, float]]) -> None:
    """SpecError for an empty name or a weight outside what any UI offers."""
    for name, weight in loras:
        if not str(name).strip():
            raise SpecError(_("A LoRA needs a name."))
        if not MIN_WEIGHT <= float(weight) <= MAX_WEIGHT:
            raise SpecError(_("The weight of LoRA {name} must be between {lo:g} and {hi:g} (got {w:g}).").format(
                name=name, lo=MIN_WEIGHT, hi=MAX_WEIGHT, w=float(weight)))


def hashes_field(hashes: Iterable[tuple[str, str]]) -> str:
    """A1111's ``Lora hashes`` value: ``name: hash, name2: hash2``."""
    return ", ".join(f"{n}: {h}" for n, h in hashes if h)


def parse_hashes_field(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        name, sep, h = part.rpartition(":")
        if sep and name.strip():
            out[name.strip()] = h.strip()
    return out
