"""A model's recommended settings become the spec the demo and the self-test run."""
from __future__ import annotations

from studio.core.models.recommended import image_side, recommended_image_spec
from studio.core.models.registry import ModelEntry


def entry(**details) -> ModelEntry:
    return ModelEntry(name="m", path="/m", type="studio_pipeline", details=details)


def test_studio_model_uses_its_own_size_and_settings():
    spec = recommended_image_spec(entry(default_size=32, recommended={"guidance": 4.0, "scheduler": "dpmpp_2m",
                                                                       "steps": 25}), "a red sneaker", seed=3)
    assert (spec.width, spec.height) == (64, 64)  # 32 px is below the smallest size a spec allows
    assert (spec.guidance, spec.scheduler, spec.steps, spec.seed) == (4.0, "dpmpp_2m", 25, 3)
    assert spec.validate() == []


def test_defaults_without_recommendations():
    spec = recommended_image_spec(entry(), "x", seed=1, steps=5)
    assert (spec.width, spec.steps, spec.guidance, spec.scheduler) == (512, 5, 7.5, "euler")
    assert image_side(entry(default_size=100)) == 96
