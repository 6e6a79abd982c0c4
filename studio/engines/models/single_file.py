"""Load a single-file SD 1.x / 2.x / SDXL checkpoint offline (owned by the model manager).

diffusers' ``from_single_file`` needs a diffusers config folder for the architecture; it would
fetch one from the hub otherwise. We always pass one: a folder named ``<checkpoint stem>.config``
beside the file when the user provides it (custom architectures), else the configs shipped in
``resources/configs/<family>``, plus the studio's own CLIP tokenizer, with
``local_files_only=True``. Only ``.safetensors`` files are loaded: pickles must be converted first.
"""
from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.paths import resources_dir
from studio.core.models.registry import ModelEntry

log = logging.getLogger(__name__)

CONFIG_FOR_FAMILY = {"sd1": "sd1", "sd2": "sd2", "sdxl": "sdxl"}


def configs_dir() -> Path:
    return resources_dir() / "configs"


def tokenizer_dir() -> Path:
    return resources_dir() / "tokenizers" / "clip"


def config_for(entry: ModelEntry) -> Path:
    """The diffusers config folder used to build ``entry``'s pipeline."""
    path = Path(entry.path)
    sidecar = path.with_name(path.stem + ".config")
    if (sidecar / "model_index.json").is_file():
        return sidecar
    name = CONFIG_FOR_FAMILY.get(entry.family)
    if name == "sd2" and entry.details.get("prediction") == "epsilon":
        name = "sd2_base"
    if name is None:
        raise ModelError(_("{file}: {family} checkpoints cannot be loaded as a single file; convert it to a "
                           "diffusers folder or add a '<name>.config' folder beside it.").format(
            file=path.name, family=entry.family or "?"))
    return configs_dir() / name


def _tokenizers(config: Path, index: dict[str, Any]) -> dict[str, Any]:
    """Tokenizers to pass in (those the config folder does not hold itself)."""
    from transformers import CLIPTokenizer

    out: dict[str, Any] = {}
    for comp in ("tokenizer", "tokenizer_2"):
        if comp not in index or (config / comp).is_dir():
            continue
        te = config / ("text_encoder" if comp == "tokenizer" else "text_encoder_2") / "config.json"
        openclip = te.is_file() and json.loads(te.read_text(encoding="utf-8")).get("hidden_act") == "gelu"
        # OpenCLIP (SD 2.x, SDXL's second encoder) pads with "!" where OpenAI's CLIP pads with <|endoftext|>
        kwargs = {"pad_token": "!"} if openclip else {}
        out[comp] = CLIPTokenizer.from_pretrained(str(tokenizer_dir()), local_files_only=True, **kwargs)
    return out


def load(entry: ModelEntry, device: str, dtype: torch.dtype, config: Path | None = None) -> Any:
    """A diffusers pipeline for the single-file checkpoint ``entry`` (on the CPU; the caller moves it)."""
    path = Path(entry.path)
    if path.suffix.lower() != ".safetensors":
        raise ModelError(_("{file} is not a .safetensors file; convert it to safetensors first.").format(
            file=path.name))
    if entry.status != "ok":
        raise ModelError(_("{file} cannot be used: {reason}").format(file=path.name, reason=entry.reason))
    config = Path(config) if config else config_for(entry)
    with tempfile.TemporaryDirectory(prefix="studio-config-") as tmp:
        return _load(entry, path, _with_file_channels(config, entry, Path(tmp)), dtype)


def _with_file_channels(config: Path, entry: ModelEntry, tmp: Path) -> Path:
    """``config``, or a copy of it in ``tmp`` whose UNet takes the input channels the file's ``conv_in`` weight
    has (an inpainting checkpoint: 9 = latents + mask + masked image) when they differ."""
    wanted = entry.details.get("in_channels")
    unet = config / "unet" / "config.json"
    if not wanted or not unet.is_file():
        return config
    values = json.loads(unet.read_text(encoding="utf-8"))
    if int(values.get("in_channels", 4)) == int(wanted):
        return config
    shutil.copytree(config, tmp / config.name)
    values["in_channels"] = int(wanted)
    (tmp / config.name / "unet" / "config.json").write_text(json.dumps(values, indent=2), encoding="utf-8")
    log.info("%s: the UNet takes %s input channels (conv_in); loading with that config", entry.path, wanted)
    return tmp / config.name


def _load(entry: ModelEntry, path: Path, config: Path, dtype: torch.dtype) -> Any:
    import diffusers

    index = json.loads((config / "model_index.json").read_text(encoding="utf-8"))
    cls = getattr(diffusers, str(index.get("_class_name", "StableDiffusionPipeline")), None)
    if cls is None or not hasattr(cls, "from_single_file"):
        raise ModelError(_("{file}: pipeline class {pipeline_class} cannot load single files.").format(
            file=config.name, pipeline_class=index.get('_class_name')))
    kwargs: dict[str, Any] = _tokenizers(config, index)
    if "safety_checker" in index:
        kwargs.update(safety_checker=None, requires_safety_checker=False)
    try:
        pipe = cls.from_single_file(str(path), config=str(config), local_files_only=True, torch_dtype=dtype, **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        log.exception("single-file load of %s failed", path)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(_("Cannot load {file} as a {family} checkpoint: {error}").format(
            file=path.name, family=entry.family or 'SD', error=first[:200])) from exc
    return pipe
