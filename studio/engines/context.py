"""The per-process state engines share: paths, settings, registry and the loaded-model cache."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.core.paths import StudioPaths
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings
from studio.engines.cache import ModelCache
from studio.engines.devices import pick_device


@dataclass
class EngineContext:
    paths: StudioPaths
    settings: Settings
    registry: ModelRegistry
    cache: ModelCache
    device: str = "cpu"

    def reconfigure(self, settings: Settings) -> bool:
        """Take saved settings between jobs; True when the device changed (its models are then unloaded)."""
        device = pick_device(settings.device)
        moved = device != self.device
        if moved:
            self.cache.unload()
        self.settings, self.registry, self.device = settings, ModelRegistry(self.paths, settings), device
        self.cache.set_budget(int(settings.memory_budget_gb * 2**30))
        return moved

    @property
    def outputs(self) -> Path:
        """Where results are written: the settings' output folder, else the home's ``outputs/``."""
        return self.settings.outputs_folder(self.paths.outputs)

    @classmethod
    def create(cls, paths: StudioPaths, settings: Settings, device: str | None = None) -> "EngineContext":
        dev = device or pick_device(settings.device)
        return cls(paths=paths, settings=settings, registry=ModelRegistry(paths, settings),
                   cache=ModelCache(budget_bytes=int(settings.memory_budget_gb * 2**30)), device=dev)
