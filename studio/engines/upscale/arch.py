"""Real-ESRGAN network architectures, written for the studio (state-dict keys as in BasicSR/Real-ESRGAN).

- ``RRDBNet``: ESRGAN's Residual-in-Residual Dense Blocks (RealESRGAN x4plus: 23 blocks, x4plus-anime: 6).
- ``SRVGGNetCompact``: a plain VGG-style stack with PReLU and a pixel shuffle (realesr-animevideov3).

``Upscaler`` wraps either with its output scale (the ×2/×3 animevideov3 models are the ×4 network
followed by a bicubic downscale). ``build_from_state_dict`` reads the architecture from the keys, so
standard Real-ESRGAN safetensors files load too.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from studio.core.errors import ModelError
from studio.core.i18n import _


class ResidualDenseBlock(nn.Module):
    """Five 3×3 convolutions with dense connections; the output is scaled by 0.2 and added to the input."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        g = num_grow_ch
        self.conv1 = nn.Conv2d(num_feat, g, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + g, g, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * g, g, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * g, g, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * g, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    """Three residual dense blocks with a scaled residual around them."""

    def __init__(self, num_feat: int, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN generator. ``scale`` 4 upsamples ×4 directly; 2 and 1 pixel-unshuffle the input first."""

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, scale: int = 4, num_feat: int = 64,
                 num_block: int = 23, num_grow_ch: int = 32) -> None:
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(_("RRDBNet scale must be 1, 2 or 4 (got {scale}).").format(scale=scale))
        self.scale = scale
        in_ch = num_in_ch * {4: 1, 2: 4, 1: 16}[scale]
        self.conv_first = nn.Conv2d(in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.scale == 2:
            x = F.pixel_unshuffle(x, 2)
        elif self.scale == 1:
            x = F.pixel_unshuffle(x, 4)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


class SRVGGNetCompact(nn.Module):
    """Conv + PReLU stack, then a pixel shuffle; the network learns the residual over nearest upsampling."""

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_conv: int = 16,
                 upscale: int = 4) -> None:
        super().__init__()
        self.upscale = upscale
        body: list[nn.Module] = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_feat)]
        for _ in range(num_conv):
            body += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_feat)]
        body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(body)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


@dataclass(frozen=True)
class UpscalerConfig:
    """What to build: ``arch`` rrdbnet|srvgg, the network's own scale and the scale delivered."""

    arch: str
    net_scale: int = 4
    out_scale: int = 4
    num_feat: int = 64
    num_block: int = 23
    """RRDB blocks (rrdbnet) or body convolutions (srvgg)."""
    num_grow_ch: int = 32
    in_ch: int = 3
    out_ch: int = 3

    def to_metadata(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> "UpscalerConfig":
        ints = {"net_scale", "out_scale", "num_feat", "num_block", "num_grow_ch", "in_ch", "out_ch"}
        return cls(arch=str(meta["arch"]), **{k: int(meta[k]) for k in ints if k in meta})


class Upscaler(nn.Module):
    """A network plus its output scale: RGB in [0, 1] (N, 3, H, W) → (N, 3, H·s, W·s)."""

    def __init__(self, config: UpscalerConfig) -> None:
        super().__init__()
        self.config = config
        if config.arch == "rrdbnet":
            self.net: nn.Module = RRDBNet(config.in_ch, config.out_ch, config.net_scale, config.num_feat,
                                          config.num_block, config.num_grow_ch)
        elif config.arch == "srvgg":
            self.net = SRVGGNetCompact(config.in_ch, config.out_ch, config.num_feat, config.num_block,
                                       config.net_scale)
        else:
            raise ModelError(_("Unknown upscaler architecture {arch!r}.").format(arch=config.arch))

    @property
    def scale(self) -> int:
        return self.config.out_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.net(x)
        if self.config.out_scale != self.config.net_scale:
            h, w = x.shape[-2] * self.config.out_scale, x.shape[-1] * self.config.out_scale
            y = F.interpolate(y, size=(h, w), mode="bicubic", align_corners=False)
        return y


def config_from_state_dict(state: Mapping[str, torch.Tensor]) -> UpscalerConfig:
    """Recognise RRDBNet or SRVGGNetCompact from standard key names and shapes."""
    if "conv_first.weight" in state:
        first = state["conv_first.weight"]
        num_feat, in_ch = first.shape[0], first.shape[1]
        blocks = {int(k.split(".")[1]) for k in state if k.startswith("body.") and ".rdb1.conv1.weight" in k}
        grow = state["body.0.rdb1.conv1.weight"].shape[0] if blocks else 32
        out_ch = state["conv_last.weight"].shape[0]
        scale = {3: 4, 12: 2, 48: 1}.get(in_ch)
        if scale is None:
            raise ModelError(_("Unsupported RRDBNet input channels {in_ch}.").format(in_ch=in_ch))
        num_in = {4: in_ch, 2: in_ch // 4, 1: in_ch // 16}[scale]
        return UpscalerConfig("rrdbnet", scale, scale, num_feat, len(blocks), grow, num_in, out_ch)
    if "body.0.weight" in state:
        convs = sorted(int(k.split(".")[1]) for k in state if k.startswith("body.") and k.endswith(".weight")
                       and state[k].dim() == 4)
        last = state[f"body.{convs[-1]}.weight"]
        first = state["body.0.weight"]
        num_conv = len(convs) - 2
        out_ch = 3
        scale2 = last.shape[0] // out_ch
        scale = int(round(scale2 ** 0.5))
        if scale * scale * out_ch != last.shape[0]:
            raise ModelError(_("Unsupported SRVGGNetCompact output layer."))
        return UpscalerConfig("srvgg", scale, scale, first.shape[0], num_conv, 0, first.shape[1], out_ch)
    raise ModelError(_("Not a Real-ESRGAN model (neither RRDBNet nor SRVGGNetCompact keys)."))


def build_from_state_dict(state: Mapping[str, torch.Tensor], config: UpscalerConfig | None = None,
                          label: str = "the weights") -> Upscaler:
    """An Upscaler in eval mode with ``state`` loaded (keys of the bare network)."""
    config = config or config_from_state_dict(state)
    model = Upscaler(config)
    try:
        model.net.load_state_dict(dict(state))
    except RuntimeError as exc:
        raise ModelError(_("The upscaler weights in {label} do not fit a {arch} network.").format(
            label=label, arch=config.arch)) from exc
    return model.eval()
