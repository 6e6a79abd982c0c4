"""Few-step models and LoRAs (LCM, TCD, Turbo, Lightning, Hyper-SD, DMD2, SDXS): recognised from their
files, with the steps, CFG, sampler and timestep spacing they are sampled with.

Evidence, strongest first: the folder's scheduler config (``LCMScheduler``/``TCDScheduler``), the model
card's tags (README front matter), the safetensors metadata (kohya/modelspec titles and tags), then the
names (file, folder). A recognised entry gets ``details["few_step"]`` (its kind), ``["few_step_source"]``
and, unless the model ships its own, ``details["recommended"]``: what the window and the CLI propose,
as they do for Studio Fashion (``studio.core.models.recommended``). Pure Python.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from studio.core.i18n import _
from studio.core.models.registry import ModelEntry
from studio.core.specs.samplers import FEW_STEP_SCHEDULERS, SCHEDULER_LABELS

FEW_STEP_TYPES = ("diffusers", "sd_single_file", "lora")
"""Entries looked at: pipelines, checkpoints and LoRAs."""
KINDS: dict[str, dict[str, Any]] = {
    # kind: what its authors publish (diffusers' docs and the model cards)
    "lcm": {"steps": 4, "guidance": 1.0, "scheduler": "lcm"},
    "tcd": {"steps": 4, "guidance": 1.0, "scheduler": "tcd"},
    "dmd2": {"steps": 4, "guidance": 0.0, "scheduler": "lcm"},
    "hyper": {"steps": 8, "guidance": 0.0, "scheduler": "ddim", "timestep_spacing": "trailing"},
    "lightning": {"steps": 4, "guidance": 0.0, "scheduler": "euler", "timestep_spacing": "trailing"},
    "sdxs": {"steps": 1, "guidance": 0.0, "scheduler": "euler", "timestep_spacing": "trailing"},
    "turbo": {"steps": 1, "guidance": 0.0, "scheduler": "euler_a", "timestep_spacing": "trailing"},
    "schnell": {"steps": 4, "guidance": 0.0, "scheduler": "euler"},  # FLUX.1 [schnell]: timestep-distilled
}
"""Few-step kinds and the settings they are sampled with (first match wins: an "lcm-lora-sdxl-turbo" is LCM)."""
KIND_TITLES = {"lcm": "LCM", "tcd": "TCD", "dmd2": "DMD2", "hyper": "Hyper-SD", "lightning": "Lightning",
               "sdxs": "SDXS", "turbo": "Turbo", "schnell": "FLUX.1 schnell"}
_PATTERNS = {"lcm": r"(?<![a-z])lcm(?![a-z])", "tcd": r"(?<![a-z])tcd(?![a-z])", "dmd2": r"dmd2",
             "hyper": r"hyper[-_ ]?sd", "lightning": r"lightning", "sdxs": r"sdxs", "turbo": r"turbo"}
_SCHEDULER_KINDS = {"LCMScheduler": "lcm", "TCDScheduler": "tcd"}
_STEPS = re.compile(r"(?<![0-9])([1-9][0-9]?)[-_ ]?steps?(?![a-z])")
_META_KEYS = ("ss_output_name", "modelspec.title", "modelspec.tags", "modelspec.description", "name", "title")
_GENERIC_STEMS = ("pytorch_lora_weights", "diffusion_pytorch_model", "model", "lora", "adapter_model")
"""File names that say nothing: the folder's name is read instead."""
_SUITS_FEW_STEP_SAMPLERS = ("lcm", "tcd", "dmd2", "hyper")
"""Kinds trained for the LCM/TCD samplers (a plain or Turbo model gives mush with them)."""


def kind_in(text: str) -> str:
    """The few-step kind a name, title or tag names ('' for none)."""
    low = text.lower()
    return next((kind for kind, pattern in _PATTERNS.items() if re.search(pattern, low)), "")


def _settings(kind: str, text: str) -> dict[str, Any]:
    """KINDS[kind], with the step count the name states ("…-8steps-…", "4step") and Hyper-SD's CFG variants."""
    rec = dict(KINDS[kind])
    m = _STEPS.search(text.lower())
    if m and kind in ("hyper", "lightning", "dmd2", "lcm", "tcd"):
        rec["steps"] = int(m.group(1))
    if kind == "hyper" and re.search(r"(?<![a-z])cfg(?![a-z])", text.lower()):
        rec["guidance"] = 5.0  # Hyper-SD's CFG-preserved LoRAs take a normal guidance
    if kind == "hyper" and rec["steps"] == 1:
        rec["scheduler"] = "tcd"  # Hyper-SD's 1-step unified LoRA is sampled with TCD
        rec.pop("timestep_spacing", None)
    return rec


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError):
        return {}
    return data if isinstance(data, dict) else {}


def card_tags(readme: Path) -> list[str]:
    """The ``tags:`` of a Hugging Face model card's YAML front matter (a list or one line)."""
    try:
        head = readme.read_text(encoding="utf-8", errors="replace")[:8000] if readme.is_file() else ""
    except OSError:
        return []
    if not head.startswith("---"):
        return []
    front = head[3:].split("\n---", 1)[0]
    tags: list[str] = []
    inside = False
    for line in front.splitlines():
        m = re.match(r"tags:\s*(.*)$", line)
        if m:
            inline = m.group(1).strip()
            if inline.startswith("["):
                tags += [t.strip(" '\"") for t in inline.strip("[]").split(",") if t.strip(" '\"")]
            inside = not inline
            continue
        if inside:
            item = re.match(r"\s*-\s*(.+)$", line)
            if item:
                tags.append(item.group(1).strip(" '\""))
            elif line and not line[0].isspace():
                inside = False
    return tags


def _is_schnell(entry: ModelEntry, path: Path) -> bool:
    """A FLUX.1 without a guidance embedding is [schnell] (dev has one): its transformer config says so in a
    folder, its tensor names in a single file (``details["variant"]``)."""
    if entry.family != "flux" or entry.type == "lora":
        return False
    if path.is_dir():
        config = _read_json(path / "transformer" / "config.json")
        return config.get("_class_name") == "FluxTransformer2DModel" and config.get("guidance_embeds") is False
    return entry.details.get("variant") == "schnell"


def recognise(entry: ModelEntry) -> tuple[str, str, str]:
    """(kind, evidence, text it was read from) for a few-step entry; ("", "", "") otherwise.

    Evidence: "scheduler" (the folder's scheduler config), "config"/"keys" (FLUX.1 schnell's transformer),
    "tags" (model card), "metadata" (safetensors), "name" (file or folder name).
    """
    if entry.type not in FEW_STEP_TYPES or not entry.path:
        return "", "", ""
    path = Path(entry.path)
    folder = path if path.is_dir() else path.parent
    names = [entry.name, path.stem if path.is_file() else path.name]
    if path.is_file() and path.stem.lower() in _GENERIC_STEMS:
        names.append(folder.name)
    name_text = " ".join(names)
    if path.is_dir():
        sched = _read_json(path / "scheduler" / "scheduler_config.json")
        kind = _SCHEDULER_KINDS.get(str(sched.get("_class_name", "")), "")
        if kind:
            return kind, "scheduler", name_text
    if _is_schnell(entry, path):
        return "schnell", "config" if path.is_dir() else "keys", name_text
    tags = card_tags(folder / "README.md")
    for tag in tags:
        kind = kind_in(tag)
        if kind:
            return kind, "tags", " ".join([*tags, name_text])
    meta = entry.details.get("metadata") if isinstance(entry.details.get("metadata"), Mapping) else {}
    for key in _META_KEYS:
        value = str(meta.get(key) or "")
        kind = kind_in(value)
        if kind:
            return kind, "metadata", f"{value} {name_text}"
    for name in names:
        kind = kind_in(name)
        if kind:
            return kind, "name", name_text
    return "", "", ""


def annotate(entry: ModelEntry) -> ModelEntry:
    """``entry`` with its few-step kind and recommended settings when it is a few-step model or LoRA."""
    if entry.status != "ok" or entry.type not in FEW_STEP_TYPES:
        return entry
    try:
        kind, source, text = recognise(entry)
    except (OSError, ValueError, UnicodeError):  # identify never raises: an unreadable card is no evidence
        return entry
    if not kind:
        return entry
    details = {**entry.details, "few_step": KIND_TITLES[kind], "few_step_source": source}
    if not isinstance(details.get("recommended"), Mapping):
        details["recommended"] = _settings(kind, text)
    return replace(entry, details=details)


def display_name(entry: ModelEntry) -> str:
    """How a message names ``entry``: its title, else its file's stem (its folder's for a generic file name)."""
    if (entry.details or {}).get("title") or not entry.path:
        return entry.title
    from studio.core.models.hashing import WEIGHT_SUFFIXES  # here: hashing loads OpenSSL and sqlite (4 MB)

    path = Path(entry.path)
    is_file = path.suffix.lower() in WEIGHT_SUFFIXES  # a folder may have a dot in its name (FLUX.1-dev, sd3.5-medium)
    if is_file and path.stem.lower() in _GENERIC_STEMS:
        return path.parent.name
    return path.stem if is_file else path.name


def few_step_kind(entry: ModelEntry | None) -> str:
    """The kind key ("lcm", "turbo", …) recorded on ``entry`` ('' when none)."""
    title = str((entry.details or {}).get("few_step", "")) if entry is not None else ""
    return next((k for k, t in KIND_TITLES.items() if t == title), "")


def sampler_warning(scheduler: str, model: ModelEntry | None, loras: Iterable[ModelEntry | None] = ()) -> str:
    """One line when a few-step sampler (LCM, TCD) is asked of a model and LoRAs not distilled for it ('' else).

    The image is still made: the sampler is allowed, the person is told what to expect.
    """
    if scheduler not in FEW_STEP_SCHEDULERS:
        return ""
    entries = [model, *loras]
    if any(few_step_kind(e) in _SUITS_FEW_STEP_SAMPLERS for e in entries):
        return ""
    title = (model.title if model is not None else "") or _("this model")
    return _("{sampler} suits models and LoRAs distilled for it (an LCM or TCD LoRA, Hyper-SD, DMD2); "
             "{model} is not one, so expect a blurred image at few steps.").format(
        sampler=SCHEDULER_LABELS.get(scheduler, scheduler), model=title)


def recommendation(entries: Iterable[ModelEntry | None]) -> tuple[ModelEntry | None, dict[str, Any]]:
    """The last entry of ``entries`` that is few-step and recommends settings, with them (None, {} when none).

    Used for LoRAs: an LCM-LoRA on a plain model recommends LCM's settings."""
    found: tuple[ModelEntry | None, dict[str, Any]] = (None, {})
    for e in entries:
        rec = (e.details or {}).get("recommended") if e is not None and few_step_kind(e) else None
        if isinstance(rec, Mapping):
            found = (e, dict(rec))
    return found
