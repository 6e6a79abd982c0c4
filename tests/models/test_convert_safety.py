"""Pickles never run code: not on scan, not on identify, not on conversion. Plain weights convert."""
from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from studio.core.errors import ModelError
from studio.core.models.identify import identify_path
from studio.core.models.pickle_scan import scan_pickle
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings
from studio.engines.models.convert import convert, convert_folder, safe_load
from tests.models.conftest import rrdb_shapes, write_malicious


@pytest.mark.parametrize("zip_format", [True, False])
def test_malicious_pickle_runs_nothing_on_scan_identify_or_convert(paths, tmp_path, zip_format):
    marker = tmp_path / "PWNED"
    evil = write_malicious(paths.models / "model.ckpt", marker, zip_format)
    assert not marker.exists()
    assert "posix.system" in scan_pickle(evil).globals or "os.system" in scan_pickle(evil).globals
    entries = [e for e in ModelRegistry(paths, Settings()).scan() if e.name == "model"]
    assert entries[0].status == "unsafe" and "DANGEROUS" in entries[0].reason
    e = identify_path(evil, "user")
    assert e.status == "unsafe"
    with pytest.raises(ModelError, match="code"):
        convert(evil)
    # even bypassing our opcode check, torch's weights-only unpickler refuses it
    with pytest.raises(Exception):
        torch.load(str(evil), weights_only=True)
    assert not marker.exists()
    assert not evil.with_suffix(".safetensors").exists()


def test_ckpt_converts_to_equal_safetensors(tmp_path):
    sd = {"state_dict": {"model.diffusion_model.w": torch.randn(3, 4), "first_stage_model.b": torch.randn(2)},
          "global_step": 470000, "epoch": 5}
    torch.save(sd, tmp_path / "m.ckpt")
    out = convert(tmp_path / "m.ckpt")[0]
    assert out == tmp_path / "m.safetensors"
    loaded = load_file(str(out))
    assert set(loaded) == set(sd["state_dict"]) and torch.equal(loaded["model.diffusion_model.w"], sd["state_dict"]["model.diffusion_model.w"])
    from studio.core.models.safetensors_header import read_header

    assert read_header(out).metadata["global_step"] == "470000"


def test_shared_tensors_and_esrgan_wrapper(tmp_path):
    w = torch.randn(4, 4)
    torch.save({"params_ema": {k: (w if k == "conv_first.weight" else torch.zeros(1)) for k in rrdb_shapes()}},
               tmp_path / "up.pth")
    out = convert(tmp_path / "up.pth")[0]
    e = identify_path(out, "user")
    assert (e.type, e.status) == ("upscaler", "ok")
    torch.save({"a": w, "b": w}, tmp_path / "shared.pt")  # safetensors refuses shared storage unless copied
    assert set(load_file(str(convert(tmp_path / "shared.pt")[0]))) == {"a", "b"}


def test_a1111_embedding_pt_becomes_emb_params(tmp_path):
    torch.save({"string_to_param": {"*": torch.randn(2, 768)}, "name": "mystyle", "step": 3000}, tmp_path / "mystyle.pt")
    e = identify_path(convert(tmp_path / "mystyle.pt")[0], "user")
    assert (e.type, e.family, e.details["vectors"]) == ("textual_inversion", "sd1", 2)


def test_non_weight_objects_are_refused(tmp_path):
    import argparse

    torch.save({"w": torch.zeros(1), "args": argparse.Namespace(lr=1)}, tmp_path / "train.ckpt")
    assert identify_path(tmp_path / "train.ckpt", "user").details["unusual_globals"] == ["argparse.Namespace"]
    with pytest.raises(ModelError, match="objects other than weights"):
        safe_load(tmp_path / "train.ckpt")


def test_transformers_folder_with_bin_weights(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2)
    model = LlamaForCausalLM(cfg)
    d = tmp_path / "llm"
    cfg.architectures = ["LlamaForCausalLM"]  # what save_pretrained of the model records
    cfg.save_pretrained(d)
    torch.save(model.state_dict(), d / "pytorch_model.bin")
    assert identify_path(d, "user").status == "unsafe"
    convert_folder(d)
    e = identify_path(d, "user")
    assert (e.type, e.status) == ("causal_lm", "ok")
    again = LlamaForCausalLM.from_pretrained(d, local_files_only=True, use_safetensors=True)
    assert torch.equal(again.model.embed_tokens.weight, model.model.embed_tokens.weight)


def test_folder_conversion_never_replaces_a_safetensors_file(tmp_path):
    d = tmp_path / "pipe" / "unet"
    d.mkdir(parents=True)
    torch.save({"w": torch.ones(2)}, d / "extra.bin")
    (d / "extra.safetensors").write_bytes(b"the user's own file")
    torch.save({"w": torch.ones(3)}, d / "other.bin")
    written = convert_folder(tmp_path / "pipe")
    assert written == [d / "other.safetensors"]
    assert (d / "extra.safetensors").read_bytes() == b"the user's own file"


def test_a_convert_job_only_converts_inside_the_studios_model_folders(paths, tmp_path):
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.files import ConvertSpec
    from studio.engines.context import EngineContext
    from studio.engines.models.convert import run

    ctx = EngineContext.create(paths, Settings(), device="cpu")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    torch.save({"w": torch.ones(2)}, outside / "x.pt")
    with pytest.raises(ModelError, match="not in one of the studio's model folders"):
        run(ConvertSpec(path=str(outside / "x.pt")), NullReporter(), CancelToken(), ctx)
    assert sorted(p.name for p in outside.iterdir()) == ["x.pt"]
    torch.save({"w": torch.ones(2)}, paths.models / "mine.pt")
    result = run(ConvertSpec(path=str(paths.models / "mine.pt")), NullReporter(), CancelToken(), ctx)
    assert result.outputs == (str(paths.models / "mine.safetensors"),)
