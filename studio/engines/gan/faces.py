"""Load GAN generators: the built-in faces (converted once from gan-face-generate) or studio GAN folders.

The package's ``weights.tar`` is read with ``torch.load(weights_only=True)`` (no code can run) and
its ``netG_state_dict`` is saved as safetensors under ``<cache>/converted``; later loads read only
the safetensors file. The package itself is never imported (it imports torchvision).
"""
from __future__ import annotations

from pathlib import Path

import torch

from studio.core.models.builtin_models import GAN_PACKAGE, missing_package_message
from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelEntry
from studio.engines.packages import reinstall_message
from studio.engines.gan.model import (DCGANConfig, Generator, generator_from_state, load_gan_folder,
                                      load_generator_file)

FACES_CONFIG = DCGANConfig(latent_dim=100, image_size=64, channels=3, features=64)
CONVERTED_NAME = "faces-dcgan.safetensors"


def _damaged(reason: str) -> ModelError:
    return ModelError(_("The Faces (DCGAN) weights are {reason}: {how}.").format(
        reason=reason, how=reinstall_message(GAN_PACKAGE)))


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def convert_faces_weights(weights_tar: Path, out: Path) -> Path:
    """Read netG_state_dict from ``weights_tar`` safely, check it fits the studio's DCGAN, save safetensors."""
    from safetensors.torch import save

    from studio.core.atomic import atomic_save

    if not weights_tar.is_file():
        raise ModelError(_("The Faces (DCGAN) weights are missing: {how}.").format(
            how=missing_package_message(GAN_PACKAGE)))
    try:
        checkpoint = torch.load(str(weights_tar), map_location="cpu", weights_only=True)
    except Exception as exc:  # a damaged archive raises zip, pickle or runtime errors alike
        raise _damaged(_("damaged (weights.tar cannot be read)")) from exc
    state = checkpoint.get("netG_state_dict") if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise _damaged(_("not the expected ones (no netG_state_dict in weights.tar)"))
    try:
        gen = generator_from_state(state, FACES_CONFIG, "weights.tar")
    except ModelError as exc:
        raise _damaged(_("not the expected ones (they do not fit a 64px DCGAN generator)")) from exc
    if not all(torch.isfinite(t).all() for t in gen.state_dict().values() if t.is_floating_point()):
        raise _damaged(_("damaged (they contain NaN or infinite values)"))
    meta = {"arch": "dcgan", "source": str(weights_tar), "source_fingerprint": _fingerprint(weights_tar),
            **{k: str(v) for k, v in FACES_CONFIG.to_dict().items()}}
    tensors = {k: v.detach().contiguous() for k, v in gen.state_dict().items()}
    data = save(tensors, metadata=meta)
    atomic_save(out, lambda fh: fh.write(data))
    return out


def converted_faces_path(paths: StudioPaths, weights_tar: Path) -> Path:
    """The converted safetensors file, (re)converting when missing or when the package file changed."""
    from safetensors import safe_open

    out = paths.cache / "converted" / CONVERTED_NAME
    if out.is_file() and weights_tar.is_file():
        try:
            with safe_open(str(out), framework="pt") as fh:
                if (fh.metadata() or {}).get("source_fingerprint") == _fingerprint(weights_tar):
                    return out
        except Exception:  # a truncated conversion is simply redone
            pass
    return convert_faces_weights(weights_tar, out)


def load_gan(entry: ModelEntry, paths: StudioPaths) -> Generator:
    """The generator for a registry entry of type "gan", in eval mode on the CPU."""
    if entry.status != "ok":
        raise ModelError(_("Model {model!r} cannot be used: {reason}").format(model=entry.name, reason=entry.reason))
    p = Path(entry.path)
    if p.name == "weights.tar":
        return load_generator_file(converted_faces_path(paths, p), FACES_CONFIG)
    if p.is_dir():
        return load_gan_folder(p)
    if p.suffix == ".safetensors":
        return load_generator_file(p)
    raise ModelError(_("{model} is not a GAN model the studio can load.").format(model=entry.name))
