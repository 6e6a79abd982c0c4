"""The model registry: which models the studio knows, and how a name resolves to files.

Models are identified by inspecting their files (``studio.core.models.identify``), never by name.
Sources, in resolution order: the built-in models shipped in ``resources/models``, the user's
models folder under the studio home, extra folders from the settings, and the Hugging Face
hub cache (read-only).
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Mapping

from studio.core.errors import ModelError
from studio.core.models.families import WORD_FAMILIES
from studio.core.i18n import N_, _
from studio.core.paths import StudioPaths, resources_dir
from studio.core.settings import Settings

# Model types (what the files are) and the task each one serves.
IMAGE_TYPES = ("diffusers", "sd_single_file", "studio_pipeline", "gan", "studio_vae", "studio_ddpm")
TEXT_TYPES = ("causal_lm", "gguf", "text_lora")
UPSCALE_TYPES = ("upscaler",)
ADDON_TYPES = ("lora", "textual_inversion", "vae", "taesd", "controlnet", "ip_adapter", "depth_estimator",
               "text_encoder")
CLIP_TYPES = ("clip",)
"""Image–text models that score and guide (transformers CLIPModel folders)."""
"""Add-ons applied to a pipeline (not generators on their own)."""
UNDERSTAND_TYPES = ("masked_lm", "text_classifier")
"""Models that read text (fill a mask, classify) rather than write it."""
CAPTION_TYPES = ("captioner",)
"""Image-to-text models (BLIP, GIT, Florence-2 through transformers) whose caption starts a described prompt."""
TASK_TYPES = {"image": IMAGE_TYPES, "text": TEXT_TYPES, "upscale": UPSCALE_TYPES, "addon": ADDON_TYPES,
              "clip": CLIP_TYPES, "understand": UNDERSTAND_TYPES, "caption": CAPTION_TYPES}
TASK_WORDS = {"image": N_("image"), "text": N_("text"), "upscale": N_("upscale"), "addon": N_("add-on"),
              "clip": N_("CLIP"), "understand": N_("text understanding"),
              "caption": N_("image captioning")}
"""How a task reads inside a message ("No image model is installed"); shown with ``_()``."""
TYPE_LABELS = {  # N_: the window shows them with _() in the chosen language
    "diffusers": N_("Diffusers pipeline"), "sd_single_file": N_("Checkpoint (single file)"),
    "studio_pipeline": N_("Studio pipeline"), "gan": N_("GAN"), "studio_vae": N_("Studio VAE"),
    "studio_ddpm": N_("Studio DDPM"), "causal_lm": N_("Language model"), "gguf": N_("Language model (GGUF)"),
    "upscaler": N_("Upscaler"), "lora": N_("LoRA"), "text_lora": N_("Text LoRA"),
    "masked_lm": N_("Masked language model"), "text_classifier": N_("Text classifier"), "clip": N_("CLIP"),
    "textual_inversion": N_("Embedding"), "vae": N_("VAE"), "taesd": N_("TAESD (preview VAE)"),
    "captioner": N_("Image captioner"),
    "controlnet": N_("ControlNet"), "ip_adapter": N_("IP-Adapter (image prompt)"),
    "depth_estimator": N_("Depth model (ControlNet preprocessor)"),
    "text_encoder": N_("Text encoder (single file)"),
    "unknown": N_("Unknown"),
}
STATUSES = ("ok", "broken", "unknown", "unsafe")
STATUS_LABELS = {"ok": N_("ok"), "broken": N_("broken"), "unknown": N_("not recognised"), "unsafe": N_("unsafe")}
"""How the window names each status (N_: shown with _())."""
SOURCE_LABELS = {"builtin": N_("built-in"), "user": N_("my models"), "extra": N_("model folder"),
                 "hf-cache": N_("Hugging Face cache")}
"""How the window names each model source (see ModelRegistry.sources)."""
FAMILY_LABELS = WORD_FAMILIES
"""Families that are words rather than architecture names (sd15, llama, clip … stay as they are)."""
DETAIL_LABELS = {  # the details panel's rows; other keys are shown as they are
    "arch": N_("architecture"), "architecture": N_("architecture"), "architectures": N_("architectures"),
    "base_model": N_("base model"), "beta_schedule": N_("noise schedule"), "blocks": N_("blocks"),
    "channels": N_("channels"), "class": N_("class"), "clip": N_("CLIP"), "clip_part": N_("CLIP part"),
    "config": N_("configuration"), "context_length": N_("context length"), "dangerous": N_("code it would run"),
    "cross_attention_dim": N_("cross-attention width"), "dataset": N_("dataset"),
    "default_size": N_("default size"), "dtype": N_("data type"), "embed_dim": N_("embedding width"),
    "family": N_("family"), "features": N_("features"), "few_step": N_("few-step model"),
    "few_step_source": N_("recognised from"), "format": N_("format"), "gguf_version": N_("GGUF version"),
    "has_tokenizer": N_("tokenizer"), "image_size": N_("image size"), "latent_channels": N_("latent channels"),
    "languages": N_("languages"), "latent_dim": N_("latent size"), "license": N_("license"), "name": N_("name"), "package": N_("package"),
    "pairs_with": N_("pairs with"), "parameters": N_("parameters"), "patch_size": N_("patch size"),
    "pickle_globals": N_("pickle globals"), "quantization": N_("quantization"), "rank": N_("rank"),
    "recommended": N_("recommended settings"), "repo_id": N_("repository"), "revision": N_("revision"),
    "scale": N_("scale"), "size": N_("size"), "stem": N_("stem"), "style": N_("style"), "tensors": N_("tensors"),
    "title": N_("title"), "trained_steps": N_("trained steps"), "type": N_("type"),
    "unusual_globals": N_("unusual globals"), "vocabulary": N_("vocabulary"), "warning": N_("warning"),
    "sha256": N_("SHA-256"), "autov2": N_("AutoV2"), "variant": N_("variant"), "in_channels": N_("input channels"),
    "inpaints": N_("inpaints natively"), "image_encoder": N_("image encoder"),
}


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: str
    type: str
    family: str = ""
    source: str = "user"
    status: str = "ok"
    """ok, broken (recognised but unusable), unknown (not recognised), unsafe (pickle)."""
    reason: str = ""
    size: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.status == "ok"

    @property
    def task(self) -> str:
        """image, text, upscale, addon, or '' for unknown items."""
        return next((t for t, types in TASK_TYPES.items() if self.type in types), "")

    @property
    def title(self) -> str:
        """A display name (from the model's own metadata when it has one)."""
        return str(self.details.get("title") or self.name)

    def matches(self, name: str) -> bool:
        """True when ``name`` names this entry (name, title or file stem; case-insensitive)."""
        low = name.strip().lower()
        return low in (self.name.lower(), self.title.lower(), Path(self.path).stem.lower() if self.path else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (CLI ``--json``, UI)."""
        return {"name": self.name, "path": self.path, "type": self.type, "family": self.family,
                "source": self.source, "status": self.status, "reason": self.reason, "size": self.size,
                "task": self.task, "details": dict(self.details)}


def builtin_models_dir() -> Path:
    return resources_dir() / "models"


def hf_hub_cache(configured: str = "") -> Path:
    """The hub cache: the settings' folder when set, else $HF_HUB_CACHE, else $HF_HOME/hub."""
    if configured:
        return Path(configured).expanduser()
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    hf_home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(hf_home) / "hub"


class ModelRegistry:
    """Scans the model sources and resolves names. Cheap to create; ``scan()`` reads the disk."""

    def __init__(self, paths: StudioPaths, settings: Settings) -> None:
        self.paths = paths
        self.settings = settings

    def sources(self) -> list[tuple[str, Path]]:
        out = [("builtin", builtin_models_dir()), ("user", self.paths.models)]
        out += [("extra", Path(p).expanduser()) for p in self.settings.model_dirs]
        if self.settings.scan_hf_cache:
            out.append(("hf-cache", hf_hub_cache(self.settings.hf_cache_dir)))
        return out

    def scan(self, progress: Callable[[int, str], None] | None = None) -> list[ModelEntry]:
        """Every model found, usable or not, in source order.

        Each folder's scan is bounded (see ``scan.ScanBudget``); ``progress(items, folder)`` is
        called every half second while a large folder is read.
        """
        from studio.core.models.scan import ScanBudget, scan_folder

        from studio.core.models.builtin_models import builtin_entries

        entries: list[ModelEntry] = []
        for source, folder in self.sources():
            if folder.is_dir():
                entries.extend(scan_folder(folder, source, ScanBudget(progress=progress)))
            if source == "builtin":  # models shipped inside Python packages (DCGAN, Real-ESRGAN, ...)
                entries.extend(builtin_entries())
        return entries

    def scan_with_hashes(self, progress: Callable[[int, str], None] | None = None) -> list[ModelEntry]:
        """``scan()`` with each entry's SHA-256 (``details["sha256"]``, ``["autov2"]``) where it is
        already in the hash cache; never hashes anything (cheap)."""
        from dataclasses import replace

        from studio.core.models.hashing import HashCache, autov2

        cache = HashCache.for_paths(self.paths)
        out = []
        for e in self.scan(progress):
            try:
                sha = cache.cached_model_hash(Path(e.path)) if e.path and e.type != "unknown" else None
            except OSError:
                sha = None
            out.append(replace(e, details={**e.details, "sha256": sha, "autov2": autov2(sha)}) if sha else e)
        return out

    def find(self, name: str, types: Collection[str] | None = None) -> list[ModelEntry]:
        """Entries that ``name`` names (exact name first, then title or file stem, case-insensitive)."""
        entries = [e for e in self.scan() if types is None or e.type in types]
        exact = [e for e in entries if e.name == name]
        return exact or [e for e in entries if e.matches(name)]

    def resolve(self, name_or_path: str, task: str | None = None) -> ModelEntry:
        """The model called ``name_or_path`` (or at that path); the task's default when empty.

        Raises ModelError with a user-facing message when it is missing or unusable.
        """
        from studio.core.models.identify import identify_path

        types: Collection[str] | None = TASK_TYPES.get(task) if task else None
        if not name_or_path:
            entry = self.default(task or "image")
            if entry is None:
                raise ModelError(_("No {task} model is installed. Open the model manager to add one.").format(
                    task=_(TASK_WORDS.get(task or "image", task or "image"))))
            return entry
        p = Path(name_or_path).expanduser()
        if p.exists():
            entry = identify_path(p, "path")
        else:
            every = self.find(name_or_path)  # a model in a sub-folder is named "unet/flux1-dev", as listed
            if not every and (os.sep in name_or_path or "/" in name_or_path or name_or_path.startswith(".")):
                raise ModelError(_("Model not found: {name_or_path} does not exist.").format(name_or_path=name_or_path))
            matches = [e for e in every if types is None or e.type in types] or every
            usable = [e for e in matches if e.usable]
            matches = usable or matches
            if not matches:
                raise ModelError(self._not_installed(name_or_path, types))
            entry = matches[0]
        if entry.status != "ok":
            raise ModelError(_("Model {name!r} cannot be used: {reason}").format(name=entry.name, reason=entry.reason))
        if types is not None and entry.type not in types:
            raise ModelError(_("Model {name!r} is a {type} model, not a {task} model.").format(
                name=entry.name, type=entry.type, task=_(TASK_WORDS.get(task, task))))
        return self.with_cached_hash(entry)

    def _not_installed(self, name: str, types: Collection[str] | None) -> str:
        """One line for a name no installed model has, with the closest installed names (a typo)."""
        names = [e.name for e in self.scan() if e.usable and (types is None or e.type in types)]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        if close:
            return _("No model named {name!r} is installed. Did you mean {close}?").format(
                name=name, close=", ".join(repr(c) for c in close))
        return _("No model named {name!r} is installed.").format(name=name)

    def with_cached_hash(self, entry: ModelEntry) -> ModelEntry:
        """``entry`` with ``details["sha256"/"autov2"]`` when its hash is cached (never hashes)."""
        from dataclasses import replace

        from studio.core.models.hashing import HashCache, autov2

        if not entry.path or entry.details.get("sha256"):
            return entry
        try:
            sha = HashCache.for_paths(self.paths).cached_model_hash(Path(entry.path))
        except OSError:
            sha = None
        return replace(entry, details={**entry.details, "sha256": sha, "autov2": autov2(sha)}) if sha else entry

    def default(self, task: str) -> ModelEntry | None:
        """The user's default for the task if set and usable, else the first usable one found."""
        wanted = {"image": self.settings.default_image_model, "text": self.settings.default_text_model}.get(task, "")
        types = TASK_TYPES.get(task, ())
        candidates = [e for e in self.scan() if e.usable and e.type in types]
        for e in candidates:
            if wanted and e.name == wanted:
                return e
        return candidates[0] if candidates else None
