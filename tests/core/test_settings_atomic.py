"""Settings persist; atomic writes never leave a partial file."""
from __future__ import annotations

import errno

import pytest

from studio.core import atomic
from studio.core.settings import Settings, load_settings, save_settings


def test_settings_round_trip_and_defaults(paths):
    assert load_settings(paths.settings_file) == Settings()
    s = Settings(offline=False, model_dirs=("/data/models",), preview_every=2)
    save_settings(paths.settings_file, s)
    assert load_settings(paths.settings_file) == s


def test_corrupt_settings_fall_back_to_defaults(paths):
    paths.settings_file.write_text("{not json")
    assert load_settings(paths.settings_file) == Settings()


def test_settings_that_are_not_an_object_fall_back_to_defaults(paths):
    paths.settings_file.write_text('["offline", false]')
    assert load_settings(paths.settings_file) == Settings()


def test_atomic_write_leaves_old_file_when_disk_is_full(tmp_path, monkeypatch):
    tmp_path = tmp_path / "atomic"
    tmp_path.mkdir()
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def full_disk(fh):
        fh.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        atomic.atomic_save(target, full_disk)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        target = tmp_path / "image.png"
        atomic.atomic_write_bytes(target, b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
