"""The studio recognises few-step models and LoRAs from their files (scheduler config, model card tags,
safetensors metadata, names) and proposes their steps, CFG, sampler and timestep spacing."""
from __future__ import annotations

import shutil

import pytest

from studio.core.models.few_step import kind_in, recognise
from studio.core.models.identify import identify_path


@pytest.mark.parametrize("name, kind", [
    ("lcm-lora-sdv1-5", "lcm"), ("LCM_Dreamshaper_v7", "lcm"), ("TCD-SD15-LoRA", "tcd"),
    ("sdxl_lightning_4step_lora", "lightning"), ("Hyper-SD15-8steps-lora", "hyper"), ("hyper_sdxl_1step", "hyper"),
    ("dmd2_sdxl_4step_lora_fp16", "dmd2"), ("sdxs-512-0.9", "sdxs"), ("sd_xl_turbo_1.0_fp16", "turbo"),
    ("dreamshaperXL_turboDPMSDE", "turbo"), ("lcm-lora-sdxl-turbo", "lcm"),
    ("hyperrealism_v3", ""), ("malcmodel", ""), ("v1-5-pruned-emaonly", ""), ("fetcd", ""),
])
def test_names_that_say_few_step_and_names_that_only_look_like_it(name, kind):
    assert kind_in(name) == kind


def test_a_pipeline_folder_with_an_lcm_scheduler_config(tiny_sd_dir, paths):
    folder = paths.models / "my-distilled"
    shutil.copytree(tiny_sd_dir, folder)
    config = folder / "scheduler" / "scheduler_config.json"
    config.write_text(config.read_text().replace('"EulerDiscreteScheduler"', '"LCMScheduler"'))
    entry = identify_path(folder, "user")
    assert entry.status == "ok"
    assert (entry.details["few_step"], entry.details["few_step_source"]) == ("LCM", "scheduler")
    assert entry.details["recommended"] == {"steps": 4, "guidance": 1.0, "scheduler": "lcm"}
    assert "few_step" not in identify_path(tiny_sd_dir, "user").details  # a plain model is left alone


def test_a_turbo_model_by_its_name_and_the_cli_follows_it(tiny_sd_dir, paths, capsys):
    from studio.cli import build_parser
    from studio.cli.gen_image import _base_spec

    folder = paths.models / "sd-turbo-tiny"
    shutil.copytree(tiny_sd_dir, folder)
    args = build_parser().parse_args(["generate", "image", "--prompt", "a cat", "--model", "sd-turbo-tiny"])
    spec = _base_spec(args, seed=1)
    assert (spec.steps, spec.guidance, spec.scheduler, spec.timestep_spacing) == (1, 0.0, "euler_a", "trailing")
    assert capsys.readouterr().err.strip() == ("Using the settings sd-turbo-tiny recommends: steps 1, CFG 0, Euler a, "
                                               "trailing timesteps.")


def test_a_lora_by_its_model_card_tags(tiny_lora, paths):
    folder = paths.models / "loras" / "some-upload"
    folder.mkdir()
    shutil.move(tiny_lora, folder / "style.safetensors")
    (folder / "README.md").write_text("---\nlicense: other\ntags:\n- text-to-image\n- stable-diffusion\n"
                                      "- lightning\n- 8-step\nbase_model: stabilityai/stable-diffusion-xl-base-1.0\n"
                                      "---\n# A style\n")
    entry = identify_path(folder / "style.safetensors", "user")
    assert entry.type == "lora" and entry.details["few_step_source"] == "tags"
    assert entry.details["recommended"] == {"steps": 8, "guidance": 0.0, "scheduler": "euler",
                                            "timestep_spacing": "trailing"}


def test_a_lora_by_its_safetensors_metadata(tiny_lora, paths):
    from safetensors.torch import load_file, save_file

    target = paths.models / "loras" / "my_style.safetensors"
    save_file(load_file(str(tiny_lora)), str(target), metadata={"ss_output_name": "Hyper-SD15-8steps-CFG-lora"})
    entry = identify_path(target, "user")
    assert (entry.details["few_step"], entry.details["few_step_source"]) == ("Hyper-SD", "metadata")
    assert entry.details["recommended"] == {"steps": 8, "guidance": 5.0, "scheduler": "ddim",
                                            "timestep_spacing": "trailing"}


@pytest.mark.parametrize("file_name, expected", [
    ("sdxl_lightning_2step_lora", ("lightning", {"steps": 2, "guidance": 0.0, "scheduler": "euler",
                                                 "timestep_spacing": "trailing"})),
    ("dmd2_sd15_4step_lora", ("dmd2", {"steps": 4, "guidance": 0.0, "scheduler": "lcm"})),
    ("Hyper-SD15-1step-lora", ("hyper", {"steps": 1, "guidance": 0.0, "scheduler": "tcd"})),
    ("hyperrealism", ("", None)),
])
def test_loras_by_their_file_names(tiny_lora, paths, file_name, expected):
    target = tiny_lora.with_name(f"{file_name}.safetensors")
    shutil.move(tiny_lora, target)
    entry = identify_path(target, "user")
    assert recognise(entry)[0] == expected[0]
    assert entry.details.get("recommended") == expected[1]


def test_messages_name_a_folder_with_a_dot_whole():
    """"Using the settings FLUX.1-schnell recommends", not "FLUX recommends" (a folder is not a file with a suffix)."""
    from studio.core.models.few_step import display_name
    from studio.core.models.registry import ModelEntry

    assert display_name(ModelEntry("FLUX.1-schnell", "/m/FLUX.1-schnell", "diffusers")) == "FLUX.1-schnell"
    assert display_name(ModelEntry("s", "/m/sd3.5_medium.safetensors", "sd_single_file")) == "sd3.5_medium"
    assert display_name(ModelEntry("l", "/m/loras/lcm-lora-sdv1-5/pytorch_lora_weights.safetensors", "lora")) == (
        "lcm-lora-sdv1-5")
