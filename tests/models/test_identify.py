"""Every model type is identified from its file contents; unusable items are listed with a reason."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from studio.core.models.identify import identify_path
from studio.core.models.scan import scan_folder
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings
from tests.models.conftest import (copy_config_pipeline, rrdb_shapes, sd_checkpoint_shapes, srvgg_shapes,
                                   write_gguf, write_st)


def ident(p: Path):
    return identify_path(p, "user")


@pytest.mark.parametrize("family", ["sd1", "sd2", "sdxl"])
def test_single_file_checkpoints_by_key_patterns(tmp_path, family):
    # named misleadingly on purpose: identification never trusts the name
    e = ident(write_st(tmp_path / "sdxl-or-not.safetensors", sd_checkpoint_shapes(family)))
    assert (e.type, e.family, e.status) == ("sd_single_file", family, "ok")
    assert e.details["cross_attention_dim"] == {"sd1": 768, "sd2": 1024, "sdxl": 2048}[family]
    assert e.details["dtype"] == "F16" and e.details["parameters"] > 0


def test_checkpoint_without_vae_is_broken_with_reason(tmp_path):
    e = ident(write_st(tmp_path / "m.safetensors", sd_checkpoint_shapes("sd1", with_vae=False)))
    assert e.status == "broken" and "VAE" in e.reason


@pytest.mark.parametrize("family", ["sd1", "sd2", "sdxl"])
def test_diffusers_folders_from_shipped_configs(tmp_path, family):
    e = ident(copy_config_pipeline(family, tmp_path / "pipe"))
    assert (e.type, e.family, e.status) == ("diffusers", family, "ok"), e.reason


def test_tiny_diffusers_pipeline(tiny_sd_dir):
    e = ident(tiny_sd_dir)
    assert (e.type, e.status) == ("diffusers", "ok")
    assert e.details["class"] == "StableDiffusionPipeline" and e.details["parameters"] > 100_000


def test_pipeline_with_missing_component_is_broken(tmp_path):
    pipe = copy_config_pipeline("sd1", tmp_path / "pipe")
    shutil.rmtree(pipe / "vae")
    e = ident(pipe)
    assert e.status == "broken" and "vae" in e.reason and "missing" in e.reason


def test_kohya_lora_families_and_training_metadata(tmp_path):
    tags = json.dumps({"10_mychar": {"mychar": 40, "smile": 12, "outdoors": 3}})
    sd1 = write_st(tmp_path / "a.safetensors", {
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 768),
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight": (320, 4),
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.alpha": (),
        "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": (4, 768)},
        metadata={"ss_tag_frequency": tags, "ss_sd_model_name": "v1-5-pruned.safetensors",
                  "ss_base_model_version": "sd_v1", "modelspec.license": "openrail-m"})
    e = ident(sd1)
    assert (e.type, e.family) == ("lora", "sd1")
    assert e.details["style"] == "kohya" and e.details["rank"] == 4
    assert e.details["trigger_words"] == "mychar" and e.details["dataset_tags"][:2] == ["mychar", "smile"]
    assert e.details["base_model"] == "v1-5-pruned.safetensors" and e.details["license"] == "openrail-m"
    assert "ss_tag_frequency" in e.details["metadata"]
    xl = write_st(tmp_path / "b.safetensors", {
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 2048),
        "lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": (4, 1280)})
    assert (ident(xl).type, ident(xl).family) == ("lora", "sdxl")


def test_diffusers_peft_lora_style(tmp_path):
    p = write_st(tmp_path / "pytorch_lora_weights.safetensors", {
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": (8, 1024),
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight": (320, 8)})
    e = ident(p)
    assert (e.type, e.family, e.details["rank"], e.details["style"]) == ("lora", "sd2", 8, "diffusers/peft")


def test_textual_inversion(tmp_path):
    e = ident(write_st(tmp_path / "emb.safetensors", {"emb_params": (3, 768)}))
    assert (e.type, e.family, e.details["vectors"]) == ("textual_inversion", "sd1", 3)
    e = ident(write_st(tmp_path / "embxl.safetensors", {"clip_l": (2, 768), "clip_g": (2, 1280)}))
    assert (e.type, e.family) == ("textual_inversion", "sdxl")


def test_vaes_and_taesd(tmp_path):
    ldm = write_st(tmp_path / "vae.safetensors", {"encoder.conv_in.weight": (8, 3, 3, 3),
                                                  "decoder.conv_in.weight": (8, 4, 3, 3),
                                                  "encoder.down.0.block.0.conv1.weight": (8, 8, 3, 3),
                                                  "quant_conv.weight": (8, 8, 1, 1)})
    e = ident(ldm)
    assert (e.type, e.details["latent_channels"], e.details["layout"]) == ("vae", 4, "original (LDM)")
    e = ident(write_st(tmp_path / "taesd.safetensors", {"encoder.layers.0.weight": (8, 3, 3, 3),
                                                        "decoder.layers.0.weight": (8, 4, 3, 3)}))
    assert e.type == "taesd"


def test_vae_and_taesd_folders(tmp_path):
    from diffusers import AutoencoderKL, AutoencoderTiny

    AutoencoderKL(block_out_channels=(8,), norm_num_groups=8, down_block_types=("DownEncoderBlock2D",),
                  up_block_types=("UpDecoderBlock2D",), latent_channels=4).save_pretrained(tmp_path / "my-vae")
    AutoencoderTiny(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                    num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1)).save_pretrained(tmp_path / "taesd")
    assert ident(tmp_path / "my-vae").type == "vae"
    assert ident(tmp_path / "taesd").type == "taesd"
    assert ident(tmp_path / "taesd" / "diffusion_pytorch_model.safetensors").type == "taesd"


@pytest.mark.parametrize("in_ch,scale", [(3, 4), (12, 2)])
def test_rrdbnet_upscaler(tmp_path, in_ch, scale):
    e = ident(write_st(tmp_path / "x.safetensors", rrdb_shapes(in_ch=in_ch)))
    assert (e.type, e.family, e.details["scale"], e.details["blocks"]) == ("upscaler", "esrgan", scale, 2)


def test_old_esrgan_keys(tmp_path):
    s = {"model.0.weight": (8, 3, 3, 3), "model.1.sub.0.RDB1.conv1.0.weight": (8, 8, 3, 3),
         "model.1.sub.1.RDB1.conv1.0.weight": (8, 8, 3, 3), "model.3.weight": (8, 8, 3, 3),
         "model.6.weight": (8, 8, 3, 3), "model.8.weight": (8, 8, 3, 3), "model.10.weight": (3, 8, 3, 3)}
    e = ident(write_st(tmp_path / "old.safetensors", s))
    assert (e.type, e.details["architecture"], e.details["blocks"]) == ("upscaler", "RRDBNet (old ESRGAN keys)", 2)


@pytest.mark.parametrize("scale", [2, 4])
def test_srvgg_upscaler(tmp_path, scale):
    e = ident(write_st(tmp_path / "v3.safetensors", srvgg_shapes(scale=scale)))
    assert (e.type, e.family, e.details["scale"], e.details["conv_layers"]) == ("upscaler", "srvgg", scale, 5)


@pytest.mark.parametrize("kind,typ", [("gan", "gan"), ("vae", "studio_vae"), ("ddpm", "studio_ddpm")])
def test_studio_own_models(tmp_path, kind, typ):
    d = tmp_path / f"my-{kind}"
    write_st(d / "model.safetensors", {"w": (2,)})
    (d / "studio_model.json").write_text(json.dumps({"type": kind, "name": f"My {kind}", "license": "CC0"}))
    e = ident(d)
    assert (e.type, e.family, e.status, e.title) == (typ, "studio", "ok", f"My {kind}")


def test_studio_pipeline_folder(tmp_path, tiny_sd_dir):
    d = tmp_path / "fashion"
    shutil.copytree(tiny_sd_dir, d)
    (d / "studio_model.json").write_text(json.dumps({"type": "studio_pipeline", "name": "Studio Fashion"}))
    e = ident(d)
    assert (e.type, e.status, e.title) == ("studio_pipeline", "ok", "Studio Fashion")


def test_causal_lm_folder(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64)
    LlamaForCausalLM(cfg).save_pretrained(tmp_path / "tiny-llama")
    e = ident(tmp_path / "tiny-llama")
    assert (e.type, e.family, e.status) == ("causal_lm", "llama", "ok")
    assert e.details["parameters"] > 1000 and e.details["has_tokenizer"] is False


def test_gguf_metadata_and_bad_magic(tmp_path):
    e = ident(write_gguf(tmp_path / "tiny.gguf"))
    assert (e.type, e.family, e.status) == ("gguf", "llama", "ok")
    assert e.details["title"] == "Tiny Llama" and e.details["license"] == "mit" and e.details["context_length"] == 256
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGML" + b"\0" * 100)
    e = ident(bad)
    assert e.status == "broken" and "bad magic" in e.reason
    trunc = tmp_path / "trunc.gguf"
    trunc.write_bytes((tmp_path / "tiny.gguf").read_bytes()[:40])
    assert ident(trunc).status == "broken"


def test_corrupt_safetensors_are_broken_with_reasons(tmp_path):
    good = write_st(tmp_path / "good.safetensors", {"a": (64, 64)})
    data = good.read_bytes()
    (tmp_path / "trunc.safetensors").write_bytes(data[:-100])
    (tmp_path / "hugeheader.safetensors").write_bytes((10**9).to_bytes(8, "little") + data[8:])
    (tmp_path / "badjson.safetensors").write_bytes((5).to_bytes(8, "little") + b"{oops" + b"\0" * 10)
    (tmp_path / "tiny.safetensors").write_bytes(b"\x01\x02")
    reasons = {e.name: e for e in scan_folder(tmp_path, "user")}
    assert reasons["good"].status == "unknown" and "no known key pattern" in reasons["good"].reason
    assert reasons["trunc"].status == "broken" and "outside the file" in reasons["trunc"].reason
    assert reasons["hugeheader"].status == "broken" and "beyond the end" in reasons["hugeheader"].reason
    assert reasons["badjson"].status == "broken" and "JSON" in reasons["badjson"].reason
    assert reasons["tiny"].status == "broken" and "too short" in reasons["tiny"].reason


def test_pickles_are_unsafe_but_identified_without_unpickling(tmp_path):
    import torch

    torch.save({"params_ema": {k: torch.zeros(1) for k in rrdb_shapes()}}, tmp_path / "RealESRGAN_x4.pth")
    e = ident(tmp_path / "RealESRGAN_x4.pth")
    assert (e.type, e.status) == ("upscaler", "unsafe") and "convert" in e.reason


def test_unknown_empty_loops_and_broken_links_are_listed(tmp_path):
    root = tmp_path / "models"
    (root / "empty").mkdir(parents=True)
    (root / "notes.txt").write_text("hello")
    (root / "nested" / "deeper").mkdir(parents=True)
    write_st(root / "nested" / "deeper" / "emb.safetensors", {"emb_params": (1, 768)})
    os.symlink(root, root / "nested" / "loop")
    os.symlink(root / "gone.safetensors", root / "dangling.safetensors")
    entries = {e.name: e for e in scan_folder(root, "user")}
    assert entries["empty"].reason == "empty folder"
    assert entries["notes"].status == "unknown" and ".txt" in entries["notes"].reason
    assert entries["nested/deeper/emb"].type == "textual_inversion"
    assert "symlink loop" in entries["nested/loop"].reason
    assert entries["dangling"].status == "broken"


def test_unreadable_file_is_listed_not_raised(tmp_path, monkeypatch):
    p = write_st(tmp_path / "secret.safetensors", sd_checkpoint_shapes("sd1"))
    real_open = Path.open

    def guarded(self, *a, **k):  # root ignores chmod, so deny at the open() the identifier makes
        if self.name == "secret.safetensors":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *a, **k)

    monkeypatch.setattr(Path, "open", guarded)
    e = ident(p)
    assert e.status == "broken" and "permission denied" in e.reason


def test_hf_cache_snapshots_are_listed_read_in_place(tmp_path, tiny_sd_dir, monkeypatch, paths):
    hub = tmp_path / "hf-home" / "hub"
    repo = hub / "models--acme--tiny-sd"
    snap = repo / "snapshots" / "0123abcd"
    blobs = repo / "blobs"
    blobs.mkdir(parents=True)
    for f in tiny_sd_dir.rglob("*"):
        if f.is_file():
            blob = blobs / f"{abs(hash(str(f)))}"
            shutil.copy(f, blob)
            dst = snap / f.relative_to(tiny_sd_dir)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(blob, dst)  # the hub cache links snapshot files to blobs
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    gguf_repo = hub / "models--acme--tiny-gguf" / "snapshots" / "ffff"
    gguf_repo.mkdir(parents=True)
    write_gguf(gguf_repo / "tiny.Q4.gguf")
    entries = {e.name: e for e in ModelRegistry(paths, Settings()).scan() if e.source == "hf-cache"}
    assert entries["acme/tiny-sd"].type == "diffusers" and entries["acme/tiny-sd"].details["revision"] == "0123abcd"
    assert entries["acme/tiny-gguf/tiny.Q4"].type == "gguf"


def test_registry_resolves_by_name_title_or_path(paths, tmp_path):
    write_st(paths.models / "dreamy.safetensors", sd_checkpoint_shapes("sd1"))
    d = paths.models / "g1"
    write_st(d / "model.safetensors", {"w": (2,)})
    (d / "studio_model.json").write_text(json.dumps({"type": "gan", "name": "My Faces"}))
    reg = ModelRegistry(paths, Settings())
    assert reg.resolve("dreamy", task="image").type == "sd_single_file"
    assert reg.resolve("my faces", task="image").name == "g1"
    assert reg.resolve(str(paths.models / "dreamy.safetensors")).family == "sd1"
    from studio.core.errors import ModelError

    with pytest.raises(ModelError, match="not a text model"):
        reg.resolve("dreamy", task="text")
