"""The samplers (schedulers) an image job may name, how the window labels them, and the timestep spacings.

One list for the spec, the window, the CLI, the PNG and the engine (``studio.engines.pipelines.schedulers``
maps each name to its diffusers class). Pure Python.
"""
from __future__ import annotations

from studio.core.i18n import N_

SCHEDULERS = ("euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "ddim", "unipc", "pndm", "lms", "heun", "ddpm",
              "lcm", "tcd")
SCHEDULER_LABELS = {
    "euler": "Euler", "euler_a": "Euler a", "dpmpp_2m": "DPM++ 2M", "dpmpp_2m_karras": "DPM++ 2M Karras",
    "ddim": "DDIM", "unipc": "UniPC", "pndm": "PNDM", "lms": "LMS", "heun": "Heun", "ddpm": "DDPM",
    "lcm": "LCM", "tcd": "TCD",
}
FEW_STEP_SCHEDULERS = ("lcm", "tcd")
"""Samplers that only work with a model or LoRA distilled for them (LCM, TCD, DMD2, Hyper-SD)."""

TIMESTEP_SPACINGS = ("", "trailing", "leading", "linspace")
"""``ImageSpec.timestep_spacing``: "" keeps the model's own; "trailing" starts at the last training step, as
Turbo/Lightning/Hyper-SD models are sampled (diffusers' ``timestep_spacing``)."""
SPACING_LABELS = {"": N_("Model's own"), "trailing": N_("Trailing (Turbo, Lightning)"),
                  "leading": N_("Leading"), "linspace": N_("Linspace")}
"""How the window names each spacing (shown with ``_()``/``tr``)."""

DECODERS = ("", "full", "fast")
"""``ImageSpec.decoder``: "" follows the settings (``fast_decode``); "full": the model's VAE; "fast": a tiny
decoder (TAESD/TAESDXL/TAESD3/TAEF1) when one is installed for the latent space (lower quality)."""
