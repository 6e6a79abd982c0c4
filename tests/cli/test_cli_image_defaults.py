"""`generate image` follows the model's recommendation unless a flag overrides it (as the window does)."""
from __future__ import annotations

import pytest

from studio.cli import build_parser
from studio.cli.gen_image import _base_spec
from studio.core.errors import SpecError


def spec_for(*argv: str):
    args = build_parser().parse_args(["generate", "image", "--prompt", "a red sneaker", *argv])
    return _base_spec(args, seed=7)


def test_studio_fashion_defaults_are_its_recommended_8_dpmpp_2m_steps():
    spec = spec_for()
    assert spec.model == "studio-fashion"
    assert (spec.steps, spec.scheduler, spec.guidance) == (8, "dpmpp_2m", 4.0)
    assert (spec.width, spec.height, spec.upscale) == (64, 64, "animevideov3-x4")


def test_flags_override_the_recommendation():
    spec = spec_for("--steps", "3", "--scheduler", "euler", "--guidance", "2.5", "--upscale", "none")
    assert (spec.steps, spec.scheduler, spec.guidance, spec.upscale) == (3, "euler", 2.5, "")


def test_a_sampler_the_model_cannot_use_is_refused_before_anything_runs():
    with pytest.raises(SpecError, match="DPM\\+\\+ 2M Karras does not suit"):
        spec_for("--scheduler", "dpmpp_2m_karras")


def test_a_model_without_recommendations_keeps_the_plain_defaults(tiny_sd_dir):
    spec = spec_for("--model", str(tiny_sd_dir))
    assert (spec.steps, spec.scheduler, spec.guidance, spec.width, spec.upscale) == (20, "euler", 7.5, 512, "")
