"""Read ncnn models (``.param`` text graph + ``.bin`` weights) and turn Real-ESRGAN ones into state dicts.

Only what Real-ESRGAN exports use is supported: weights of Convolution (fp16 / fp32 / int8-free) and
PReLU layers, and weight-free Input, Split, Concat, Eltwise, BinaryOp, Interp and PixelShuffle.
The ``.bin`` file is the layers' weights in graph order; ``Convolution`` weights start with a 4-byte
tag saying their storage (0x01306B47 = fp16), biases and PReLU slopes are raw fp32.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.engines.upscale.arch import UpscalerConfig

MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_INT8 = 0x000D4B38
TAG_FP32_SCALED = 0x0002C056
WEIGHT_FREE = {"Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp", "PixelShuffle", "ReLU", "Sigmoid",
               "Crop", "Padding", "Noop"}


@dataclass
class Layer:
    type: str
    name: str
    bottoms: list[str]
    tops: list[str]
    params: dict[int, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def p(self, key: int, default: Any = 0) -> Any:
        return self.params.get(key, default)


def _value(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _parse_params(items: list[str]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for item in items:
        key_s, _, val = item.partition("=")
        key = int(key_s)
        if key <= -23300:  # an array: -23300-K=count,v1,v2,...
            parts = val.split(",")
            out[-key - 23300] = [_value(v) for v in parts[1:1 + int(parts[0])]]
        else:
            out[key] = _value(val)
    return out


def parse_param(path: Path) -> list[Layer]:
    """The layers of a text ``.param`` file, in order."""
    try:
        lines = [ln.split() for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(_("Cannot read {file}: {error}").format(file=Path(path).name, error=exc)) from exc
    try:
        if int(lines[0][0]) != MAGIC:
            raise ValueError(_("wrong magic number"))
        n_layers = int(lines[1][0])
        layers = []
        for parts in lines[2:2 + n_layers]:
            nb, nt = int(parts[2]), int(parts[3])
            bottoms, tops = parts[4:4 + nb], parts[4 + nb:4 + nb + nt]
            layers.append(Layer(parts[0], parts[1], bottoms, tops, _parse_params(parts[4 + nb + nt:])))
    except (IndexError, ValueError) as exc:
        raise ModelError(_("{file} is not a valid ncnn param file ({error}).").format(
            file=Path(path).name, error=exc)) from exc
    if len(layers) != n_layers:
        raise ModelError(_("{file} is truncated: {found} of {total} layers.").format(
            file=Path(path).name, found=len(layers), total=n_layers))
    return layers


class _Reader:
    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ModelError(_("{file} is truncated or does not match its .param file.").format(file=self.name))
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def raw_fp32(self, count: int) -> np.ndarray:
        return np.frombuffer(self.take(count * 4), dtype="<f4").copy()

    def tagged(self, count: int) -> np.ndarray:
        """ncnn ModelBin.load(w, type=0): a storage tag, then the values."""
        (tag,) = struct.unpack("<I", self.take(4))
        if tag == TAG_FP16:
            arr = np.frombuffer(self.take(count * 2), dtype="<f2").astype(np.float32)
            self.take((-count * 2) % 4)  # padded to 4 bytes
            return arr
        if tag in (0, TAG_FP32_SCALED):
            return self.raw_fp32(count)
        if tag == TAG_INT8:
            raise ModelError(_("{file} holds int8-quantised weights, which the studio cannot convert.").format(
                file=self.name))
        # Any other non-zero tag is a 256-entry lookup table followed by uint8 indices.
        table = np.frombuffer(self.take(256 * 4), dtype="<f4")
        idx = np.frombuffer(self.take(count), dtype=np.uint8)
        self.take((-count) % 4)
        return table[idx].astype(np.float32)


def read_weights(param: Path, bin_path: Path | None = None) -> list[Layer]:
    """Parse ``param`` and attach each layer's weights from the ``.bin`` beside it (or ``bin_path``)."""
    layers = parse_param(param)
    bin_path = Path(bin_path or Path(param).with_suffix(".bin"))
    try:
        reader = _Reader(bin_path.read_bytes(), bin_path.name)
    except OSError as exc:
        raise ModelError(_("Cannot read {file}: {error}").format(
            file=bin_path.name, error=exc.strerror or exc)) from exc
    for layer in layers:
        if layer.type == "Convolution":
            out_ch, kw = layer.p(0), layer.p(1)
            kh = layer.p(11, kw)
            size = layer.p(6)
            if layer.p(8) or layer.p(7, 1) != 1:
                raise ModelError(_("{file}: int8 or grouped convolutions are not supported.").format(file=param.name))
            if size % (out_ch * kh * kw):
                raise ModelError(_("{file}: layer {layer} has an inconsistent weight size.").format(
                    file=param.name, layer=layer.name))
            in_ch = size // (out_ch * kh * kw)
            layer.weights["weight"] = reader.tagged(size).reshape(out_ch, in_ch, kh, kw)
            if layer.p(5):
                layer.weights["bias"] = reader.raw_fp32(out_ch)
        elif layer.type == "PReLU":
            layer.weights["weight"] = reader.raw_fp32(layer.p(0))
        elif layer.type not in WEIGHT_FREE:
            raise ModelError(_("{file}: ncnn layer type {layer_type} is not supported.").format(
                file=param.name, layer_type=layer.type))
    if reader.pos != len(reader.data):
        raise ModelError(_("{file} has {extra} bytes more than its .param file describes; the files do not belong "
                           "together.").format(file=bin_path.name, extra=len(reader.data) - reader.pos))
    for layer in layers:
        for arr in layer.weights.values():
            if not np.isfinite(arr).all():
                raise ModelError(_("{file} is damaged: layer {layer} holds NaN or infinite values.").format(
                    file=bin_path.name, layer=layer.name))
    return layers


def _rrdb_names(num_block: int) -> list[str]:
    names = ["conv_first"]
    for b in range(num_block):
        for r in (1, 2, 3):
            names += [f"body.{b}.rdb{r}.conv{c}" for c in range(1, 6)]
    return names + ["conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]


def to_state_dict(layers: list[Layer], name: str = "model") -> tuple[dict[str, np.ndarray], UpscalerConfig]:
    """Map an ncnn Real-ESRGAN graph to the studio's network keys; recognises the architecture from it."""
    convs = [ly for ly in layers if ly.type == "Convolution"]
    prelus = [ly for ly in layers if ly.type == "PReLU"]
    types = {ly.type for ly in layers}
    if not convs:
        raise ModelError(_("{name} has no convolutions: not a Real-ESRGAN model.").format(name=name))
    in_ch = convs[0].weights["weight"].shape[1]
    num_feat = convs[0].p(0)
    state: dict[str, np.ndarray] = {}
    if "PixelShuffle" in types and prelus:  # SRVGGNetCompact
        if len(prelus) != len(convs) - 1:
            raise ModelError(_("{name}: unexpected SRVGGNetCompact layout.").format(name=name))
        shuffle = next(ly for ly in layers if ly.type == "PixelShuffle").p(0)
        out_ch = convs[-1].p(0) // (shuffle * shuffle)
        idx = 0
        for i, conv in enumerate(convs):
            state[f"body.{idx}.weight"] = conv.weights["weight"]
            state[f"body.{idx}.bias"] = conv.weights["bias"]
            idx += 1
            if i < len(prelus):
                state[f"body.{idx}.weight"] = prelus[i].weights["weight"]
                idx += 1
        # A final bicubic Interp after the residual add turns the ×4 network into ×2 / ×3.
        out_scale = float(shuffle)
        last = layers[-1]
        if last.type == "Interp" and last.p(0) == 3:  # 3 = bicubic; the residual's upsampling is nearest
            out_scale = shuffle * float(last.p(1, 1.0))
        cfg = UpscalerConfig("srvgg", shuffle, int(round(out_scale)), num_feat, len(convs) - 2, 0, in_ch, out_ch)
        return state, cfg
    if "Concat" in types and "Eltwise" in types:  # RRDBNet
        num_block = (len(convs) - 5) // 15
        names = _rrdb_names(num_block)
        if len(names) != len(convs):
            raise ModelError(_("{name}: unexpected RRDBNet layout ({n_convs} convolutions).").format(
                name=name, n_convs=len(convs)))
        for key, conv in zip(names, convs):
            state[f"{key}.weight"] = conv.weights["weight"]
            state[f"{key}.bias"] = conv.weights["bias"]
        ups = sum(1 for ly in layers if ly.type == "Interp")
        scale = 2 ** ups
        grow = convs[1].p(0)
        cfg = UpscalerConfig("rrdbnet", scale, scale, num_feat, num_block, grow, in_ch, convs[-1].p(0))
        return state, cfg
    raise ModelError(_("{name} is neither an RRDBNet nor an SRVGGNetCompact ncnn model.").format(name=name))
