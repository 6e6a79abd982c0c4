"""Tiny random pipelines of the 2024–26 families, saved once per session (tests/fixtures/tiny_families.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.tiny_families import build_family

_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def family_dir(tmp_path_factory):
    """``family_dir(key)``: the folder of the tiny ``key`` pipeline (built on first use)."""

    def get(key: str) -> Path:
        if key not in _BUILT:
            _BUILT[key] = build_family(key, tmp_path_factory.mktemp("families") / f"tiny-{key}")
        return _BUILT[key]

    return get


@pytest.fixture()
def family_ctx(paths):
    """An engine context on the CPU with its own model cache."""
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings
    from studio.engines.cache import ModelCache
    from studio.engines.context import EngineContext

    settings = Settings()
    return EngineContext(paths=paths, settings=settings, registry=ModelRegistry(paths, settings),
                         cache=ModelCache(budget_bytes=2 * 2**30), device="cpu")
