"""Single-file transformers of the 2024–26 families (SD3.5, FLUX.1, Chroma, Z-Image, Qwen-Image, FLUX.2 klein,
SANA-Sprint): ``.safetensors`` (original or diffusers key names) and GGUF quantisations, offline.

The transformer is built from a config folder (``<stem>.config`` beside the file, else the family's folder in
``resources/configs`` with its layer counts read from the file) through diffusers' ``from_single_file``; GGUF
files go through ``GGUFQuantizationConfig`` and stay quantised in memory. The text encoders, tokenizers and VAE
come from a diffusers folder of the same family (the sidecar, the models folder or the Hugging Face cache). A
missing one, a truncated file or a GGUF of another family is one clear ModelError line.
"""
from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import torch

from studio.core.errors import ModelError
from studio.core.models.families import FAMILIES, GGUF_FAMILY, Family
from studio.core.i18n import _
from studio.core.models.keypatterns import transformer_family
from studio.core.paths import resources_dir
from studio.core.progress import format_bytes
from studio.core.models.registry import ModelEntry
from studio.engines.diffusion.text_encoders import EncoderFile, assemble, has_weights, part_bytes

log = logging.getLogger(__name__)


def _family(entry: ModelEntry) -> Family:
    fam = FAMILIES.get(entry.family)
    if fam is None or not fam.transformer:
        raise ModelError(_("{file}: {family} transformers cannot be loaded as a single file.").format(
            file=Path(entry.path).name, family=entry.family or "?"))
    return fam


def _sidecar(path: Path) -> Path | None:
    cand = path.with_name(path.stem + ".config")
    return cand if (cand / "model_index.json").is_file() else None


def _has_parts(folder: Path, fam: Family) -> list[str]:
    """The text encoders (kinds) and VAE ``folder`` lacks for ``fam`` (empty: it has them all)."""
    missing = [t.kind for t in fam.text_encoders
               if not has_weights(folder, t.component) or not (folder / t.component.replace("text_encoder", "tokenizer"))
               .is_dir()]
    if not has_weights(folder, "vae"):
        missing.append("VAE")
    return missing


def companion(entry: ModelEntry, folders: Iterable[Path]) -> Path:
    """The folder the rest of the pipeline comes from: the sidecar, else the first diffusers folder of the
    family with every text encoder and the VAE (ModelError naming what to install when there is none)."""
    fam = _family(entry)
    path = Path(entry.path)
    candidates = [c for c in [_sidecar(path), *folders] if c is not None]
    missing: list[str] = [t.kind for t in fam.text_encoders] + ["VAE"]
    for folder in candidates:
        lacks = _has_parts(Path(folder), fam)
        if not lacks:
            return Path(folder)
        missing = lacks if len(lacks) < len(missing) else missing
    raise ModelError(_("{file} holds only the {family} transformer; it also needs {parts}: download {repo} (a "
                       "diffusers folder) into the models folder, or put a '{stem}.config' folder with them beside "
                       "the file.").format(file=path.name, family=fam.label, parts=", ".join(missing),
                                           repo=fam.repo or fam.label, stem=path.stem))


def _gguf_details(path: Path, fam: Family) -> dict[str, Any]:
    """What a GGUF file's tensor names tell (FLUX.1 dev or schnell, layer counts), as identify tells a
    safetensors file's (the pure-Python GGUF header reader stops before the tensor list)."""
    from gguf import GGUFReader

    from studio.core.models.keypatterns import classify

    kc = classify(dict.fromkeys(t.name for t in GGUFReader(str(path)).tensors))
    return dict(kc.details) if kc is not None and kc.family == fam.key else {}


def _config_dir(entry: ModelEntry, fam: Family, tmp: Path) -> Path:
    """A folder with ``transformer/config.json`` for the file: the sidecar's, else the shipped one."""
    path = Path(entry.path)
    side = _sidecar(path)
    if side is not None and (side / "transformer" / "config.json").is_file():
        return side
    name = fam.config
    if fam.key == "flux" and entry.details.get("variant") == "schnell":
        name = "flux_schnell"
    shipped = resources_dir() / "configs" / name
    (tmp / "transformer").mkdir(parents=True, exist_ok=True)
    config = json.loads((shipped / "transformer" / "config.json").read_text(encoding="utf-8"))
    config.update(entry.details.get("transformer_config") or {})  # depths and widths read from the file
    (tmp / "transformer" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return tmp


def gguf_problem(path: Path, fam: Family) -> str:
    """Why the GGUF file is unusable as ``fam``'s transformer ('' when fine): truncated, or another family."""
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path))
    except (ValueError, OSError, IndexError, KeyError) as exc:
        return _("{file} is truncated or corrupt ({error}); download or copy it again.").format(
            file=path.name, error=str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__)
    arch_field = reader.fields.get("general.architecture")
    arch = ""
    if arch_field is not None:
        arch = bytes(arch_field.parts[arch_field.data[0]]).decode("utf-8", "replace")
    found = transformer_family([t.name for t in reader.tensors]) or GGUF_FAMILY.get(arch, "")
    if found != fam.key:
        what = FAMILIES[found].label if found in FAMILIES else (arch or _("an unknown model"))
        return _("{file} is not a {family} transformer (it holds {what}).").format(
            file=path.name, family=fam.label, what=what)
    return ""


@dataclass(frozen=True)
class Parts:
    """Where a transformer file's other parts may be as single files (``studio.engines.diffusion.text_encoders``):
    the text encoders the registry found, the model folders (their ``text_encoders/``, ``vae/``) and the hub cache."""

    encoders: list[EncoderFile] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    hub: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.encoders or self.roots or self.hub)


def _base(entry: ModelEntry, fam: Family, folders: list[Path]) -> Path:
    """The folder the pipeline is assembled on (its scheduler, and every part it holds): the sidecar or a folder
    of the family holding the most parts, else the shipped config folder (parts from single files)."""
    side = _sidecar(Path(entry.path))
    cands = [c for c in [side, *folders] if c is not None and (c / "scheduler").is_dir()]
    if cands:
        return min(cands, key=lambda c: len(_has_parts(c, fam)))
    return resources_dir() / "configs" / fam.config


def load_transformer_file(entry: ModelEntry, dtype: torch.dtype, folders: Iterable[Path] = (),
                          parts: Parts | None = None) -> Any:
    """The family's pipeline with the transformer read from ``entry``'s file (on the CPU; the caller moves it);
    the other parts from a diffusers folder of the family, else from single files (``parts``)."""
    parts = parts or Parts()
    import diffusers

    from studio.engines.diffusion.loader import safetensors_problem

    fam = _family(entry)
    path = Path(entry.path)
    if not path.is_file():
        raise ModelError(_("Model file not found: {file}").format(file=path))
    gguf = entry.details.get("format") == "gguf" or path.suffix.lower() == ".gguf"
    if gguf:
        problem = gguf_problem(path, fam)
        if problem:
            raise ModelError(problem)
        entry = replace(entry, details={**_gguf_details(path, fam), **entry.details})
    else:
        if path.suffix.lower() != ".safetensors":
            raise ModelError(_("{file} is not a .safetensors file; convert it to safetensors first.").format(
                file=path.name))
        if safetensors_problem(path) is not None:
            raise ModelError(_("{file} is truncated or corrupt; download or copy it again.").format(file=path.name))
    folders = [Path(f) for f in folders]
    try:
        rest: Path | None = companion(entry, folders)
    except ModelError:
        if not parts:
            raise
        rest = None
    base = rest or _base(entry, fam, folders)
    index = json.loads((base / "model_index.json").read_text(encoding="utf-8"))
    assemble(entry, fam, base, index, folders, parts.encoders, parts.roots, parts.hub, dtype, load=False)  # first
    cls = getattr(diffusers, fam.transformer)
    kwargs: dict[str, Any] = {}
    if gguf:
        kwargs["quantization_config"] = diffusers.GGUFQuantizationConfig(compute_dtype=dtype)
    with tempfile.TemporaryDirectory(prefix="studio-config-") as tmp:
        config = _config_dir(entry, fam, Path(tmp))
        try:
            transformer = cls.from_single_file(str(path), config=str(config), subfolder="transformer",
                                               local_files_only=True, torch_dtype=dtype, **kwargs)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError, IndexError, AttributeError) as exc:
            log.exception("single-file transformer load of %s failed", path)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(_("Cannot load {file} as a {family} transformer: {error}").format(
                file=path.name, family=fam.label, error=first[:200])) from exc
    pipe_cls = getattr(diffusers, fam.pipeline)
    extra = assemble(entry, fam, base, index, folders, parts.encoders, parts.roots, parts.hub, dtype)
    try:
        return pipe_cls.from_pretrained(str(base), transformer=transformer, local_files_only=True,
                                        use_safetensors=True, dtype=dtype, **extra)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(_("Cannot load the text encoders and VAE for {file} from {folder}: {error}").format(
            file=path.name, folder=base.name, error=first[:200])) from exc


def weight_bytes(folder: Path, parts: Iterable[str]) -> int:
    """Bytes of the weight files of ``parts`` (sub-folders) of a diffusers folder."""
    total = 0
    for part in parts:
        for f in (folder / part).glob("*.safetensors"):
            total += f.stat().st_size
    return total


def memory_refusal(entry: ModelEntry, need: int, budget: int) -> str:
    """The one line refusing a model that needs ``need`` bytes under a ``budget`` ('' when it fits)."""
    if budget <= 0 or need <= budget:
        return ""
    return _("{model} needs about {need} of memory on the CPU, over the memory budget of {budget} (Settings → "
             "Memory budget); choose a GGUF-quantised or smaller model, or raise the budget.").format(
        model=entry.name, need=format_bytes(need), budget=format_bytes(budget))


def estimate_bytes(entry: ModelEntry, dtype: torch.dtype, folders: Iterable[Path] = (),
                   singles: Parts | None = None) -> int:
    """Bytes ``entry`` takes in memory once loaded in ``dtype`` (weights only; a lower bound)."""
    fam = FAMILIES.get(entry.family)
    path = Path(entry.path)
    scale = torch.finfo(dtype).bits / 16  # files hold 16-bit weights (bf16/fp16) as published
    parts = (["transformer", "vae"] + [t.component for t in fam.text_encoders]) if fam else []
    if path.is_dir():
        return int(weight_bytes(path, parts) * scale)
    try:
        own = path.stat().st_size
    except OSError:
        return 0
    own = own if entry.details.get("format") == "gguf" else int(own * scale)
    others = [p for p in parts if p != "transformer"]
    try:
        rest = companion(entry, folders)
    except ModelError:
        if fam is None or not singles:
            return own
        base = _base(entry, fam, [Path(f) for f in folders])  # parts from single files
        return own + int((weight_bytes(base, others) + part_bytes(fam, base, singles.encoders)) * scale)
    return own + int(weight_bytes(rest, others) * scale)
