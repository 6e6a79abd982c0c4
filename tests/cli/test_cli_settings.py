"""`main.py settings`: the same file and the same checks as the Settings dialog; a set value takes effect."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=dict(os.environ), cwd=ROOT, timeout=120)


def test_set_show_and_reset(paths, tmp_path):
    assert run("settings", "set", "device", "cpu").returncode == 0
    assert run("settings", "set", "memory_budget_gb", "2.5").returncode == 0
    assert run("settings", "set", "model_dirs", str(tmp_path)).returncode == 0
    shown = json.loads(run("settings", "show", "--json").stdout)
    assert shown["device"] == "cpu" and shown["memory_budget_gb"] == 2.5 and shown["model_dirs"] == [str(tmp_path)]
    assert run("settings", "reset", "device").returncode == 0
    assert json.loads(paths.settings_file.read_text())["device"] == "auto"


def test_bad_names_and_values_get_one_line_and_change_nothing(paths):
    run("settings", "set", "theme", "dark")
    before = paths.settings_file.read_bytes()
    for args, words in ((("device", "tpu"), "Unknown device"), (("featurs", "1"), "valid: offline"),
                        (("memory_budget_gb", "lots"), "expected a number"), (("output_dir", "rel"), "full path"),
                        (("offline", "maybe"), "on or off"), (("model_dirs", "/no/such"), "does not exist")):
        proc = run("settings", "set", *args)
        assert proc.returncode == 1 and words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert paths.settings_file.read_bytes() == before


def test_the_output_folder_takes_effect(paths, tmp_path):
    target = tmp_path / "my-images"
    assert run("settings", "set", "output_dir", str(target)).returncode == 0
    proc = run("generate", "faces", "--seed", "2", "--count", "1")
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.strip().splitlines()[-1]
    assert written.startswith(str(target)) and Path(written).is_file()
    assert not list(paths.outputs.rglob("*.png"))
