"""The capability table (studio.core.models.families): one place says what each model type and family can do."""
from __future__ import annotations

from studio.core.models import families
from studio.core.models.families import FAMILIES, ModelType, capabilities, caps_of, lora_fits
from studio.core.models.caps import edit_refusal, ignored_inputs, scheduler_refusal, schedulers_for
from studio.core.paths import resources_dir
from studio.core.models.registry import ModelEntry


def _entry(family: str, type_: str = "diffusers") -> ModelEntry:
    return ModelEntry(name=f"m-{family}", path="/x", type=type_, family=family)


def test_model_type_values_are_the_registry_strings():
    assert ModelType("sd_single_file") is ModelType.SINGLE_FILE
    assert families.DIFFUSION_TYPES == ("diffusers", "sd_single_file", "studio_pipeline", "studio_ddpm")


def test_every_new_family_has_a_pipeline_previews_and_an_offline_config():
    for key in families.NEW_FAMILIES:
        fam = FAMILIES[key]
        assert fam.pipeline and fam.transformer and fam.flow and fam.text_encoders, key
        assert (resources_dir() / "configs" / fam.config / "model_index.json").is_file(), key
        if fam.latent_rgb:
            assert len(fam.latent_rgb) == (32 if key == "flux2_klein" else fam.latent_channels), key
        assert families.PIPELINE_FAMILY[fam.pipeline] == key


def test_capabilities_follow_the_table():
    flux = caps_of(_entry("flux"))
    assert flux.txt2img and flux.img2img and flux.inpaint and flux.lora and not flux.train_base
    assert flux.text_encoders == ("CLIP-L", "T5-XXL") and flux.flow and not flux.negative_prompt
    klein = caps_of(_entry("flux2_klein", "sd_single_file"))
    assert klein.txt2img and klein.img2img and klein.inpaint  # through Flux2KleinInpaintPipeline
    assert not caps_of(_entry("sana_sprint")).inpaint
    assert caps_of(_entry("sd1")).train_base and caps_of(_entry("sdxl", "sd_single_file")).train_base
    assert not capabilities("gan").txt2img and not capabilities("diffusers", "other").img2img
    ddpm = capabilities("studio_ddpm", "studio")
    assert ddpm.img2img and not ddpm.lora and not ddpm.clip_score


def test_the_window_and_cli_questions_read_the_table():
    assert edit_refusal(_entry("sd3"), "inpaint") == ""
    assert edit_refusal(_entry("flux2_klein"), "img2img") == ""
    assert "cannot" in edit_refusal(_entry("sana_sprint"), "inpaint")
    assert "cannot" in edit_refusal(_entry("other"), "img2img")
    assert schedulers_for(_entry("flux")) == ("euler",)
    assert "flow-matching" in scheduler_refusal(_entry("flux"), "dpmpp_2m")
    assert scheduler_refusal(_entry("sd1"), "dpmpp_2m") == ""
    assert ignored_inputs("diffusers", "flux") == frozenset({"negative_prompt", "timestep_spacing"})
    assert ignored_inputs("diffusers", "sana_sprint") >= {"guidance"}
    assert ignored_inputs("diffusers", "sd1") == frozenset()


def test_timestep_spacing_is_offered_only_where_the_scheduler_has_one():
    """Leading/trailing spacing means something to the SD schedulers only: the flow-matching families run their
    own scheduler (the table's ``flow``), so the editor greys the choice and the CLI refuses the flag."""
    for key, fam in FAMILIES.items():
        assert capabilities("diffusers", key).timestep_spacing is not fam.flow, key
        assert ("timestep_spacing" in ignored_inputs("sd_single_file", key)) is fam.flow, key
    assert {k for k, f in FAMILIES.items() if f.flow} == set(families.NEW_FAMILIES)
    for model_type in ("studio_pipeline", "studio_ddpm"):  # the studio's own pixel models: SD-style schedulers
        assert "timestep_spacing" not in ignored_inputs(model_type, "studio")
    assert "timestep_spacing" not in ignored_inputs("diffusers", "other")  # unknown: let the person choose


def test_loras_fit_their_own_family_only():
    assert lora_fits("flux", "flux") and not lora_fits("flux", "sdxl") and not lora_fits("sd1", "sd2")
    assert lora_fits("sd", "sd1") and lora_fits("flux", "") and lora_fits("other", "sdxl")


def test_single_file_transformers_are_told_apart_by_their_keys():
    from studio.core.models.keypatterns import classify

    p = "model.diffusion_model."
    large = {f"{p}joint_blocks.{i}.x_block.attn.ln_q.weight": (64,) for i in range(38)}
    large[f"{p}pos_embed"] = (1, 192 * 192, 2432)
    kc = classify(large)
    assert (kc.type, kc.family) == ("sd_single_file", "sd3")
    assert kc.details["transformer_config"] == {"num_layers": 38, "num_attention_heads": 38,
                                                "caption_projection_dim": 2432, "qk_norm": "rms_norm",
                                                "dual_attention_layers": [], "pos_embed_max_size": 192}
    medium = {f"joint_blocks.{i}.x_block.attn.qkv.weight": None for i in range(24)}
    medium.update({f"joint_blocks.{i}.x_block.attn2.qkv.weight": None for i in range(13)})
    assert classify(medium).details["transformer_config"]["dual_attention_layers"] == list(range(13))
    schnell = {f"double_blocks.{i}.img_attn.qkv.weight": None for i in range(19)}
    schnell.update({f"single_blocks.{i}.linear1.weight": None for i in range(38)})
    kc = classify(schnell)
    assert (kc.family, kc.details["variant"], kc.details["transformer_config"]["num_single_layers"]) == (
        "flux", "schnell", 38)
    assert classify({"distilled_guidance_layer.in_proj.weight": None, **schnell}).family == "chroma"
    assert classify({"transformer_blocks.0.img_mod.1.weight": None,
                     "transformer_blocks.0.txt_mod.1.weight": None}).family == "qwenimage"
    lora = {"transformer.single_transformer_blocks.0.attn.to_k.lora_A.weight": (4, 32)}
    assert classify(lora).type == "lora"


def test_klein_and_sana_sizes_are_read_from_the_file():
    """FLUX.2 klein 9B and SANA-Sprint 1.6B files build their own sizes over the shipped 4B / 0.6B configs
    (diffusers' convert_flux2_to_diffusers.py and convert_sana_to_diffusers.py give the sizes)."""
    from studio.core.models.keypatterns import classify

    klein9 = {f"double_blocks.{i}.img_attn.qkv.weight": None for i in range(8)}
    klein9.update({f"single_blocks.{i}.linear1.weight": None for i in range(24)})
    klein9.update({"double_stream_modulation_img.lin.weight": None, "img_in.weight": (4096, 128),
                   "txt_in.weight": (4096, 12288)})
    kc = classify(klein9)
    assert (kc.family, kc.details["transformer_config"]) == ("flux2_klein", {
        "num_layers": 8, "num_single_layers": 24, "num_attention_heads": 32, "joint_attention_dim": 12288})
    sana = {f"transformer_blocks.{i}.attn2.to_k.weight": None for i in range(20)}
    sana.update({"transformer_blocks.0.attn1.to_q.weight": (2240, 2240), "caption_projection.linear_1.weight": None,
                 "scale_shift_table": None})
    kc = classify(sana)
    assert kc.family == "sana_sprint" and kc.details["transformer_config"] == {
        "num_layers": 20, "num_attention_heads": 70, "num_cross_attention_heads": 20, "cross_attention_head_dim": 112,
        "cross_attention_dim": 2240}


def test_shipped_transformer_configs_have_the_published_sizes():
    """Built on the meta device: FLUX.1 12 B, Chroma 8.9 B, Z-Image 6 B, Qwen-Image 20 B, FLUX.2 klein 4 B,
    SANA-Sprint 0.6 B (the model cards' figures), its DC-AE 0.31 B."""
    import diffusers
    from accelerate import init_empty_weights

    published = {("flux", "transformer"): 12, ("chroma", "transformer"): 8.9, ("zimage", "transformer"): 6,
                 ("qwenimage", "transformer"): 20, ("flux2_klein", "transformer"): 4,
                 ("sana_sprint", "transformer"): 0.6, ("sana_sprint", "vae"): 0.31}
    for (key, comp), billions in published.items():
        folder = resources_dir() / "configs" / key / comp
        cls = getattr(diffusers, __import__("json").loads((folder / "config.json").read_text())["_class_name"])
        with init_empty_weights():
            model = cls.from_config(cls.load_config(str(folder)))
        count = sum(p.numel() for p in model.parameters()) / 1e9
        digits = len(str(billions).partition(".")[2])
        assert round(count, digits) == billions, (key, comp, count)
