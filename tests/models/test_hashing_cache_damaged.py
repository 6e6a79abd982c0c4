"""A damaged hash cache is rebuilt: listing models never fails because of it."""
from __future__ import annotations

from studio.core.models.hashing import HashCache
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings


def test_damaged_hash_cache_is_rebuilt(paths, tmp_path):
    db = paths.cache / "hashes.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    cache = HashCache.for_paths(paths)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 64)
    assert cache.lookup(model) is None
    assert (paths.cache / "hashes.sqlite3.damaged").exists()
    names = [e.name for e in ModelRegistry(paths, Settings()).scan_with_hashes()]
    assert "SmolLM2-135M-Instruct" in names
