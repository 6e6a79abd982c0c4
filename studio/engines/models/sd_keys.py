"""Write a diffusers SD 1.x/2.x pipeline folder as one original-format (LDM) checkpoint.

The key names are those of CompVis/Stability checkpoints (``model.diffusion_model.*``,
``first_stage_model.*``, ``cond_stage_model.transformer.*``), derived from the diffusers
names the same way diffusers' ``convert_diffusers_to_original_stable_diffusion`` script does,
but for any number of levels and layers per block (so tiny test pipelines convert too).
Users get "export as single file"; tests get checkpoints with the real key layout.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors.torch import load_file, save

from studio.core.atomic import atomic_open, check_output_file
from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter
from studio.core.results import ExportResult
from studio.core.specs.files import ExportSpec

if TYPE_CHECKING:
    from studio.engines.context import EngineContext

_UNET_TOP = {"time_embedding.linear_1.": "time_embed.0.", "time_embedding.linear_2.": "time_embed.2.",
             "add_embedding.linear_1.": "label_emb.0.0.", "add_embedding.linear_2.": "label_emb.0.2.",
             "conv_in.": "input_blocks.0.0.", "conv_norm_out.": "out.0.", "conv_out.": "out.2."}
_RESNET = {"norm1.": "in_layers.0.", "conv1.": "in_layers.2.", "norm2.": "out_layers.0.",
           "conv2.": "out_layers.3.", "time_emb_proj.": "emb_layers.1.", "conv_shortcut.": "skip_connection."}
_VAE_RESNET = {"conv_shortcut.": "nin_shortcut."}
_VAE_ATTN = {"group_norm.": "norm.", "to_q.": "q.", "to_k.": "k.", "to_v.": "v.", "to_out.0.": "proj_out."}


def _sub(rest: str, table: dict[str, str]) -> str:
    for old, new in table.items():
        if rest.startswith(old):
            return new + rest[len(old):]
    return rest


def unet_key(key: str, layers: int, up_has_attn: list[bool]) -> str:
    """LDM name of a diffusers UNet2DConditionModel parameter."""
    step = layers + 1
    for old, new in _UNET_TOP.items():
        if key.startswith(old):
            return new + key[len(old):]
    if m := re.match(r"down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
        i, j, rest = int(m[1]), int(m[2]), m[3]
        return f"input_blocks.{step * i + j + 1}.0.{_sub(rest, _RESNET)}"
    if m := re.match(r"down_blocks\.(\d+)\.attentions\.(\d+)\.(.*)", key):
        return f"input_blocks.{step * int(m[1]) + int(m[2]) + 1}.1.{m[3]}"
    if m := re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key):
        return f"input_blocks.{step * (int(m[1]) + 1)}.0.op.{m[2]}"
    if m := re.match(r"up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
        return f"output_blocks.{(step) * int(m[1]) + int(m[2])}.0.{_sub(m[3], _RESNET)}"
    if m := re.match(r"up_blocks\.(\d+)\.attentions\.(\d+)\.(.*)", key):
        return f"output_blocks.{step * int(m[1]) + int(m[2])}.1.{m[3]}"
    if m := re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.(.*)", key):
        i = int(m[1])
        return f"output_blocks.{step * i + layers}.{2 if up_has_attn[i] else 1}.{m[2]}"
    if m := re.match(r"mid_block\.attentions\.0\.(.*)", key):
        return f"middle_block.1.{m[1]}"
    if m := re.match(r"mid_block\.resnets\.(\d+)\.(.*)", key):
        return f"middle_block.{2 * int(m[1])}.{_sub(m[2], _RESNET)}"
    raise ModelError(_("Cannot map the UNet parameter {key} to the original layout.").format(key=key))


def vae_key(key: str, levels: int) -> str:
    """LDM name of a diffusers AutoencoderKL parameter."""
    if m := re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)", key):
        return f"{m[1]}.mid.block_{int(m[2]) + 1}.{_sub(m[3], _VAE_RESNET)}"
    if m := re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.*)", key):
        return f"{m[1]}.mid.attn_1.{_sub(m[2], _VAE_ATTN)}"
    if m := re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
        return f"encoder.down.{m[1]}.block.{m[2]}.{_sub(m[3], _VAE_RESNET)}"
    if m := re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.(.*)", key):
        return f"encoder.down.{m[1]}.downsample.{m[2]}"
    if m := re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key):
        return f"decoder.up.{levels - 1 - int(m[1])}.block.{m[2]}.{_sub(m[3], _VAE_RESNET)}"
    if m := re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.(.*)", key):
        return f"decoder.up.{levels - 1 - int(m[1])}.upsample.{m[2]}"
    return key.replace("conv_norm_out.", "norm_out.")


def _load_component(folder: Path) -> dict[str, torch.Tensor]:
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise ModelError(_("{folder} of the pipeline has no .safetensors weights.").format(folder=folder.name))
    out: dict[str, torch.Tensor] = {}
    for f in files:
        out.update(load_file(str(f)))
    return out


def pipeline_to_ldm(folder: Path) -> dict[str, torch.Tensor]:
    """The state dict of an SD 1.x/2.x diffusers folder with original (LDM) key names."""
    folder = Path(folder)
    index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    if "text_encoder_2" in index:
        raise ModelError(_("Only SD 1.x/2.x pipelines can be exported as a single file for now (not SDXL)."))
    ucfg = json.loads((folder / "unet" / "config.json").read_text(encoding="utf-8"))
    vcfg = json.loads((folder / "vae" / "config.json").read_text(encoding="utf-8"))
    up_has_attn = ["Attn" in t for t in ucfg["up_block_types"]]
    out: dict[str, torch.Tensor] = {}
    for k, v in _load_component(folder / "unet").items():
        out["model.diffusion_model." + unet_key(k, int(ucfg["layers_per_block"]), up_has_attn)] = v
    levels = len(vcfg["block_out_channels"])
    for k, v in _load_component(folder / "vae").items():
        nk = vae_key(k, levels)
        if ".mid.attn_1." in nk and nk.endswith(".weight") and v.ndim == 2:
            v = v.reshape(*v.shape, 1, 1)  # the LDM VAE attention uses 1×1 convolutions
        out["first_stage_model." + nk] = v
    te_cfg = json.loads((folder / "text_encoder" / "config.json").read_text(encoding="utf-8"))
    if te_cfg.get("hidden_act") == "gelu" and te_cfg.get("hidden_size") == 1024:
        raise ModelError(_("SD 2.x (OpenCLIP) text encoders cannot be exported as a single file yet."))
    for k, v in _load_component(folder / "text_encoder").items():
        key = k if k.startswith("text_model.") else "text_model." + k  # transformers ≥ 5.6 flattened CLIPTextModel
        out["cond_stage_model.transformer." + key] = v
    return out


def export_single_file(folder: Path, out_file: Path, metadata: dict[str, str] | None = None) -> Path:
    """Write ``folder`` (a diffusers SD pipeline) as one ``.safetensors`` checkpoint, atomically."""
    state = {k: v.contiguous() for k, v in pipeline_to_ldm(folder).items()}
    out_file = Path(out_file)
    with atomic_open(out_file, "wb") as fh:
        fh.write(save(state, metadata={"format": "pt", **(metadata or {})}))
    return out_file


def run(spec: ExportSpec, reporter: Reporter, cancel: CancelToken, ctx: "EngineContext") -> ExportResult:
    """The ``export_single_file`` job (``models export``): never replaces a file already there."""
    folder, out = Path(spec.folder), check_output_file(Path(spec.out))
    if not (folder / "model_index.json").is_file():
        raise ModelError(_("{name} is not a diffusers pipeline folder.").format(name=folder.name))
    if out.exists() or out.is_symlink():
        raise ModelError(_("{file} already exists; remove it first or choose another name.").format(file=out))
    reporter.progress(0, 1, _("exporting {name}").format(name=folder.name))
    export_single_file(folder, out)
    reporter.progress(1, 1, _("exported"))
    return ExportResult(outputs=(str(out),))
