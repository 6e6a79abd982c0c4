"""The CLIP score a generated image carries: which CLIP scores it, and the score.

Choice, first that applies: the job's own ``clip`` (a name, or "none"); the image model's paired CLIP
(its card's ``clip``: Studio Fashion names Studio CLIP); the settings' ``score_clip``. A CLIP the user
named that cannot be used fails the job with one line before anything is generated; a paired or
default CLIP that is missing only costs the score (logged).
"""
from __future__ import annotations

import time

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.pngmeta import ClipScore
from studio.core.progress import Reporter
from studio.core.specs.prompt_weights import strip_weights
from studio.core.models.registry import ModelEntry
from studio.core.specs.base import NO_CLIP
from studio.engines.common.clip_model import load_clip, resolve_clip


def chosen_clip(ctx, job_clip: str, model: ModelEntry | None) -> tuple[str, bool]:
    """(CLIP name or "" for no scoring, whether the user named it explicitly)."""
    if job_clip:
        return ("", True) if job_clip == NO_CLIP else (job_clip, True)
    paired = str(model.details.get("clip") or "") if model is not None else ""
    if paired:
        return paired, False
    setting = ctx.settings.score_clip
    return ("", False) if setting in ("", NO_CLIP) else (setting, False)


def check_chosen(ctx, job_clip: str) -> None:
    """Fail early (before generating) when the job names a CLIP that cannot be used."""
    if job_clip and job_clip != NO_CLIP:
        resolve_clip(ctx, job_clip)


def score_image(ctx, image, prompt: str, name: str, explicit: bool, reporter: Reporter) -> ClipScore | None:
    """The CLIP score of a PIL image against its prompt (weights syntax removed); None when not scored."""
    if not name:
        return None
    try:
        clip = load_clip(ctx, name)
    except ModelError as exc:
        if explicit:
            raise
        reporter.log(_("No CLIP score: {reason}").format(reason=exc))
        return None
    t0 = time.perf_counter()
    value = clip.score([image], [strip_weights(prompt)])[0]
    reporter.log(_("CLIP score {score:.1f} ({clip}, {ms:.0f} ms)").format(
        score=value, clip=clip.name, ms=(time.perf_counter() - t0) * 1000))
    return ClipScore(score=value, clip=clip.name)
