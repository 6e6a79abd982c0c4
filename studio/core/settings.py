"""User settings: a small JSON file under the studio home, loaded into a frozen dataclass."""
from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.atomic import atomic_write_text

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
    memory_budget_gb: float = 0.0
    """RAM/VRAM the model cache may hold; 0 means automatic (half of what is available)."""
    device: str = "auto"
    extra: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def load_settings(path: Path) -> Settings:
    """Settings from ``path``; defaults for anything missing or unreadable (with a log line)."""
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    if not isinstance(data, dict):
        log.warning("settings file %s holds no JSON object; using defaults", path)
        return Settings()
    names = {f.name for f in dataclasses.fields(Settings)}
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    try:
        return Settings(**kwargs)
    except TypeError as exc:
        log.warning("settings file %s invalid (%s); using defaults", path, exc)
        return Settings()


def save_settings(path: Path, settings: Settings) -> None:
    atomic_write_text(path, json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True))
