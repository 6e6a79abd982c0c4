"""Broken homes and settings: one clear line for an unusable home, a full disk without log spam, every
setting checked by type and range (a wrong one falls back to its default), bounded model-folder scans."""
from __future__ import annotations

import dataclasses
import json
import logging
import subprocess

import pytest

from studio.core.models.scan import ScanBudget, scan_folder
from studio.core.settings import Settings, SettingsError, load_settings, settings_from_dict, validate_setting

# One wrong value per field: a wrong type for each, and out-of-range values where a range exists.
WRONG = {"offline": "yes", "model_dirs": 5, "scan_hf_cache": 1, "default_image_model": 3, "default_text_model": [],
         "workers_per_device": 0, "preview_every": 2.5, "taesd_previews": None, "memory_budget_gb": "lots",
         "device": "tpu", "theme": "pink", "output_dir": 7, "default_upscaler": {}, "hf_cache_dir": False,
         "extra": [], "score_clip": 5, "engine_prewarm": "soon", "shared_lane": 0, "cancel_grace_s": -1,
         "content_filter": "maybe", "engine_address": "no-port", "engine_token": 5,
         "memory_mode": "huge", "speed_mode": 3, "backend": "tensorrt", "language": "klingon",
         "content_filter_concepts": "nudity", "content_filter_threshold": float("nan"), "content_filter_clip": 4,
         "content_filter_classifier": [], "content_filter_classifier_labels": 7,
         "content_filter_classifier_threshold": 1.5, "fast_decode": "sometimes",
         "engine_tls_fingerprint": 5, "engine_handshake_timeout_s": -1, "engine_max_connections": 0,
         "engine_idle_timeout_s": "never", "text_int8": "on", "gguf_context_length": 3, "gguf_gpu_layers": -2}


def test_every_setting_has_a_wrong_value_case():
    assert set(WRONG) == {f.name for f in dataclasses.fields(Settings)}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_wrong_setting_falls_back_to_its_default_with_one_log_line(paths, caplog, name):
    good = {"theme": "dark"} if name != "theme" else {"preview_every": 3}  # a valid neighbour is kept
    paths.settings_file.write_text(json.dumps({name: WRONG[name], **good}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="studio.core.settings"):
        s = load_settings(paths.settings_file)
    assert getattr(s, name) == getattr(Settings(), name)
    assert all(getattr(s, k) == v for k, v in good.items())
    lines = [r for r in caplog.records if name in r.getMessage()]
    assert len(lines) == 1
    assert validate_setting(name, WRONG[name]) is not None  # the dialog's inline check says the same
    with pytest.raises(SettingsError, match=name):
        settings_from_dict({name: WRONG[name]}, strict=True)


def test_nan_and_huge_values_are_refused():
    for value in (float("nan"), float("inf"), -1, 10**9):
        assert validate_setting("memory_budget_gb", value) is not None
    assert validate_setting("memory_budget_gb", 8) is None and validate_setting("device", "cuda:1") is None


def test_cli_commands_work_with_broken_settings(paths, cli):
    paths.settings_file.write_text(json.dumps({"model_dirs": 5, "memory_budget_gb": "lots", "device": "tpu",
                                               "workers_per_device": "many"}), encoding="utf-8")
    for args in (("models", "list"), ("queue", "list"), ("history", "list")):
        r = cli(*args)
        assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr)


def test_unknown_device_falls_back_to_one_that_exists():
    from studio.engines.devices import pick_device

    assert pick_device("tpu") == pick_device("auto")
    assert pick_device("cuda:99") == pick_device("auto")


def test_home_that_is_a_file_is_one_line(tmp_path):
    from tests.hostile.conftest import run_cli

    home = tmp_path / "home-file"
    home.write_text("not a folder")
    for args in (("queue", "list"), ("models", "list"), ("generate", "image", "--prompt", "x")):
        r = run_cli(home, *args)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert "is a file, not a folder" in r.stderr and "Traceback" not in r.stderr
    assert home.read_text() == "not a folder"


@pytest.fixture()
def full_disk(tmp_path):
    """A 1 MiB tmpfs (root only), filled once the studio has written its queue there."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_says_so_without_logging_tracebacks(full_disk):
    from tests.hostile.conftest import run_cli

    home = full_disk / "home"
    assert run_cli(home, "queue", "list").returncode == 0
    with open(full_disk / "filler", "wb") as fh:  # fill the disk to the last byte
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
    listed = run_cli(home, "queue", "list")
    assert listed.returncode == 0 and "the queue is empty" in listed.stdout, listed.stderr
    assert "Logging error" not in listed.stderr and "Traceback" not in listed.stderr
    made = run_cli(home, "generate", "image", "--prompt", "x", "--steps", "1", "--width", "64", "--height", "64")
    assert made.returncode == 1 and "Logging error" not in made.stderr and "Traceback" not in made.stderr
    assert "disk is full" in made.stderr.lower() or "no space" in made.stderr.lower(), made.stderr
    assert len(made.stderr.strip().splitlines()) <= 3


def test_huge_models_folder_scan_is_bounded_and_reports_progress(tmp_path):
    big = tmp_path / "big"
    for i in range(30):
        sub = big / f"dir{i}"
        sub.mkdir(parents=True)
        for j in range(20):
            (sub / f"f{j}.txt").write_text("x")
    seen: list[int] = []
    budget = ScanBudget(max_items=200, progress=lambda items, folder: seen.append(items), every_s=0.0)
    entries = scan_folder(big, "extra", budget)
    assert budget.items <= 201 and seen and max(seen) <= 200
    assert "scan stopped after 200 items" in entries[-1].reason


def test_home_on_a_read_only_file_system_is_one_line(tmp_path):
    from tests.hostile.conftest import run_cli

    mount = tmp_path / "read-only"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    try:
        r = run_cli(mount / "home", "queue", "list")
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "cannot be created" in r.stderr and "Read-only file system" in r.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=False)
