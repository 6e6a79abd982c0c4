"""Tell what a state dict is from its key names (and shapes when known), in pure Python.

Used for ``.safetensors`` (keys and shapes from the header) and for pickle files (keys read
from the pickle opcodes without unpickling; no shapes). Patterns follow the original formats:
LDM/SGM single-file checkpoints, kohya and diffusers/peft LoRA, A1111 textual inversion,
LDM/diffusers VAEs, TAESD, ESRGAN (RRDBNet, old and new key names) and SRVGGNetCompact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from studio.core.models.families import FAMILY_LABELS
from studio.core.i18n import _

Shape = Sequence[int] | None

# Cross-attention (text embedding) width of each Stable Diffusion family.
FAMILY_BY_CROSS_DIM = {768: "sd1", 1024: "sd2", 2048: "sdxl"}
FAMILY_LABELS = FAMILY_LABELS  # the capability table's names (studio.core.models.families)


@dataclass(frozen=True)
class KeyClass:
    type: str
    family: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    problem: str = ""
    """Set when the model is recognised but unusable (missing parts)."""


def family_for_dim(dim: int | None) -> str:
    if dim is None:
        return ""
    return FAMILY_BY_CROSS_DIM.get(int(dim), "other")


def _first(shapes: Mapping[str, Shape], pattern: str) -> tuple[str, Shape] | None:
    rx = re.compile(pattern)
    for k, s in shapes.items():
        if rx.search(k):
            return k, s
    return None


def _dim(shapes: Mapping[str, Shape], pattern: str, axis: int) -> int | None:
    hit = _first(shapes, pattern)
    if hit and hit[1] is not None and len(hit[1]) > abs(axis):
        return int(hit[1][axis])
    return None


def classify(shapes: Mapping[str, Shape]) -> KeyClass | None:
    """What the state dict with these keys is, or None when no known pattern matches."""
    keys = list(shapes)
    if not keys:
        return None
    for fn in (_controlnet, _ip_adapter, _transformer_file, _sd_checkpoint, _lora, _textual_inversion, _upscaler,
               _text_encoder, _taesd, _vae):
        hit = fn(shapes, keys)
        if hit is not None:
            return hit
    return None


def _sd_checkpoint(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    if not any(k.startswith("model.diffusion_model.") for k in keys):
        return None
    has = lambda prefix: any(k.startswith(prefix) for k in keys)  # noqa: E731
    cross = _dim(shapes, r"^model\.diffusion_model\..*attn2\.to_k\.weight$", 1)
    if has("conditioner.embedders.1.model.") or has("conditioner.embedders.0.transformer."):
        family = "sdxl"
    elif has("conditioner.embedders.0.model."):
        family = "sdxl_refiner"
    elif has("cond_stage_model.transformer."):
        family = "sd1"
    elif has("cond_stage_model.model."):
        family = "sd2"
    else:
        family = family_for_dim(cross) or "other"
    details: dict[str, Any] = {}
    if cross is not None:
        details["cross_attention_dim"] = cross
    in_ch = _dim(shapes, r"^model\.diffusion_model\.input_blocks\.0\.0\.weight$", 1)
    if in_ch is not None:
        details["in_channels"] = in_ch
        if in_ch == 9:
            details["variant"] = "inpainting"
    problem = ""
    if not has("first_stage_model."):
        problem = _("the checkpoint has no VAE weights (first_stage_model.*)")
    elif not (has("cond_stage_model.") or has("conditioner.embedders.")):
        problem = _("the checkpoint has no text encoder weights")
    return KeyClass("sd_single_file", family, details, problem)


def transformer_family(keys: Sequence[str]) -> str:
    """The 2024–26 family whose transformer these keys are (original BFL/SAI/ComfyUI or diffusers names), or ""."""
    ks = [k[len("model.diffusion_model."):] if k.startswith("model.diffusion_model.") else k for k in keys]
    if any(".lora" in k or k.startswith("lora_") for k in ks[:50]):
        return ""
    has = lambda part: any(part in k for k in ks)  # noqa: E731
    start = lambda prefix: any(k.startswith(prefix) for k in ks)  # noqa: E731
    if has("double_stream_modulation"):
        return "flux2_klein"
    if start("distilled_guidance_layer."):
        return "chroma"
    if (start("double_blocks.") and start("single_blocks.")) or (
            start("single_transformer_blocks.") and start("transformer_blocks.")):
        return "flux"
    if start("joint_blocks.") or (start("transformer_blocks.") and start("pos_embed") and start("context_embedder")):
        return "sd3"
    if start("noise_refiner.") and start("context_refiner.") and (has("x_pad_token") or has("cap_pad_token")):
        return "zimage"
    if start("transformer_blocks.") and has(".img_mod.") and has(".txt_mod."):
        return "qwenimage"
    if start("transformer_blocks.") and has(".attn2.") and start("caption_projection") and has("scale_shift_table"):
        return "sana_sprint"
    return ""


def _transformer_file(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    """A single file holding a 2024–26 family's transformer (the rest of the pipeline comes from elsewhere)."""
    family = transformer_family(keys)
    if not family:
        return None
    details: dict[str, Any] = {"part": "transformer"}
    if family == "flux":
        details["variant"] = "dev" if any("guidance_in." in k or "guidance_embedder" in k for k in keys) else "schnell"
    if any(k.startswith(("text_encoders.", "first_stage_model.")) for k in keys):
        details["part"] = "checkpoint"  # an all-in-one SD3 file: the studio uses its transformer
    overrides = _transformer_config(family, shapes)
    if overrides:
        details["transformer_config"] = overrides
    return KeyClass("sd_single_file", family, details)


def _controlnet(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    """A ControlNet in the original layout (``control_model.``, ``input_hint_block``) or diffusers' keys."""
    original = any(k.startswith(("control_model.input_hint_block.", "input_hint_block.")) for k in keys)
    diffusers = any(k.startswith("controlnet_cond_embedding.") for k in keys)
    if any(k.startswith(("controlnet_blocks.", "controlnet_x_embedder.")) for k in keys) and not diffusers:
        # a transformer family's ControlNet (FLUX.1, SD3, Qwen-Image) in diffusers' keys
        return KeyClass("controlnet", transformer_family(keys) or "other", {"layout": "diffusers (transformer)"})
    if any(k.startswith("control_layers.") for k in keys) and any(k.startswith("control_all_x_embedder.") for k in keys):
        return KeyClass("controlnet", "zimage", {"layout": "diffusers (transformer)"})
    if not (original or diffusers):
        return None
    cross = _dim(shapes, r"attn2\.to_k\.weight$", 1)
    sdxl = any(k.startswith(("add_embedding.", "control_model.label_emb.", "label_emb.")) for k in keys)
    family = "sdxl" if sdxl else (family_for_dim(cross) or "")
    details: dict[str, Any] = {"layout": "original (LDM)" if original else "diffusers"}
    if cross is not None:
        details["cross_attention_dim"] = cross
    return KeyClass("controlnet", family if family != "other" else ("sd" if cross else ""), details)


def _ip_adapter(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    """An IP-Adapter (``image_proj.*`` + ``ip_adapter.*``, as h94/IP-Adapter ships them)."""
    if not (any(k.startswith("image_proj.") for k in keys) and any(k.startswith("ip_adapter.") for k in keys)):
        return None
    cross = _dim(shapes, r"^ip_adapter\.\d+\.to_k_ip\.weight$", 1)
    details: dict[str, Any] = {"variant": "plus" if any(".latents" in k or k == "image_proj.latents"
                                                         for k in keys) else "base"}
    if cross is not None:
        details["cross_attention_dim"] = cross
    family = family_for_dim(cross)
    return KeyClass("ip_adapter", family if family != "other" else ("sd" if cross else ""), details)


def _blocks(keys: Sequence[str], prefix: str) -> list[int]:
    rx = re.compile(rf"^(?:model\.diffusion_model\.)?{re.escape(prefix)}(\d+)\.")
    return sorted({int(m.group(1)) for k in keys for m in [rx.match(k)] if m})


def _transformer_config(family: str, shapes: Mapping[str, Shape]) -> dict[str, Any]:
    """The transformer config values the file itself tells (layer counts, widths), over the shipped config's:
    SD 3.5 large and medium, FLUX.1 variants with other depths (original SAI/BFL key names), FLUX.2 klein 4B/9B,
    SANA-Sprint 0.6B/1.6B."""
    keys = list(shapes)
    out: dict[str, Any] = {}
    if family == "sd3" and (joint := _blocks(keys, "joint_blocks.")):
        n = len(joint)
        out.update(num_layers=n, num_attention_heads=n, caption_projection_dim=64 * n,
                   qk_norm="rms_norm" if any(".ln_q." in k for k in keys) else None,
                   dual_attention_layers=[i for i in joint if any(f"joint_blocks.{i}.x_block.attn2." in k for k in keys)])
        pos = _dim(shapes, r"pos_embed$", 1)
        if pos:
            out["pos_embed_max_size"] = int(round(pos ** 0.5))
    elif family in ("flux", "chroma") and (double := _blocks(keys, "double_blocks.")):
        out.update(num_layers=len(double), num_single_layers=len(_blocks(keys, "single_blocks.")))
    elif family == "flux2_klein":  # klein 4B (5 + 20 blocks, 24 heads) and 9B (8 + 24, 32 heads), either key names
        double = _blocks(keys, "double_blocks.") or _blocks(keys, "transformer_blocks.")
        if double:
            single = _blocks(keys, "single_blocks.") or _blocks(keys, "single_transformer_blocks.")
            out.update(num_layers=len(double), num_single_layers=len(single))
        inner = _dim(shapes, r"(?:^|\.)(?:img_in|x_embedder)\.weight$", 0)
        if inner and inner % 128 == 0:
            out["num_attention_heads"] = inner // 128
        joint = _dim(shapes, r"(?:^|\.)(?:txt_in|context_embedder)\.weight$", 1)
        if joint:
            out["joint_attention_dim"] = joint
    elif family == "sana_sprint" and (blocks := _blocks(keys, "transformer_blocks.")):
        out["num_layers"] = len(blocks)
        out.update(SANA_WIDTHS.get(_dim(shapes, r"^transformer_blocks\.0\.attn1\.to_q\.weight$", 0) or 0, {}))
    return out


SANA_WIDTHS: dict[int, dict[str, int]] = {  # diffusers' scripts/convert_sana_to_diffusers.py
    1152: dict(num_attention_heads=36, num_cross_attention_heads=16, cross_attention_head_dim=72,
               cross_attention_dim=1152),  # SANA(-Sprint) 0.6B
    2240: dict(num_attention_heads=70, num_cross_attention_heads=20, cross_attention_head_dim=112,
               cross_attention_dim=2240),  # SANA(-Sprint) 1.6B
}


_KOHYA = re.compile(r"^lora_(unet|te\d?)_")
_LYCORIS = (".hada_w1_a", ".lokr_w1", ".lokr_w1_a", ".oft_blocks", ".diff")


def _lora(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    kohya = [k for k in keys if _KOHYA.match(k)]
    peft = [k for k in keys if any(s in k for s in (".lora_A.", ".lora_B.", ".lora.down.", ".lora.up.",
                                                   ".lora_linear_layer.", ".lora_down.", ".lora_up."))]
    if not kohya and not peft:
        return None
    details: dict[str, Any] = {"style": "kohya" if kohya else "diffusers/peft", "tensors": len(keys)}
    if any(s in k for k in keys for s in _LYCORIS):
        details["algorithm"] = "LyCORIS"
    if kohya:
        cross = _dim(shapes, r"attn2_to_k\.lora_down\.weight$", 1)
        rank = _dim(shapes, r"\.lora_down\.weight$", 0)
        te2 = any(k.startswith(("lora_te2_", "lora_te1_")) for k in keys)
        unet_modules = {k.split(".")[0] for k in kohya if k.startswith("lora_unet_")}
        te_modules = {k.split(".")[0] for k in kohya if k.startswith("lora_te")}
        details.update(unet_modules=len(unet_modules), text_encoder_modules=len(te_modules))
    else:
        cross = _dim(shapes, r"attn2\.(to_k|processor\.to_k_lora)\.(lora_A|lora\.down|lora_linear_layer\.down|lora_down)\.weight$", 1)
        rank = _dim(shapes, r"\.(lora_A|lora\.down|lora_down)\.weight$", 0)
        te2 = any(k.startswith("text_encoder_2.") for k in keys)
        if any(k.startswith(("base_model.model.model.layers.", "model.layers.")) for k in keys):
            details["target"] = "causal_lm"
        elif any(k.startswith("transformer.") for k in keys):
            details["target"] = "transformer"
    if rank is not None:
        details["rank"] = rank
    if cross is not None:
        details["cross_attention_dim"] = cross
    family = "sdxl" if te2 else family_for_dim(cross)
    if not family:
        family = "other" if details.get("target") in ("causal_lm", "transformer") else ""
    return KeyClass("lora", family, details)


def _textual_inversion(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    if "clip_l" in keys and "clip_g" in keys:
        vectors = _dim(shapes, r"^clip_l$", 0)
        return KeyClass("textual_inversion", "sdxl", {"vectors": vectors} if vectors else {})
    if "emb_params" in keys or "string_to_param" in keys or any(k.startswith("string_to_param.") for k in keys):
        s = shapes.get("emb_params")
        dim = int(s[-1]) if s else None
        details = {"vectors": int(s[0])} if s and len(s) == 2 else {}
        if dim:
            details["embedding_dim"] = dim
        return KeyClass("textual_inversion", family_for_dim(dim), details)
    return None


_RRDB_NEW = re.compile(r"^body\.\d+\.rdb\d\.conv\d\.weight$")
_RRDB_OLD = re.compile(r"^model\.1\.sub\.\d+\.RDB\d\.conv\d\.0\.weight$")
_SRVGG = re.compile(r"^body\.(\d+)\.(weight|bias)$")


def _upscaler(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    # Real-ESRGAN .pth files wrap the state dict in {"params_ema": ...}: drop that prefix.
    keys = [k.split(".", 1)[1] if k.startswith(("params_ema.", "params.")) else k for k in keys
            if k not in ("params_ema", "params")]
    shapes = {(k.split(".", 1)[1] if k.startswith(("params_ema.", "params.")) else k): s for k, s in shapes.items()}
    if "conv_first.weight" in keys and any(_RRDB_NEW.match(k) for k in keys):
        blocks = len({k.split(".")[1] for k in keys if _RRDB_NEW.match(k)})
        in_ch = _dim(shapes, r"^conv_first\.weight$", 1)
        # RRDBNet feeds pixel-unshuffled input for x2 (12 channels) and x1 (48): the scale follows.
        scale = {3: 4, 12: 2, 48: 1}.get(in_ch or 3, 4)
        return KeyClass("upscaler", "esrgan", {"architecture": "RRDBNet", "blocks": blocks, "scale": scale})
    if any(_RRDB_OLD.match(k) for k in keys) and "model.0.weight" in keys:
        blocks = len({k.split(".")[3] for k in keys if _RRDB_OLD.match(k)})
        ups = len([k for k in keys if re.match(r"^model\.\d+\.weight$", k)]) - 4
        return KeyClass("upscaler", "esrgan", {"architecture": "RRDBNet (old ESRGAN keys)", "blocks": blocks,
                                               "scale": 2 ** max(ups, 1) if ups > 0 else 4})
    body = [k for k in keys if _SRVGG.match(k)]
    if body and len(body) == len(keys) and len(body) >= 4:
        idx = sorted({int(_SRVGG.match(k).group(1)) for k in body})
        convs = [i for i in idx if shapes.get(f"body.{i}.weight") is None or len(shapes[f"body.{i}.weight"] or ()) == 4]
        details: dict[str, Any] = {"architecture": "SRVGGNetCompact"}
        last = shapes.get(f"body.{idx[-1]}.weight")
        if last:
            out = int(last[0])
            scale = round((out / 3) ** 0.5)
            details.update(scale=scale, features=int(shapes[f"body.{idx[0]}.weight"][0]),
                           conv_layers=len(convs))
        return KeyClass("upscaler", "srvgg", details)
    return None


CLIP_BY_WIDTH = {768: "CLIP-L", 1280: "CLIP-G"}


def _text_encoder(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    """A text encoder alone, as ComfyUI users keep them (models/text_encoders, models/clip): CLIP text models,
    T5 encoders, Qwen3 and Qwen2.5-VL language models, in transformers' key names. The family is the kind the
    capability table's ``TextEncoder.kind`` names ("T5-XXL", "Qwen3", …)."""
    ks = [k[len("text_model."):] if k.startswith("text_model.") else k for k in keys]
    details: dict[str, Any] = {"part": "text encoder"}
    if any(k.startswith("encoder.layers.0.self_attn.q_proj.") for k in ks) and any(
            k.startswith("embeddings.token_embedding.") for k in ks):
        width = _dim(shapes, r"embeddings\.token_embedding\.weight$", 1)
        kind = CLIP_BY_WIDTH.get(int(width or 0), "CLIP")
        details.update(hidden_size=width, layers=len(_blocks(ks, "encoder.layers.")))
    elif any(k.startswith("encoder.block.0.layer.0.SelfAttention.") for k in keys) and not any(
            k.startswith("decoder.block.") for k in keys):
        width = _dim(shapes, r"^encoder\.block\.0\.layer\.0\.SelfAttention\.q\.weight$", 1)
        kind = "T5-XXL" if width in (4096, None) else "T5"
        details.update(hidden_size=width, layers=len(_blocks(keys, "encoder.block.")))
    elif any(k.startswith(("model.layers.0.self_attn.", "layers.0.self_attn.", "model.language_model.layers.0."))
             for k in keys):
        visual = any(k.startswith(("visual.", "model.visual.")) for k in keys)
        if visual or any(".self_attn.q_proj.bias" in k for k in keys[:4000]):
            kind = "Qwen2.5-VL"
        elif any(".self_attn.q_norm." in k for k in keys):
            kind = "Qwen3"
        else:
            return None  # another language model's weights (a shard of an LLM folder)
        width = _dim(shapes, r"embed_tokens\.weight$", 1)
        details.update(hidden_size=width)
    else:
        return None
    details = {k: v for k, v in details.items() if v not in (None, 0)}
    return KeyClass("text_encoder", kind, details)


_TAESD_ORIG = re.compile(r"^\d+\.(conv\.\d+\.)?(weight|bias)$")


def _taesd(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    if any(k.startswith(("encoder.layers.", "decoder.layers.")) for k in keys):
        latent = _dim(shapes, r"^decoder\.layers\.0\.weight$", 1)
        return KeyClass("taesd", "", {"latent_channels": latent} if latent else {})
    if all(_TAESD_ORIG.match(k) for k in keys) and any(".conv." in k for k in keys):
        return KeyClass("taesd", "", {"part": "encoder or decoder (original TAESD layout)"})
    return None


def _vae(shapes: Mapping[str, Shape], keys: list[str]) -> KeyClass | None:
    prefix = "first_stage_model." if any(k.startswith("first_stage_model.encoder.") for k in keys) else ""
    if f"{prefix}decoder.conv_in.weight" not in keys:
        return None
    latent = _dim(shapes, rf"^{re.escape(prefix)}decoder\.conv_in\.weight$", 1)
    details: dict[str, Any] = {"latent_channels": latent} if latent else {}
    details["layout"] = "diffusers" if any(".down_blocks." in k for k in keys) else "original (LDM)"
    family = "sd" if latent in (4, None) else "other"
    return KeyClass("vae", family, details)


def summarise_keys(keys: Sequence[str], n: int = 3) -> str:
    """A short hint of what keys a file holds, for 'unknown' reasons."""
    shown = ", ".join(list(keys)[:n])
    return _("{count} tensors, e.g. {shown}").format(count=len(keys), shown=shown) if keys else _("no tensors")
