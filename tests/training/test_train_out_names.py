"""`train --out` is a model name: paths are refused and nothing that was there is ever removed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.errors import SpecError
from studio.core.models.swap import MARKER
from studio.core.names import check_model_name
from studio.core.specs.training import TrainSpec
from studio.core.specs.serial import spec_from_dict, spec_to_dict

TINY_ARGS = ["--steps", "1", "--batch", "2", "--size", "16", "--device", "cpu", "--checkpoint-every", "0"]


def _train(caption_folder: Path, out: str, *extra: str) -> list[str]:
    return ["train", "gan", "--data", str(caption_folder), "--out", out, *TINY_ARGS, *extra]


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes (the CLI's own log excepted)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "logs"}


@pytest.mark.parametrize("name", ["../outputs", ".", "..", "/tmp/x", "a/b", "a\\b", "", "  ", "C:model", "x..y",
                                  ".hidden", "loras", "CON", "nul.txt", "tab\there", "~user"])
def test_a_model_name_that_could_be_a_path_is_refused(name):
    with pytest.raises(SpecError):
        check_model_name(name)


def test_plain_names_pass_and_are_trimmed():
    assert check_model_name("  my model v2 ") == "my model v2"
    assert check_model_name("fashion-ü.1") == "fashion-ü.1"


def test_a_queued_or_png_spec_with_a_path_name_is_refused():
    data = spec_to_dict(TrainSpec(family="gan", data="digits", out="ok"))
    data["out"] = "../../outputs"
    with pytest.raises(SpecError, match="not a path"):
        spec_from_dict(data).validate()


def test_out_paths_never_remove_anything(caption_folder, studio_home, tmp_path, capsys):
    from studio.cli import main

    outputs = studio_home / "outputs"
    outputs.mkdir()
    (outputs / "keep.png").write_bytes(b"my image")
    models = studio_home / "models"
    (models / "mine").mkdir(parents=True)
    (models / "mine" / "notes.txt").write_text("my notes")
    elsewhere = tmp_path / "dir"
    elsewhere.mkdir()
    (elsewhere / "file.txt").write_text("keep me")
    before = {"home": _tree(studio_home), "elsewhere": _tree(elsewhere)}
    for out in ("../outputs", ".", "..", str(elsewhere), str(elsewhere / "new"), "../training/x"):
        code = main(_train(caption_folder, out))
        err = capsys.readouterr().err
        assert code != 0, out
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "name" in lines[0], (out, err)
    assert {"home": _tree(studio_home), "elsewhere": _tree(elsewhere)} == before


def test_a_reused_name_needs_overwrite_and_only_replaces_the_studios_own_model(caption_folder, studio_home, capsys,
                                                                             tmp_path, monkeypatch):
    import send2trash.plat_other as plat  # reads $XDG_DATA_HOME once, at import: point it at this test's folder

    from studio.cli import main

    xdg = tmp_path / "xdg"
    monkeypatch.setattr(plat, "XDG_DATA_HOME", str(xdg).encode())
    monkeypatch.setattr(plat, "HOMETRASH_B", str(xdg).encode() + b"/Trash")
    monkeypatch.setattr(plat, "HOMETRASH", str(xdg / "Trash"))

    models = studio_home / "models"
    (models / "mine").mkdir(parents=True)
    (models / "mine" / "notes.txt").write_text("my notes")
    # A user's model: refused with and without --overwrite (the studio did not make it).
    for extra in ((), ("--overwrite",)):
        assert main(_train(caption_folder, "mine", *extra)) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "'mine'" in err, err
    assert (models / "mine" / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in models.iterdir()) == ["mine"]

    # The studio's own model: a new training of that name is refused without --overwrite...
    assert main(_train(caption_folder, "trained")) == 0
    first = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert first == models / "trained" and (first / MARKER).is_file()
    card = json.loads((first / "studio_model.json").read_text())
    assert main(_train(caption_folder, "trained", "--seed", "5")) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert json.loads((first / "studio_model.json").read_text()) == card
    # ...and replaced with it; no temp or old folders are left behind, the replaced model is in the trash.
    assert main(_train(caption_folder, "trained", "--seed", "5", "--steps", "2", "--overwrite")) == 0
    capsys.readouterr()
    assert json.loads((first / "studio_model.json").read_text())["trained_steps"] == 2
    assert sorted(p.name for p in models.iterdir()) == ["mine", "trained"]
    trashed = list((xdg / "Trash" / "files").iterdir())
    assert len(trashed) == 1 and json.loads((trashed[0] / "studio_model.json").read_text()) == card


def test_models_import_name_is_a_name_too(studio_home, tmp_path, capsys):
    from studio.cli import main
    from tests.models.conftest import write_st

    src = write_st(tmp_path / "outside" / "emb.safetensors", {"emb_params": (1, 1024)})
    (studio_home / "outputs").mkdir()
    for name in ("../outputs/emb", "../../evil", str(tmp_path / "abs"), ".", "", "loras"):
        assert main(["models", "import", str(src), "--name", name]) == 1, name
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err, err
    assert not list((studio_home / "outputs").iterdir()) and not (tmp_path / "abs.safetensors").exists()
    assert not [p for p in (studio_home / "models").iterdir()]
    assert main(["models", "import", str(src), "--name", "my emb"]) == 0
    assert (studio_home / "models" / "my emb.safetensors").is_file()
