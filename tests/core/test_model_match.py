"""Reusing an A1111 PNG finds the installed model by its AutoV2 hash, else by name, else says it is missing."""
from __future__ import annotations

import shutil

import pytest
from PIL import Image

from studio.cli import build_parser
from studio.cli.gen_image import _installed_model
from studio.core.errors import ModelError
from studio.core.models.hashing import HashCache, autov2
from studio.core.models.match import ModelRef, find_installed, missing_message
from studio.core.pngmeta import read_png_model_ref, read_png_parameters, write_png
from studio.core.models.registry import ModelEntry

A1111 = ("a castle on a hill\nNegative prompt: blurry\nSteps: 12, Sampler: Euler a, CFG scale: 6, Seed: 9, "
         "Size: 64x64, Model hash: {hash}, Model: v1-5-pruned-emaonly, Version: v1.10.1")


def entry(name, sha="", **kw) -> ModelEntry:
    return ModelEntry(name, f"/m/{name}", "diffusers", family="sd1", details={"sha256": sha} if sha else {}, **kw)


def test_hash_first_then_name_then_nothing():
    mine = entry("my-sd15", sha="6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa")
    named = entry("v1-5-pruned-emaonly")
    assert find_installed(ModelRef("v1-5-pruned-emaonly", "6ce0161689"), [named, mine]) is mine
    assert find_installed(ModelRef("v1-5-pruned-emaonly", "0123456789"), [named, mine]) is named
    assert find_installed(ModelRef("v1-5-pruned-emaonly", "0123456789"), [mine]) is None
    assert "v1-5-pruned-emaonly [0123456789], which is not installed" in missing_message(
        ModelRef("v1-5-pruned-emaonly", "0123456789"))


@pytest.fixture()
def installed_tiny(paths, tiny_sd_dir):
    """The tiny SD model installed as "my-model", hashed once (as the model manager does)."""
    target = paths.models / "my-model"
    shutil.copytree(tiny_sd_dir, target)
    return target, autov2(HashCache.for_paths(paths).model_hash(target))


def _a1111_png(tmp_path, model_hash: str):
    path = tmp_path / "a1111.png"
    write_png(Image.new("RGB", (64, 64)), path, A1111.format(hash=model_hash))
    return path


def test_from_png_picks_the_installed_model_with_the_pngs_hash(installed_tiny, tmp_path):
    _, short = installed_tiny
    png = _a1111_png(tmp_path, short)
    assert read_png_model_ref(png) == ModelRef("v1-5-pruned-emaonly", short)
    assert read_png_parameters(png).model == "v1-5-pruned-emaonly"
    assert _installed_model(png, "v1-5-pruned-emaonly") == "my-model"


def test_from_png_with_an_unknown_model_fails_before_queueing(installed_tiny, tmp_path):
    png = _a1111_png(tmp_path, "0123456789")
    with pytest.raises(ModelError, match="v1-5-pruned-emaonly \\[0123456789\\], which is not installed"):
        _installed_model(png, "v1-5-pruned-emaonly")
    args = build_parser().parse_args(["generate", "image", "--from-png", str(png)])
    with pytest.raises(ModelError):
        args.func(args)


def test_prompt_editor_selects_the_hash_match_or_refuses_to_queue(qtbot, installed_tiny, tmp_path, paths):
    from studio.core.models.registry import ModelRegistry
    from studio.core.settings import Settings
    from studio.ui.prompt_editor import PromptEditor

    _, short = installed_tiny
    editor = PromptEditor()
    qtbot.addWidget(editor)
    editor.set_models(ModelRegistry(paths, Settings()).scan_with_hashes())  # what the window's scanner lists
    found = _a1111_png(tmp_path, short)
    editor.apply_spec(read_png_parameters(found), read_png_model_ref(found))
    assert editor.model() == "my-model" and editor.spec().steps == 12
    lost = tmp_path / "lost.png"
    write_png(Image.new("RGB", (64, 64)), lost, A1111.format(hash="0123456789"))
    editor.apply_spec(read_png_parameters(lost), read_png_model_ref(lost))
    assert "not installed" in editor.message_label.text()
    with qtbot.assertNotEmitted(editor.generate_requested):
        assert editor.queue() is False
    assert "not installed" in editor.message_label.text()
