"""Models trained with a cosine noise schedule (Studio Fashion) and the samplers offered for them."""
from __future__ import annotations

import json

import pytest

from studio.core.errors import SpecError
from studio.core.paths import resources_dir
from studio.engines.pipelines.schedulers import make_scheduler

FASHION_SCHEDULER = resources_dir() / "models" / "studio-fashion" / "scheduler" / "scheduler_config.json"


def test_karras_on_a_cosine_schedule_is_a_clear_error_not_an_index_error():
    config = json.loads(FASHION_SCHEDULER.read_text())
    assert config["beta_schedule"] == "squaredcos_cap_v2"
    with pytest.raises(SpecError, match="DPM\\+\\+ 2M Karras does not suit this model's cosine noise schedule"):
        make_scheduler("dpmpp_2m_karras", config)


@pytest.mark.parametrize("name", ["dpmpp_2m", "euler", "unipc", "ddim"])
def test_other_samplers_step_through_the_cosine_schedule(name):
    scheduler = make_scheduler(name, json.loads(FASHION_SCHEDULER.read_text()))
    scheduler.set_timesteps(8)
    steps = scheduler.timesteps.tolist()
    assert len(steps) == 8 and len(set(steps)) == 8  # every step lands on its own timestep
