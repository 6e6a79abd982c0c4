"""SHA-256 / AutoV2 hashes: right, cached by (path, size, mtime), safe when files change or vanish."""
from __future__ import annotations

import hashlib
import os

import pytest

import studio.core.models.hashing as hashing
from studio.core.errors import JobCancelled, ModelError
from studio.core.models.hashing import HashCache, autov2


def test_hash_matches_hashlib_and_autov2(paths, tmp_path):
    f = tmp_path / "m.safetensors"
    f.write_bytes(os.urandom(3 * hashing.CHUNK + 123))
    seen = []
    sha = HashCache.for_paths(paths).file_hash(f, progress=lambda d, t: seen.append((d, t)))
    assert sha == hashlib.sha256(f.read_bytes()).hexdigest()
    assert autov2(sha) == sha[:10]
    assert seen[-1] == (f.stat().st_size, f.stat().st_size) and len(seen) == 4


def test_cache_hit_does_not_read_and_change_invalidates(paths, tmp_path, monkeypatch):
    f = tmp_path / "m.bin"
    f.write_bytes(b"a" * 1000)
    cache = HashCache.for_paths(paths)
    first = cache.file_hash(f)
    monkeypatch.setattr(hashing, "sha256_file", lambda *a, **k: pytest.fail("re-hashed a cached file"))
    assert HashCache.for_paths(paths).file_hash(f) == first  # persisted across instances
    monkeypatch.undo()
    f.write_bytes(b"b" * 1000)
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    assert cache.lookup(f) is None
    assert cache.file_hash(f) == hashlib.sha256(b"b" * 1000).hexdigest()


def test_folder_hash_is_stable_and_cached_lookup_needs_no_reading(paths, tiny_sd_dir):
    cache = HashCache.for_paths(paths)
    assert cache.cached_model_hash(tiny_sd_dir) is None
    h = cache.model_hash(tiny_sd_dir)
    assert cache.cached_model_hash(tiny_sd_dir) == h == cache.model_hash(tiny_sd_dir)


def test_file_disappearing_while_hashed(paths, tmp_path):
    f = tmp_path / "vanishing.safetensors"
    f.write_bytes(b"x" * (2 * hashing.CHUNK))
    with pytest.raises(ModelError, match="disappeared"):
        HashCache.for_paths(paths).file_hash(f, progress=lambda d, t: f.unlink(missing_ok=True))
    assert HashCache.for_paths(paths).lookup_many([f]) == {}


def test_file_growing_while_hashed(paths, tmp_path):
    f = tmp_path / "growing.safetensors"
    f.write_bytes(b"x" * (2 * hashing.CHUNK))

    def grow(done, total):
        with f.open("ab") as fh:
            fh.write(b"more")

    with pytest.raises(ModelError, match="changed while"):
        HashCache.for_paths(paths).file_hash(f, progress=grow)


def test_cancel(paths, tmp_path):
    from studio.core.progress import CancelToken

    f = tmp_path / "big.bin"
    f.write_bytes(b"x" * (3 * hashing.CHUNK))
    tok = CancelToken()
    tok.cancel()
    with pytest.raises(JobCancelled):
        HashCache.for_paths(paths).file_hash(f, cancel=tok)
