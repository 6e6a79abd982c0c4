"""A 2024–26 family's text encoders and VAE kept as single files, as ComfyUI users keep them
(``models/text_encoders/t5xxl_fp16.safetensors``, ``models/clip/clip_l.safetensors``, ``models/vae/ae.safetensors``).

A transformer file whose parts are not all in one diffusers folder gets each missing part from a single file the
model registry identified (``text_encoder`` entries; their kind read from the keys) in the models folder, the extra
model folders or the Hugging Face cache. Each is built with the transformers class the family's ``model_index.json``
names and the config in its config folder (``<stem>.config`` beside the transformer file, else the shipped
``resources/configs/<family>``); its tokenizer comes from that folder, a diffusers folder of the family, the studio's
own CLIP tokenizer, or the tokenizer repo in the Hugging Face cache. Whatever is still missing is named in one line
with what to download.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import torch

from studio.core.errors import ModelError
from studio.core.models.families import Family, TextEncoder
from studio.core.i18n import _
from studio.core.paths import resources_dir
from studio.core.models.registry import ModelEntry

log = logging.getLogger(__name__)

ALLOWED_MISSING = ("lm_head.weight",)
"""Weights a text-encoder file may lack: the pipelines read hidden states, never the LM head."""


@dataclass(frozen=True)
class EncoderFile:
    """A single-file text encoder the registry found: its path, kind ("T5-XXL") and width."""

    path: Path
    kind: str
    hidden_size: int = 0

    @property
    def base(self) -> str:
        return self.kind.split("-")[0] if self.kind.startswith(("CLIP", "T5")) else self.kind


def encoder_files(entries: Iterable[ModelEntry]) -> list[EncoderFile]:
    """The usable single-file text encoders among registry ``entries``."""
    return [EncoderFile(Path(e.path), e.family, int(e.details.get("hidden_size") or 0))
            for e in entries if e.type == "text_encoder" and e.usable]


def has_weights(folder: Path, component: str) -> bool:
    """Whether ``folder/component`` holds weights (a config folder holds only config.json)."""
    sub = folder / component
    return sub.is_dir() and any(sub.glob("*.safetensors"))


def _width(config: dict[str, Any]) -> int:
    return int(config.get("hidden_size") or config.get("d_model") or (config.get("text_config") or {}).get(
        "hidden_size") or 0)


def pick(te: TextEncoder, config: dict[str, Any], files: list[EncoderFile]) -> EncoderFile | None:
    """The file for ``te``: of its architecture and the config's width, a common file name first."""
    width = _width(config)
    fits = [f for f in files if f.base == te.base and (not f.hidden_size or not width or f.hidden_size == width)]
    fits.sort(key=lambda f: (f.path.name not in te.files, str(f.path)))
    return fits[0] if fits else None


def hub_snapshot(repo: str, hub: Path | None) -> Path | None:
    """The newest snapshot folder of ``repo`` in the Hugging Face cache ``hub`` (None when absent)."""
    if not repo or hub is None:
        return None
    snaps = hub / ("models--" + repo.replace("/", "--")) / "snapshots"
    found = sorted(snaps.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True) if snaps.is_dir() else []
    return found[0] if found else None


def _has_tokenizer(folder: Path) -> bool:
    return any((folder / n).is_file() for n in ("tokenizer.json", "spiece.model", "vocab.json", "tokenizer_config.json"))


def tokenizer_for(te: TextEncoder, base: Path, folders: Iterable[Path], roots: Iterable[Path],
                  hub: Path | None) -> Any:
    """The tokenizer ``te`` uses, or None: the config folder's, a family folder's, the studio's CLIP tokenizer,
    or ``te.tokenizer_repo`` (in the Hugging Face cache, or downloaded into a models folder)."""
    from transformers import AutoTokenizer, CLIPTokenizer

    comp = te.component.replace("text_encoder", "tokenizer")
    places = [base / comp, *(Path(f) / comp for f in folders)]
    if te.tokenizer_repo:
        name = te.tokenizer_repo.rsplit("/", 1)[-1]
        places += [Path(r) / name for r in roots]
        snap = hub_snapshot(te.tokenizer_repo, hub)
        if snap is not None:
            places.append(snap)
    for place in places:
        if place.is_dir() and _has_tokenizer(place):
            return AutoTokenizer.from_pretrained(str(place), local_files_only=True)
    if te.base == "CLIP":  # the studio ships CLIP's tokenizer; OpenCLIP (CLIP-G) pads with "!"
        kwargs = {"pad_token": "!"} if te.kind == "CLIP-G" else {}
        return CLIPTokenizer.from_pretrained(str(resources_dir() / "tokenizers" / "clip"), local_files_only=True,
                                             **kwargs)
    return None


def load_encoder(file: EncoderFile, cls_name: str, config_dir: Path, dtype: torch.dtype) -> Any:
    """The transformers ``cls_name`` model with ``config_dir/config.json``'s architecture and ``file``'s weights
    (ModelError in one line when the file does not fit it)."""
    import transformers

    cls = getattr(transformers, cls_name)
    with tempfile.TemporaryDirectory(prefix="studio-te-") as tmp:
        shutil.copyfile(config_dir / "config.json", Path(tmp) / "config.json")
        weights = Path(tmp) / "model.safetensors"
        try:
            os.symlink(file.path.resolve(), weights)
        except OSError:  # no symlinks here (Windows without the privilege): a hard link, else a copy
            try:
                os.link(file.path, weights)
            except OSError:
                shutil.copyfile(file.path, weights)
        try:
            model, info = cls.from_pretrained(tmp, dtype=dtype, local_files_only=True, output_loading_info=True)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(_("{file} cannot be loaded as a {kind} text encoder: {error}").format(
                file=file.path.name, kind=file.kind, error=first[:200])) from exc
    missing = [k for k in info.get("missing_keys", ()) if not k.endswith(ALLOWED_MISSING)]
    if missing:
        raise ModelError(_("{file} is not a complete {kind} text encoder ({count} weights missing, e.g. {key}).")
                         .format(file=file.path.name, kind=file.kind, count=len(missing), key=sorted(missing)[0]))
    return model.eval()


def vae_file(fam: Family, roots: Iterable[Path], hub: Path | None) -> Path | None:
    """A VAE single file of ``fam`` by its common names (``ae.safetensors``) in the models folders' ``vae``
    sub-folders, beside them, or in the repo that publishes it in the Hugging Face cache."""
    places = [Path(r) / sub for r in roots for sub in ("vae", "")]
    snap = hub_snapshot(fam.vae_repo, hub)
    if snap is not None:
        places.append(snap)
    for place in places:
        for name in fam.vae_files:
            if (place / name).is_file():
                return place / name
    return None


def install_hint(te: TextEncoder) -> str:
    """How to get ``te`` as a single file ("" when no source is known)."""
    if not te.source or not te.files:
        return ""
    return f"python main.py models download {te.source} --include '*{te.files[0]}'"  # a command: not translated


def assemble(entry: ModelEntry, fam: Family, base: Path, index: dict[str, Any], folders: list[Path],
             encoders: list[EncoderFile], roots: list[Path], hub: Path | None, dtype: torch.dtype,
             load: bool = True) -> dict[str, Any]:
    """The pipeline components ``base`` lacks (text encoders, tokenizers, VAE), from single files and the other
    places; ModelError naming each missing part and what to download. ``load`` False: only check."""
    import diffusers

    parts: dict[str, Any] = {}
    missing: list[str] = []
    for te in fam.text_encoders:
        tok = te.component.replace("text_encoder", "tokenizer")
        if has_weights(base, te.component) and (base / tok).is_dir():
            continue
        config_dir = base / te.component if (base / te.component / "config.json").is_file() else \
            resources_dir() / "configs" / fam.config / te.component
        config = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
        found = pick(te, config, encoders)
        if found is None:
            hint = install_hint(te)
            missing.append(_("{kind} ({file}: {command})").format(kind=te.kind, file=te.files[0], command=hint)
                           if hint else te.kind)
            continue
        tokenizer = tokenizer_for(te, base, folders, roots, hub)
        if tokenizer is None:
            command = (f"python main.py models download {te.tokenizer_repo} --include 'tokenizer*' '*.model' "
                       "vocab.json merges.txt")
            missing.append(_("the {kind} tokenizer ({command})").format(kind=te.kind, command=command))
            continue
        if load:
            log.info("%s: %s from %s", entry.name, te.component, found.path)
            parts[te.component] = load_encoder(found, str(index[te.component][1]), config_dir, dtype)
            parts[tok] = tokenizer
    if not has_weights(base, "vae"):
        vae = next((f / "vae" for f in folders if has_weights(f, "vae")), None)
        single = None if vae is not None else vae_file(fam, roots, hub)
        if vae is None and single is None:
            if fam.vae_files and fam.vae_repo:
                command = f"python main.py models download {fam.vae_repo} --include {fam.vae_files[0]}"
                missing.append(_("the VAE ({file}: {command})").format(file=fam.vae_files[0], command=command))
            else:
                missing.append(_("the VAE"))
        elif load:
            cls = getattr(diffusers, str(index["vae"][1]))
            if vae is not None:
                parts["vae"] = cls.from_pretrained(str(vae), local_files_only=True, torch_dtype=dtype)
            else:
                vae_config = base if (base / "vae" / "config.json").is_file() else resources_dir() / "configs" / fam.config
                import diffusers.utils.logging as dlog

                level = dlog.get_verbosity()
                dlog.set_verbosity_error()  # its "modules kept in float32: []" note is noise on the CLI
                try:
                    parts["vae"] = cls.from_single_file(str(single), config=str(vae_config), subfolder="vae",
                                                        local_files_only=True, torch_dtype=dtype)
                finally:
                    dlog.set_verbosity(level)
    if missing:
        path = Path(entry.path)
        raise ModelError(_("{file} holds only the {family} transformer; it also needs {parts}. Put the files in "
                           "the models folder (text_encoders/, vae/), or download {repo} (a diffusers folder).")
                         .format(file=path.name, family=fam.label, parts="; ".join(missing),
                                 repo=fam.repo or fam.label))
    return parts


def part_bytes(fam: Family, base: Path, encoders: list[EncoderFile]) -> int:
    """Bytes of the single-file text encoders :func:`assemble` would load for ``fam`` (a memory estimate)."""
    total = 0
    for te in fam.text_encoders:
        if has_weights(base, te.component):
            continue
        config_dir = base / te.component if (base / te.component / "config.json").is_file() else \
            resources_dir() / "configs" / fam.config / te.component
        try:
            found = pick(te, json.loads((config_dir / "config.json").read_text(encoding="utf-8")), encoders)
            total += found.path.stat().st_size if found else 0
        except (OSError, ValueError):
            continue
    return total
