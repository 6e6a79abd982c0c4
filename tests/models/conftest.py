"""Builders for tiny model files in their real formats (written with the real libraries)."""
from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest


def write_st(path: Path, shapes: dict[str, tuple[int, ...]], metadata: dict[str, str] | None = None) -> Path:
    """A .safetensors file with zero tensors of these shapes (written by the safetensors library)."""
    import torch
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: torch.zeros(s, dtype=torch.float16) for k, s in shapes.items()}, str(path), metadata=metadata)
    return path


def sd_checkpoint_shapes(family: str, with_vae: bool = True) -> dict[str, tuple[int, ...]]:
    """Original-format single-file keys of an SD 1.x / 2.x / SDXL checkpoint (shapes cut down, widths real)."""
    cross = {"sd1": 768, "sd2": 1024, "sdxl": 2048}[family]
    blk = "input_blocks.4.1" if family == "sdxl" else "input_blocks.1.1"
    s = {"model.diffusion_model.input_blocks.0.0.weight": (8, 4, 3, 3),
         f"model.diffusion_model.{blk}.transformer_blocks.0.attn2.to_k.weight": (8, cross),
         "model.diffusion_model.out.2.weight": (4, 8, 3, 3)}
    if with_vae:
        s.update({"first_stage_model.encoder.conv_in.weight": (8, 3, 3, 3),
                  "first_stage_model.decoder.conv_in.weight": (8, 4, 3, 3)})
    if family == "sd1":
        s["cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"] = (16, 768)
    elif family == "sd2":
        s["cond_stage_model.model.token_embedding.weight"] = (16, 1024)
    else:
        s["conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight"] = (16, 768)
        s["conditioner.embedders.1.model.token_embedding.weight"] = (16, 1280)
    return s


def rrdb_shapes(blocks: int = 2, in_ch: int = 3) -> dict[str, tuple[int, ...]]:
    s = {"conv_first.weight": (8, in_ch, 3, 3), "conv_first.bias": (8,)}
    for b in range(blocks):
        for r in (1, 2, 3):
            for c in range(1, 6):
                s[f"body.{b}.rdb{r}.conv{c}.weight"] = (8, 8, 3, 3)
    s.update({"conv_body.weight": (8, 8, 3, 3), "conv_up1.weight": (8, 8, 3, 3), "conv_up2.weight": (8, 8, 3, 3),
              "conv_hr.weight": (8, 8, 3, 3), "conv_last.weight": (3, 8, 3, 3)})
    return s


def srvgg_shapes(scale: int = 4, convs: int = 3, feat: int = 8) -> dict[str, tuple[int, ...]]:
    s = {"body.0.weight": (feat, 3, 3, 3), "body.0.bias": (feat,), "body.1.weight": (feat,)}
    i = 2
    for _ in range(convs):
        s[f"body.{i}.weight"] = (feat, feat, 3, 3)
        s[f"body.{i}.bias"] = (feat,)
        s[f"body.{i + 1}.weight"] = (feat,)
        i += 2
    s[f"body.{i}.weight"] = (3 * scale * scale, feat, 3, 3)
    s[f"body.{i}.bias"] = (3 * scale * scale,)
    return s


def write_gguf(path: Path, arch: str = "llama", name: str = "Tiny Llama", license: str = "mit") -> Path:
    import numpy as np
    from gguf import GGUFWriter

    w = GGUFWriter(str(path), arch)
    w.add_name(name)
    w.add_license(license)
    w.add_context_length(256)
    w.add_token_list([f"t{i}" for i in range(40)])
    w.add_tensor("token_embd.weight", np.zeros((40, 8), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


class Evil:
    """Unpickling this runs ``os.system("touch marker")``: a stand-in for malware in a checkpoint."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def write_malicious(path: Path, marker: Path, zip_format: bool = True) -> Path:
    """A checkpoint-looking pickle whose loading would create ``marker`` (via os.system)."""
    import pickle

    import torch

    payload = {"state_dict": {"model.diffusion_model.input_blocks.0.0.weight": torch.zeros(2)}, "evil": Evil(marker)}
    if zip_format:
        torch.save(payload, str(path))
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    return path


def copy_config_pipeline(family: str, out: Path) -> Path:
    """A diffusers folder from the shipped configs with a tiny weights file per model component."""
    from studio.engines.models.single_file import configs_dir

    shutil.copytree(configs_dir() / family, out)
    for comp in ("unet", "vae", "text_encoder", "text_encoder_2"):
        if (out / comp).is_dir():
            name = "model.safetensors" if comp.startswith("text") else "diffusion_pytorch_model.safetensors"
            write_st(out / comp / name, {"w": (2, 2)})
    for tok in ("tokenizer", "tokenizer_2"):
        if tok in json.loads((out / "model_index.json").read_text()):
            (out / tok).mkdir()
            (out / tok / "tokenizer_config.json").write_text("{}")
    return out


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a network connection fails loudly (and is recorded)."""
    attempts: list = []

    def refuse(self, address, *a, **k):
        attempts.append(address)
        raise OSError(f"network access attempted in offline mode: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts
