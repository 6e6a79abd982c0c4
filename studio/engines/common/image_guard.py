"""The content filter's image check: a generated image against the settings' concept phrases, with CLIP.

The text half of the filter (:mod:`studio.engines.content_guard`) runs where every job passes; this half runs
inside the image engine, on each image before it is saved.
"""
from __future__ import annotations

import logging
from typing import Any

from studio.core.content_filter import ContentBlocked, Match, flagged_message
from studio.core.i18n import _
from studio.core.progress import Reporter
from studio.engines.common.clip_model import load_clip
from studio.engines.context import EngineContext

log = logging.getLogger(__name__)


def check_image(image: Any, reporter: Reporter, ctx: EngineContext) -> None:
    """The CLIP concept check of a generated image, before it is saved (like Stable Diffusion's safety
    checker): the image's cosine similarity to each concept phrase of the settings; at the threshold or
    above, "block" raises ContentBlocked naming the concept and "warn" adds a line to the job's log."""
    settings = ctx.settings
    if settings.content_filter == "off" or not settings.content_filter_concepts:
        return
    concepts = list(settings.content_filter_concepts)
    sims = load_clip(ctx, settings.content_filter_clip).similarity([image], concepts)[0].tolist()
    best = max(range(len(concepts)), key=lambda i: sims[i])
    if sims[best] < settings.content_filter_threshold:
        return
    log.warning("content filter (%s): image matched concept %r (similarity %.3f)", settings.content_filter,
                concepts[best], sims[best])
    hit = Match(_("image concept: {concept}").format(concept=concepts[best]), "clip")
    if settings.content_filter == "block":
        raise ContentBlocked(_("The image was stopped by the content filter ({category}); it was not saved.").format(
            category=hit.label()))
    reporter.log(flagged_message(hit))
