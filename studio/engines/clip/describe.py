"""The ``describe`` job: image → prompt with a CLIP, the CLIP-interrogator way (``studio.core.describe``).

1. The CLIP's phrase banks: the vocabulary of the model it pairs with (Studio CLIP → Studio Fashion's
   garments and colours), else the generic banks; phrases its tokenizer does not know as words are dropped.
2. Every subject × colour phrase is scored against the image (the top few of each bank when there are
   too many pairs): the best one is the prompt, unless a captioning model is installed: then its caption
   starts the prompt and the best colour follows when the CLIP finds it raises the match.
3. The flavour chain: the best style, then the best medium, each kept only if it raises the similarity.
"""
from __future__ import annotations

import time

import torch

from studio.core import describe as d
from studio.core.image_io import open_rgb
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.models.registry import ModelEntry
from studio.core.results import DescribeResult, RankedPhrase
from studio.core.specs.image import DescribeSpec
from studio.core.models.vocabulary import Vocabulary, vocabulary_of
from studio.engines.common.clip_model import Clip, load_clip, resolve_clip
from studio.engines.context import EngineContext

SHOWN = 5
"""Best phrases per bank kept in the result (the CLI prints them)."""
TEXT_CACHE_MAX = 4096
"""Text embeddings kept per loaded CLIP: the banks' phrases are the same for every image."""


def _text_cache(clip: Clip) -> dict[str, torch.Tensor]:
    """The text-embedding cache of this loaded CLIP (it lives and goes with the CLIP in the model cache)."""
    cache = getattr(clip, "describe_texts", None)
    if cache is None:
        cache = {}
        setattr(clip, "describe_texts", cache)
    return cache


def paired_vocabulary(ctx: EngineContext, clip_entry: ModelEntry) -> Vocabulary | None:
    """The vocabulary of the model the CLIP's card pairs it with (Studio CLIP → Studio Fashion), if any."""
    partner = str(clip_entry.details.get("pairs_with") or "")
    if not partner:
        return None
    return next((v for e in ctx.registry.find(partner) if (v := vocabulary_of(e)) is not None), None)


def known_phrase(clip: Clip, phrase: str) -> bool:
    """Whether the CLIP's tokenizer knows every word of ``phrase`` (a trimmed one spells others out)."""
    for word in d.split_words(phrase):
        ids = clip.tokenizer(word, add_special_tokens=False).input_ids
        if not d.word_ok(len(ids), word):
            return False
    return True


class Ranker:
    """Cosine similarities of texts with one image, text embeddings cached."""

    def __init__(self, clip: Clip, image) -> None:
        self.clip = clip
        self.image = clip.encode_images([image])[0]
        self._texts = _text_cache(clip)

    def sims(self, texts: list[str]) -> list[float]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._texts]
        for i in range(0, len(todo), 256):
            part = todo[i:i + 256]
            self._texts.update(zip(part, self.clip.encode_texts(part)))
        if len(self._texts) > TEXT_CACHE_MAX:  # captions make new texts every time: keep the cache bounded
            for key in list(self._texts)[:len(self._texts) - TEXT_CACHE_MAX]:
                del self._texts[key]
        return [float(self._texts[t] @ self.image) if t in self._texts else
                float(self.clip.encode_texts([t])[0] @ self.image) for t in texts]

    def ranked(self, bank: str, phrases: tuple[str, ...], texts: list[str] | None = None) -> list[RankedPhrase]:
        sims = self.sims(texts or list(phrases))
        order = sorted(range(len(phrases)), key=lambda i: -sims[i])
        return [RankedPhrase(bank, phrases[i], round(sims[i], 4)) for i in order]


def best_pair(ranker: Ranker, subjects: list[RankedPhrase], colours: list[RankedPhrase]) -> tuple[str, str, float]:
    """(subject, colour, similarity) of the best composed phrase: every pair when there are few."""
    if len(subjects) * max(1, len(colours)) > d.COMPOSE_ALL_LIMIT:
        subjects, colours = subjects[:d.TOP_K], colours[:d.TOP_K]
    pairs = d.pairs([s.phrase for s in subjects], [c.phrase for c in colours])
    sims = ranker.sims([d.noun_phrase(s, c) for s, c in pairs])
    i = max(range(len(pairs)), key=lambda k: sims[k])
    return pairs[i][0], pairs[i][1], sims[i]


def flavour_chain(ranker: Ranker, prompt: str, sim: float, banks: d.PhraseBanks,
                  ranked: list[RankedPhrase]) -> tuple[list[str], float]:
    """The styles/media that raise the similarity by at least FLAVOUR_GAIN (one per bank), and the end value."""
    chosen: list[str] = []
    for bank in ("styles", "media"):
        phrases = banks.bank(bank)
        if not phrases:
            continue
        rows = ranker.ranked(bank, phrases, [d.with_flavour(prompt, p) for p in phrases])
        ranked.extend(rows[:SHOWN])
        if rows[0].similarity >= sim + d.FLAVOUR_GAIN:
            chosen.append(rows[0].phrase)
            prompt, sim = d.with_flavour(prompt, rows[0].phrase), rows[0].similarity
    return chosen, sim


def run(spec: DescribeSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> DescribeResult:
    t0 = time.perf_counter()
    from studio.engines.clip.caption import caption, find_captioner, load_captioner

    image = open_rgb(spec.image)
    captioner_entry = find_captioner(ctx, spec.captioner)
    clip_entry = resolve_clip(ctx, spec.clip)
    clip = load_clip(ctx, spec.clip)
    banks = d.banks_for(paired_vocabulary(ctx, clip_entry)).known(lambda p: known_phrase(clip, p))
    reporter.progress(1, 4, _("Ranking phrases with {clip}").format(clip=clip.name))
    with torch.no_grad():
        ranker = Ranker(clip, image)
        subjects = ranker.ranked("subjects", banks.subjects, [d.noun_phrase(s) for s in banks.subjects])
        colours = ranker.ranked("colours", banks.colours) if banks.colours else []
        subject, colour, sim = best_pair(ranker, subjects, colours)
        ranked = subjects[:SHOWN] + colours[:SHOWN]
        text, cap, captioner_name = "", "", ""
        if captioner_entry is not None and not cancel.cancelled:
            reporter.progress(2, 4, _("Captioning with {model}").format(model=captioner_entry.title))
            captioner = load_captioner(ctx, captioner_entry)
            cap, captioner_name = caption(captioner, image), captioner.name
        if cap:
            plain = d.compose(cap, "", "", ())
            sim_plain = ranker.sims([plain])[0]
            with_colour = d.compose(cap, "", colour, ())
            sim_colour = ranker.sims([with_colour])[0] if colour else -2.0
            text, sim = (with_colour, sim_colour) if sim_colour >= sim_plain + d.FLAVOUR_GAIN else (plain, sim_plain)
        else:
            text = d.compose("", subject, colour, ())
        if cancel.cancelled:
            return DescribeResult(cancelled=True, clip=clip.name)
        reporter.progress(3, 4, _("Choosing styles and media"))
        flavours, sim = flavour_chain(ranker, text, sim, banks, ranked)
        for f in flavours:
            text = d.with_flavour(text, f)
    reporter.progress(4, 4, _("Described"))
    reporter.log(_("Described with {clip}: {prompt}").format(clip=clip.name, prompt=text))
    return DescribeResult(text=text, model=clip.name, clip=clip.name, caption=cap, captioner=captioner_name,
                          ranked=tuple(ranked), similarity=round(sim, 4),
                          seconds=round(time.perf_counter() - t0, 3))
