"""What a model can do, read from its registry entry: canvas edits, the samplers that work with it, and
the prompt-editor inputs it ignores. The facts come from the capability table (``studio.core.models.families``).

The window and the CLI ask here before queueing, so a person never waits for a job that must fail;
the engines keep their own refusals for specs that come from elsewhere (PNGs, the queue file).
"""
from __future__ import annotations

from studio.core.models.families import DIFFUSION_TYPES, PIXEL_TYPES, caps_of, capabilities
from studio.core.i18n import _
from studio.core.models.registry import ModelEntry
from studio.core.specs.samplers import SCHEDULER_LABELS, SCHEDULERS

__all__ = ["DIFFUSION_TYPES", "PIXEL_TYPES", "EDIT_OPS", "edit_refusal", "karras_refusal", "schedulers_for",
           "scheduler_refusal", "ignored_inputs", "entry_ignores"]
EDIT_OPS = ("img2img", "inpaint", "outpaint")
FLOW_SCHEDULERS = ("euler",)
"""Flow-matching families run their own flow-matching Euler scheduler: the only sampler offered."""
COSINE_SCHEDULE = "squaredcos_cap_v2"
KARRAS_SCHEDULERS = ("dpmpp_2m_karras",)
"""Samplers that force Karras sigmas (the others run with the model's own spacing)."""


def edit_refusal(entry: ModelEntry | None, op: str) -> str:
    """Why ``entry`` cannot do the canvas edit ``op`` ("" when it can, or when it is not known).

    A model picked from disk is not in the registry (None): the engine decides then.
    """
    if entry is None:
        return ""
    caps = caps_of(entry)
    if caps.img2img if op == "img2img" else caps.inpaint:
        return ""
    title = str((entry.details or {}).get("title") or entry.name)
    what = {"img2img": _("img2img"), "inpaint": _("inpaint"), "outpaint": _("outpaint")}.get(op, op)
    return _("{model} cannot {what}: choose a Stable Diffusion style model or one of the studio's own.").format(
        model=title, what=what)


def karras_refusal(scheduler: str, beta_schedule: str) -> str:
    """Why ``scheduler`` cannot run on a model trained with ``beta_schedule`` ("" when it can).

    Karras sigmas on a cosine schedule bunch nearly every step at the noisiest end, and diffusers' DPM
    solver then indexes past its sigmas (huggingface/diffusers#12771).
    """
    if scheduler in KARRAS_SCHEDULERS and beta_schedule == COSINE_SCHEDULE:
        return _("{sampler} does not suit this model's cosine noise schedule; choose {other} or another "
                 "sampler.").format(sampler=SCHEDULER_LABELS.get(scheduler, scheduler),
                                    other=SCHEDULER_LABELS["dpmpp_2m"])
    return ""


def schedulers_for(entry: ModelEntry | None) -> tuple[str, ...]:
    """The samplers that work with ``entry`` (all of them when it is not known)."""
    beta = str((entry.details or {}).get("beta_schedule", "")) if entry is not None else ""
    if entry is not None and caps_of(entry).flow:
        return FLOW_SCHEDULERS
    return tuple(s for s in SCHEDULERS if not karras_refusal(s, beta))


def scheduler_refusal(entry: ModelEntry | None, scheduler: str) -> str:
    """Why ``scheduler`` does not work with ``entry`` ("" when it does)."""
    beta = str((entry.details or {}).get("beta_schedule", "")) if entry is not None else ""
    if entry is not None and caps_of(entry).flow and scheduler not in FLOW_SCHEDULERS:
        return _("{model} is a flow-matching model: it runs its own Euler sampler; choose {other}.").format(
            model=str((entry.details or {}).get("title") or entry.name), other=SCHEDULER_LABELS["euler"])
    return karras_refusal(scheduler, beta)


IGNORED_INPUTS: dict[str, frozenset[str]] = {
    "studio_ddpm": frozenset({"prompt", "negative_prompt", "guidance", "size", "loras"}),
}
"""Prompt-editor inputs a model type takes no notice of (an unconditional DDPM draws at its own size,
without a prompt): the editor does not offer them and the image's metadata does not claim them."""


def entry_ignores(entry: ModelEntry | None) -> frozenset[str]:
    """:func:`ignored_inputs` of a registry entry; FLUX.1 schnell (no guidance embedding) ignores the CFG too."""
    if entry is None:
        return frozenset()
    from studio.core.models.few_step import KIND_TITLES

    schnell = (entry.details or {}).get("few_step") == KIND_TITLES["schnell"]
    return ignored_inputs(entry.type, entry.family) | (frozenset({"guidance"}) if schnell else frozenset())


def ignored_inputs(model_type: str, family: str = "") -> frozenset[str]:
    """The ImageSpec inputs (prompt, negative_prompt, guidance, size, loras, timestep_spacing) a model of this
    type and family ignores (FLUX.1 has no negative prompt; SANA-Sprint's guidance is distilled in; the
    flow-matching families' own schedulers have no timestep spacing)."""
    caps = capabilities(model_type, family)
    extra = {name for name, has in (("negative_prompt", caps.negative_prompt), ("guidance", caps.guidance),
                                    ("timestep_spacing", caps.timestep_spacing))
             if not has}
    return IGNORED_INPUTS.get(model_type, frozenset()) | frozenset(extra)
