"""User settings: a small JSON file under the studio home, loaded into a frozen dataclass."""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError
from studio.core.i18n import _
from studio.core.language import LANGUAGE_CHOICES
from studio.core.specs.memory_modes import backend_problem, memory_mode_problem, speed_mode_problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    offline: bool = True
    """Offline mode: the studio opens no network connection (downloads disabled)."""
    model_dirs: tuple[str, ...] = ()
    """Extra folders scanned for models, besides the studio's own."""
    scan_hf_cache: bool = True
    default_image_model: str = ""
    default_text_model: str = ""
    workers_per_device: int = 1
    preview_every: int = 1
    """Show a preview every N diffusion steps (0: none)."""
    taesd_previews: bool = True
    """Use TAESD for previews when its weights are installed (else a cheap linear approximation)."""
    fast_decode: bool = False
    """Decode new images with the tiny TAESD decoder of their latent space when one is installed (much faster,
    lower quality); a job may choose (``ImageSpec.decoder``)."""
    memory_budget_gb: float = 0.0
    """RAM/VRAM the model cache may hold; 0 means automatic (half of what is available)."""
    device: str = "auto"
    """"auto", "cpu", "cuda", "cuda:N" or "mps"."""
    theme: str = "system"
    """The window's colours: "system" (follow the desktop), "light" or "dark"."""
    language: str = "system"
    """The studio's language: "system" (follow the locale), "en" or "zh_CN" (applied at the next start)."""
    output_dir: str = ""
    """Where results are written; "" means ``<studio home>/outputs``."""
    default_upscaler: str = ""
    """The upscaler used when a job names none; "" picks by device (x4plus on a GPU, animevideov3 x4 on a CPU)."""
    hf_cache_dir: str = ""
    """The Hugging Face hub cache scanned for models; "" means $HF_HUB_CACHE or ~/.cache/huggingface/hub."""
    score_clip: str = ""
    """The CLIP that scores generated images against their prompts ("" : only models with a paired CLIP are
    scored, by it; "none": never)."""
    engine_prewarm: bool = True
    """Engine processes load torch as soon as they start (the first job starts sooner)."""
    shared_lane: bool = False
    """One lane for everything (small GPUs); else training runs in a lane of its own beside the others."""
    cancel_grace_s: float = 5.0
    """Seconds a cancelled job may take to stop by itself before its engine process is ended."""
    content_filter: str = "off"
    """Sensitive-word filter of prompts, chat messages and generated text: "off", "warn" (ask, then go
    ahead once) or "block" (the job ends naming the rule's category)."""
    engine_address: str = ""
    """"" runs jobs in engine processes on this machine; ``host:port`` sends them to ``main.py engine serve``
    there (image, text, upscale and faces jobs)."""
    engine_token: str = ""
    """The remote engine's token (its studio home's ``engine-token`` file)."""
    engine_tls_fingerprint: str = ""
    """The SHA-256 fingerprint of a remote engine's TLS certificate (``engine serve --tls`` prints it): set, the
    studio speaks TLS to the engine and refuses any other certificate; "" : plain TCP (an SSH tunnel)."""
    engine_max_connections: int = 8
    """``engine serve``: the most connections it holds at once (further ones are refused with one line)."""
    engine_idle_timeout_s: float = 900.0
    """``engine serve``: an authenticated client that sends nothing and runs no job this long is dropped."""
    engine_handshake_timeout_s: float = 10.0
    """``engine serve``: a connection that has not sent a valid token this long after connecting is dropped."""
    content_filter_concepts: tuple[str, ...] = ()
    """Concept phrases a CLIP checks each generated image against before it is saved (none: no image check)."""
    content_filter_threshold: float = 0.3
    """CLIP cosine similarity (0-1) at which an image counts as showing a concept."""
    content_filter_clip: str = ""
    """The CLIP of the image check ("": the first installed, e.g. the built-in Studio CLIP)."""
    content_filter_classifier: str = ""
    """A text classifier (the ``classifier`` family) that also checks prompts before a job runs ("": none)."""
    content_filter_classifier_labels: tuple[str, ...] = ()
    """The classifier's labels that count as harmful (the category a blocked job names)."""
    content_filter_classifier_threshold: float = 0.5
    """Probability (0-1) of a harmful label at which a text is flagged."""
    memory_mode: str = "auto"
    """How image jobs spend device memory (see ``memory_modes.MEMORY_MODES``); a job may choose its own."""
    speed_mode: str = "off"
    """Speed mode of image jobs (see ``memory_modes.SPEED_MODES``); "off" gives the reference image."""
    backend: str = "pytorch"
    """What runs image jobs' UNet (see ``memory_modes.BACKENDS``): "pytorch", or OpenVINO on a CPU."""
    gguf_context_length: int = 0
    """Tokens of context a GGUF model is run with by llama.cpp; 0 (auto): the model's own, at most
    ``GGUF_AUTO_CONTEXT``."""
    gguf_gpu_layers: int = -1
    """Layers of a GGUF model llama.cpp offloads to the GPU; -1 (auto): all of them when the device is a GPU
    and llama.cpp was built with GPU support, else none; 0: none."""
    text_int8: bool = False
    """Text models (transformers) on the CPU run with int8 weights: torch's dynamic quantisation of their
    Linear layers (faster, less memory, slightly different answers; see benchmarks/text_cpu.py)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def outputs_folder(self, default: Path) -> Path:
        """The folder results go to: ``output_dir`` when set, else ``default`` (the home's outputs)."""
        return Path(self.output_dir).expanduser() if self.output_dir else default


THEMES = ("system", "light", "dark")
CONTENT_FILTER_POLICIES = ("off", "warn", "block")
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_MEMORY_BUDGET_GB = 4096.0
MAX_CANCEL_GRACE_S = 600.0
MAX_SETTINGS_BYTES = 1 << 20
GGUF_AUTO_CONTEXT = 4096
"""The context ``gguf_context_length`` = 0 (auto) gives at most (longer ones cost memory for every token)."""
MIN_GGUF_CONTEXT, MAX_GGUF_CONTEXT, MAX_GGUF_GPU_LAYERS = 128, 1 << 20, 1000
AUTO_SETTINGS = {"gguf_context_length": 0, "gguf_gpu_layers": -1}
"""Settings whose value ``auto`` (on the CLI, in the dialog) is stored as this number."""
"""A settings file is a few hundred bytes; a larger one is not read (defaults are used)."""


def _folder_problem(value: str, must_exist: bool) -> str | None:
    """Why ``value`` cannot be a folder the studio uses (None when it can)."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        return _("Use a full path (starting with / or a drive letter).")
    if path.exists() and not path.is_dir():
        return _("{path} is a file, not a folder.").format(path=path)
    if must_exist and not path.is_dir():
        return _("{path} does not exist.").format(path=path)
    if path == Path(path.anchor):
        return _("The root of a disk is too broad; choose a folder.")
    return None


def validate_setting(name: str, value: Any, check_disk: bool = True) -> str | None:
    """None when ``value`` is valid for the field ``name``; else one translated line saying why.

    The one schema of the settings (type and range per field): the Settings dialog checks each field
    with it as the user types, and :func:`settings_from_dict` checks a loaded file with it. With
    ``check_disk`` False, folders are checked for their type only (a folder on an unplugged disk
    stays in the file; the scan skips it).
    """
    if name == "cancel_grace_s":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_CANCEL_GRACE_S:
            return _("Expected seconds from 0 to {high:g}.").format(high=MAX_CANCEL_GRACE_S)
        return None
    if name in ("offline", "scan_hf_cache", "taesd_previews", "fast_decode", "engine_prewarm", "shared_lane",
                "text_int8"):
        return None if isinstance(value, bool) else _("Expected on or off.")
    if name == "device":
        ok = isinstance(value, str) and (value in DEVICES or re.fullmatch(r"cuda:\d+", value) is not None)
        return None if ok else _("Unknown device {value!r}: use auto, cpu, cuda, cuda:N or mps.").format(value=value)
    if name == "memory_budget_gb":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _("Expected a number of GiB.")
        if not 0 <= value <= MAX_MEMORY_BUDGET_GB:
            return _("Between 0 (automatic) and {high:g} GiB.").format(high=MAX_MEMORY_BUDGET_GB)
        return None
    if name in ("workers_per_device", "preview_every"):
        low = 1 if name == "workers_per_device" else 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 64:
            return _("Expected a whole number from {low} to 64.").format(low=low)
        return None
    if name == "content_filter":
        return None if value in CONTENT_FILTER_POLICIES else _("Use off, warn or block.")
    if name == "content_filter_classifier_labels":
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in value)
        return None if ok else _("Expected a list of labels.")
    if name == "content_filter_concepts":
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) and v.strip() and len(v) <= 200
                                                      for v in value) and len(value) <= 100
        return None if ok else _("Expected up to 100 concept phrases.")
    if name in ("content_filter_threshold", "content_filter_classifier_threshold"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            return _("Expected a similarity from 0 to 1.")
        return None
    if name == "gguf_context_length":
        ok = not isinstance(value, bool) and isinstance(value, int) and (
            value == 0 or MIN_GGUF_CONTEXT <= value <= MAX_GGUF_CONTEXT)
        return None if ok else _("Expected auto (0) or {low} to {high} tokens.").format(
            low=MIN_GGUF_CONTEXT, high=MAX_GGUF_CONTEXT)
    if name == "gguf_gpu_layers":
        ok = not isinstance(value, bool) and isinstance(value, int) and -1 <= value <= MAX_GGUF_GPU_LAYERS
        return None if ok else _("Expected auto (-1), 0 (none) or a number of layers up to {high}.").format(
            high=MAX_GGUF_GPU_LAYERS)
    if name == "memory_mode":
        return memory_mode_problem(value)
    if name == "speed_mode":
        return speed_mode_problem(value)
    if name == "backend":
        return backend_problem(value)
    if name == "theme":
        return None if value in THEMES else _("Use system, light or dark.")
    if name == "language":
        return None if value in LANGUAGE_CHOICES else _("Use one of: {choices}.").format(
            choices=", ".join(LANGUAGE_CHOICES))
    if name in ("output_dir", "hf_cache_dir"):
        if not isinstance(value, str):
            return _("Expected a folder.")
        return _folder_problem(value, must_exist=name == "hf_cache_dir") if value and check_disk else None
    if name == "model_dirs":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return _("Expected a list of folders.")
        for folder in value if check_disk else ():
            problem = _folder_problem(folder, must_exist=True)
            if problem:
                return problem
        return None
    if name in ("default_upscaler", "default_image_model", "default_text_model", "score_clip", "content_filter_clip",
                "content_filter_classifier"):
        return None if isinstance(value, str) else _("Expected a model name.")
    if name == "engine_address":
        if not isinstance(value, str):
            return _("Expected host:port, or nothing for this machine.")
        if value:
            from studio.core.protocol.remote import RemoteEngineError, parse_address

            try:
                parse_address(value)
            except RemoteEngineError as exc:
                return str(exc)
        return None
    if name == "engine_tls_fingerprint":
        from studio.core.protocol.tls import fingerprint_problem

        return fingerprint_problem(value)
    if name == "engine_max_connections":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
            return _("Expected a whole number from 1 to 1024.")
        return None
    if name in ("engine_idle_timeout_s", "engine_handshake_timeout_s"):
        high = 86400.0 if name == "engine_idle_timeout_s" else 600.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.1 <= value <= high:
            return _("Expected seconds from 0.1 to {high:g}.").format(high=high)
        return None
    if name == "engine_token":
        return None if isinstance(value, str) and len(value) <= 256 else _("Expected the engine's token (text).")
    if name == "extra":
        return None if isinstance(value, dict) else _("Expected an object.")
    return _("Unknown setting {name!r}.").format(name=name)


class SettingsError(StudioError):
    """A settings value that is not valid for its field (the message names the field)."""


def settings_from_dict(data: Any, strict: bool = False) -> Settings:
    """Settings from a JSON object, each field checked by :func:`validate_setting` (the one schema).

    A field with a wrong type or range falls back to its default with one log line (``strict``:
    SettingsError naming the field instead, and folders must exist). Unknown keys are ignored (a
    newer version's file still loads).
    """
    if not isinstance(data, dict):
        if strict:
            raise SettingsError(_("The settings must be a JSON object."))
        log.warning("the settings hold no JSON object; using defaults")
        return Settings()
    names = {f.name for f in dataclasses.fields(Settings)}
    kwargs: dict[str, Any] = {}
    extra = data.get("extra")
    if isinstance(extra, dict) and "default_upscaler" in extra and "default_upscaler" not in data:
        data = {**data, "default_upscaler": str(extra["default_upscaler"])}  # where older versions kept it
    for name, value in data.items():
        if name not in names:
            continue
        problem = validate_setting(name, value, check_disk=strict)
        if problem:
            if strict:
                raise SettingsError(_("Setting {name}: {problem}").format(name=name, problem=problem))
            log.warning("setting %s = %.80r is not valid (%s); using the default", name, value, problem)
            continue
        kwargs[name] = tuple(value) if isinstance(value, list) else value
    return Settings(**kwargs)


def load_settings(path: Path) -> Settings:
    """Settings from ``path``; defaults for anything missing, unreadable or invalid (one log line each)."""
    try:
        if not path.is_file():
            return Settings()
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            log.warning("settings file %s is larger than %d bytes; using defaults", path, MAX_SETTINGS_BYTES)
            return Settings()
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    return settings_from_dict(data)


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """A JSON object for ``settings`` (the file, and what an engine host is started with)."""
    return dataclasses.asdict(settings)


def save_settings(path: Path, settings: Settings) -> None:
    atomic_write_text(path, json.dumps(settings_to_dict(settings), indent=2, sort_keys=True))
