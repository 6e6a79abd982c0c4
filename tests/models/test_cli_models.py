"""`python main.py models ...` end to end (in-process, through studio.cli.main)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

from studio.cli import main
from tests.models.conftest import sd_checkpoint_shapes, write_gguf, write_malicious, write_st

ROOT = Path(__file__).resolve().parents[2]


def test_list_json_info_hash(paths, tmp_path, capsys):
    write_st(paths.models / "dream.safetensors", sd_checkpoint_shapes("sdxl"), metadata={"modelspec.license": "openrail++"})
    write_gguf(paths.models / "chat.gguf")
    (paths.models / "readme.txt").write_text("not a model")
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["dream"]["type"] == "sd_single_file" and rows["dream"]["family"] == "sdxl" and rows["dream"]["task"] == "image"
    assert rows["chat"]["type"] == "gguf" and rows["readme"]["status"] == "unknown"
    assert "Faces (DCGAN)" in rows  # built-ins are listed too
    assert main(["models", "hash", "dream"]) == 0
    line = capsys.readouterr().out.strip()
    sha = line.split()[0]
    assert len(sha) == 64 and f"AutoV2 {sha[:10]}" in line
    assert main(["models", "info", "dream"]) == 0
    info = capsys.readouterr().out
    assert "Checkpoint (single file)" in info and "SDXL (sdxl)" in info and sha in info and "openrail++" in info
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert "[unknown] not a model file (.txt)" in listed
    # The family as people name it (the capability table's label), not its key; --json keeps the key.
    dream = next(line for line in listed.splitlines() if line.startswith("dream "))
    assert dream.split()[1:5] == ["Checkpoint", "(single", "file)", "SDXL"] and dream.endswith("(my models)")


def test_import_copy_move_link(paths, tmp_path, capsys):
    src = write_st(tmp_path / "outside" / "emb.safetensors", {"emb_params": (1, 1024)})
    assert main(["models", "import", str(src)]) == 0
    assert "Embedding SD 2.x" in capsys.readouterr().out and src.exists() and (paths.models / "emb.safetensors").is_file()
    assert main(["models", "import", str(src), "--link", "--name", "emb-link"]) == 0
    assert (paths.models / "emb-link.safetensors").is_symlink()
    assert main(["models", "import", str(src), "--move"]) == 0
    assert not src.exists() and (paths.models / "emb-2.safetensors").is_file()


def test_a_failed_folder_import_leaves_nothing_in_the_library(paths, tmp_path, monkeypatch, capsys):
    import errno
    import shutil

    folder = tmp_path / "outside" / "pipe"
    write_st(folder / "unet" / "a.safetensors", {"w": (2, 2)})
    write_st(folder / "vae" / "b.safetensors", {"w": (2, 2)})
    real_copytree = shutil.copytree

    def disk_full_after_one_folder(src, dst, **kw):
        real_copytree(Path(src) / "unet", Path(dst) / "unet", **kw)  # half the model is written...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(shutil, "copytree", disk_full_after_one_folder)
    assert main(["models", "import", str(folder)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert list(paths.models.iterdir()) == []  # no half model listed, no hidden leftover
    monkeypatch.setattr(shutil, "copytree", real_copytree)
    assert main(["models", "import", str(folder)]) == 0
    assert sorted(p.name for p in paths.models.iterdir()) == ["pipe"]
    assert (paths.models / "pipe" / "vae" / "b.safetensors").is_file()


def test_import_refuses_malicious_pickle_and_convert_makes_safetensors(paths, tmp_path, capsys):
    marker = tmp_path / "PWNED"
    evil = write_malicious(tmp_path / "evil.ckpt", marker)
    assert main(["models", "import", str(evil)]) == 1
    assert "DANGEROUS" in capsys.readouterr().err and not (paths.models / "evil.ckpt").exists()
    torch.save({"emb_params": torch.zeros(2, 768)}, paths.models / "style.pt")
    assert main(["models", "convert", "style"]) == 0
    assert (paths.models / "style.safetensors").is_file()
    assert not marker.exists()


def test_unknown_name_is_one_clear_line(capsys):
    assert main(["models", "info", "nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: No model named 'nope'. `python main.py models list` shows what is installed."]


def test_main_py_models_list_subprocess(paths):
    r = subprocess.run([sys.executable, "main.py", "models", "list"], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "SmolLM2" in r.stdout
