"""The new ImageSpec fields (timestep spacing, decoder) travel through the queue file and older specs still
load; bad values are one clear line; the recommendation helpers read only what they understand."""
from __future__ import annotations

import pytest

from studio.core.errors import SpecError
from studio.core.models.few_step import annotate, recommendation, sampler_warning
from studio.core.store.queue import QueueStore
from studio.core.models.recommended import sampling_settings
from studio.core.models.registry import ModelEntry
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_from_json, spec_to_json


def test_the_queue_keeps_the_sampler_spacing_and_decoder(tmp_path):
    spec = ImageSpec(prompt="a cat", scheduler="lcm", timestep_spacing="trailing", decoder="fast", steps=4,
                     guidance=1.0)
    store = QueueStore.open(tmp_path / "queue.sqlite")
    job = store.add(spec)
    store.close()
    again = QueueStore.open(tmp_path / "queue.sqlite")
    assert again.get(job).spec == spec
    again.close()


def test_a_spec_written_before_these_fields_loads_with_the_models_own_spacing():
    old = spec_to_json(ImageSpec(prompt="a cat")).replace('"decoder": "", ', "").replace(
        '"timestep_spacing": "", ', "")
    assert "timestep_spacing" not in old and "decoder" not in old
    spec = spec_from_json(old)
    assert (spec.timestep_spacing, spec.decoder) == ("", "")


@pytest.mark.parametrize("field, value, line", [
    ("timestep_spacing", "trail", "Unknown timestep spacing 'trail'; choose one of: trailing, leading, linspace."),
    ("decoder", "tiny", "Unknown decoder 'tiny'; choose one of: full, fast."),
    ("scheduler", "lcm2", "Unknown scheduler 'lcm2'; choose one of:"),
])
def test_bad_values_are_one_line(field, value, line):
    with pytest.raises(SpecError) as err:
        ImageSpec(**{field: value}).validate()
    assert str(err.value).startswith(line) and "\n" not in str(err.value)
    with pytest.raises(SpecError, match="wrong type"):
        spec_from_json(spec_to_json(ImageSpec()).replace('"decoder": ""', '"decoder": 3'))


def test_recommendations_keep_only_what_they_understand():
    assert sampling_settings({"steps": "4", "guidance": True, "scheduler": "warp", "timestep_spacing": "odd"}) == {
        "timestep_spacing": ""}
    assert sampling_settings({"steps": 4, "guidance": 1, "scheduler": "lcm"}) == {
        "steps": 4, "guidance": 1.0, "scheduler": "lcm", "timestep_spacing": ""}
    own = annotate(ModelEntry("lcm-dreamshaper", "/m/lcm-dreamshaper", "diffusers",
                              details={"recommended": {"steps": 6}}))
    assert own.details["recommended"] == {"steps": 6} and own.details["few_step"] == "LCM"  # its own settings win
    broken = annotate(ModelEntry("lcm-x", "/m/lcm-x.safetensors", "lora", status="broken"))
    assert "few_step" not in broken.details
    assert recommendation([None, ModelEntry("ink", "/m/ink.safetensors", "lora")]) == (None, {})


def test_the_lcm_warning_names_the_model_and_stays_quiet_for_distilled_ones():
    plain = ModelEntry("v1-5", "/m/v1-5", "diffusers", details={"title": "SD 1.5"})
    turbo = annotate(ModelEntry("sd-turbo", "/m/sd-turbo", "diffusers"))
    lcm_lora = annotate(ModelEntry("lcm-lora-sdv1-5", "/m/lcm-lora-sdv1-5.safetensors", "lora"))
    line = sampler_warning("lcm", plain)
    assert line.startswith("LCM suits models and LoRAs distilled for it") and "SD 1.5 is not one" in line
    assert sampler_warning("tcd", turbo).startswith("TCD suits")  # Turbo is sampled with Euler a, not TCD
    assert sampler_warning("lcm", plain, [lcm_lora]) == "" and sampler_warning("euler", plain) == ""
