"""Studio scheduler names → diffusers scheduler classes, built from the pipeline's own config."""
from __future__ import annotations

from typing import Any, Mapping

import diffusers

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.models.caps import karras_refusal
from studio.core.specs.samplers import SCHEDULERS

# name → (diffusers class name, overrides). Overrides are explicit both ways (e.g. Karras on/off)
# because the config handed in may come from a scheduler a previous job set.
SCHEDULER_CLASSES: dict[str, tuple[str, dict[str, Any]]] = {
    "euler": ("EulerDiscreteScheduler", {"use_karras_sigmas": False}),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}),
    "dpmpp_2m": ("DPMSolverMultistepScheduler",
                 {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": False}),
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler",
                        {"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": True}),
    "ddim": ("DDIMScheduler", {}),
    "unipc": ("UniPCMultistepScheduler", {"use_karras_sigmas": False}),
    "pndm": ("PNDMScheduler", {"skip_prk_steps": True}),  # PLMS, as A1111 and the SD pipelines use it
    "lms": ("LMSDiscreteScheduler", {"use_karras_sigmas": False}),
    "heun": ("HeunDiscreteScheduler", {"use_karras_sigmas": False}),
    "ddpm": ("DDPMScheduler", {}),
    "lcm": ("LCMScheduler", {}),  # few-step: LCM / LCM-LoRA / DMD2 (diffusers' own settings for them)
    "tcd": ("TCDScheduler", {}),  # few-step: TCD-LoRA, Hyper-SD's 1-step LoRA
}


def make_scheduler(name: str, base_config: Mapping[str, Any], timestep_spacing: str = ""):
    """A fresh scheduler ``name`` configured like the model's own (betas, prediction type, spacing).

    ``timestep_spacing``: "" keeps the model's; "trailing" (Turbo/Lightning), "leading" or "linspace"."""
    if name not in SCHEDULER_CLASSES:
        raise SpecError(_("Unknown scheduler {name!r}; choose one of: {schedulers}.").format(
            name=name, schedulers=', '.join(SCHEDULERS)))
    cls_name, overrides = SCHEDULER_CLASSES[name]
    refusal = karras_refusal(name, str(base_config.get("beta_schedule", "")))
    if refusal:  # a clear error instead of diffusers' IndexError deep in the solver
        raise SpecError(refusal)
    if timestep_spacing:
        overrides = {**overrides, "timestep_spacing": timestep_spacing}
    cls = getattr(diffusers, cls_name)
    return cls.from_config(dict(base_config), **overrides)


def x0_source(scheduler) -> str:
    """Where the scheduler exposes its clean-image prediction after a step.

    'output': the step's second return value (``pred_original_sample``); 'model_outputs': the last
    converted model output of multistep solvers predicting x0; 'none': only the noisy latents.
    """
    name = type(scheduler).__name__
    if name in ("DPMSolverMultistepScheduler",):
        return "model_outputs" if "++" in str(scheduler.config.get("algorithm_type", "")) else "none"
    if name == "UniPCMultistepScheduler":
        return "model_outputs" if scheduler.config.get("predict_x0", True) else "none"
    if name in ("PNDMScheduler", "TCDScheduler"):  # TCD returns x_s, not x0
        return "none"
    return "output"
