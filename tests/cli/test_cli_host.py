"""The CLI's own path: `main.py generate ...` in a real subprocess submitting its job to a real engine host.

(The other CLI tests run jobs in-process: tests/conftest.py sets AIGC_STUDIO_IN_PROCESS=1.)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from studio.core.settings import Settings, save_settings
from studio.core.store.gallery import GalleryStore

ROOT = Path(__file__).resolve().parents[2]
TEST_ENGINES = "image=tests.jobs.engines:run,text=tests.jobs.engines:stream"


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", **extra)
    env.pop("AIGC_STUDIO_IN_PROCESS", None)  # the CLI's real path: an engine host
    return env


def _start(args: list[str], home: Path, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=_env(home, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _quick_host(home: Path) -> None:
    """The test engines need no torch: a host on the CPU without the prewarm starts in a moment."""
    save_settings(home / "settings.json", Settings(device="cpu", engine_prewarm=False))


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)


@pytest.mark.slow
def test_generate_image_runs_in_an_engine_host_same_image_and_history_as_in_process(tiny_sd_dir, studio_home, paths):
    args = ["generate", "image", "--prompt", "a red cat", "--model", str(tiny_sd_dir), "--seed", "3", "--steps", "2",
            "--width", "64", "--height", "64"]
    proc = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "main.py"), *args], cwd=ROOT,
                          env=_env(studio_home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [png] = proc.stdout.split()
    assert Image.open(png).size == (64, 64)
    assert "loading tiny-sd: 100 %" in proc.stderr and "2/2" in proc.stderr  # the host's events on the console
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "import time:" in line}
    assert "studio.cli.submit" in imported and not {"torch", "numpy", "diffusers"} & imported
    [entry] = GalleryStore.open(paths).search("red cat")
    assert entry.path == png and entry.seed == 3 and entry.info["model"] == "tiny-sd"

    # The named in-process path (what every CLI command did before): the same image, the same history row.
    before = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                            env=dict(_env(studio_home), AIGC_STUDIO_IN_PROCESS="1"), timeout=300)
    assert before.returncode == 0, before.stderr
    [fresh] = [e for e in GalleryStore.open(paths).search("red cat") if e.path != png]
    assert fresh.path == before.stdout.strip()
    assert Image.open(fresh.path).tobytes() == Image.open(png).tobytes()
    assert fresh.spec_json == entry.spec_json
    def same(info: dict) -> dict:  # all but where the file went and how long it took
        return {k: v for k, v in info.items() if k != "outputs" and "seconds" not in k}

    assert same(fresh.info) == same(entry.info)


def test_text_streams_through_the_host(studio_home):
    _quick_host(studio_home)
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "generate", "text", "--prompt", "hello",
                           "--max-new-tokens", "3"], cwd=ROOT, env=_env(studio_home, AIGC_STUDIO_ENGINES=TEST_ENGINES),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("t0 t1 t2 ")


def test_ctrl_c_cancels_the_job_in_the_host(studio_home):
    _quick_host(studio_home)
    proc = _start(["generate", "image", "--prompt", "block until cancelled", "--seed", "5",
                   "--steps", "3"], studio_home, AIGC_STUDIO_ENGINES=TEST_ENGINES)
    _wait_for(studio_home / "outputs" / "running-5", proc)
    [host] = _children(proc.pid)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == "" and err.count("cancelled") == 1 and "cancelling" in err and "error" not in err
    assert not list((studio_home / "outputs").rglob("*.png"))
    assert not Path(f"/proc/{host}").exists() or "zombie" in Path(f"/proc/{host}/status").read_text()


def test_a_killed_host_is_one_clear_line(studio_home):
    _quick_host(studio_home)
    proc = _start(["generate", "image", "--prompt", "block forever", "--seed", "6", "--steps", "3"],
                  studio_home, AIGC_STUDIO_ENGINES=TEST_ENGINES)
    _wait_for(studio_home / "outputs" / "running-6", proc)
    [host] = _children(proc.pid)
    os.kill(host, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and out == ""
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert errors == ["error: The engine stopped unexpectedly (signal 9) while running “block forever”; retry the "
                      "job to run it again."], err


def _imports(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if "import time:" in line}


def test_models_convert_and_export_run_in_an_engine_host(studio_home, tiny_sd_dir, tmp_path):
    import torch
    from safetensors import safe_open

    _quick_host(studio_home)
    ckpt = tmp_path / "style.pt"  # outside the model folders: the command line names it
    torch.save({"emb_params": torch.arange(6.0).reshape(2, 3)}, ckpt)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "main.py"), "models", *args], cwd=ROOT,
                              env=_env(studio_home), capture_output=True, text=True, timeout=300)

    r = cli("convert", str(ckpt))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(tmp_path / "style.safetensors")]
    assert "converting style.pt" in r.stderr  # the host's progress on the console
    assert "studio.cli.submit" in _imports(r.stderr) and not {"torch", "safetensors", "numpy"} & _imports(r.stderr)
    with safe_open(str(tmp_path / "style.safetensors"), "pt") as f:
        assert f.get_tensor("emb_params").tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    again = cli("convert", str(ckpt))  # the engine refuses to replace it: its one line comes back
    assert again.returncode == 1 and again.stdout == ""
    assert [line for line in again.stderr.splitlines() if line.startswith("error")] == [
        "error: style.safetensors already exists; remove it first or keep using it."], again.stderr

    out = tmp_path / "tiny.safetensors"
    r = cli("export", str(tiny_sd_dir), str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(out)] and not {"torch", "safetensors"} & _imports(r.stderr)
    with safe_open(str(out), "pt") as f:
        assert any(k.startswith("model.diffusion_model.") for k in f.keys())
    before = out.read_bytes()
    again = cli("export", str(tiny_sd_dir), str(out))
    assert again.returncode == 1 and out.read_bytes() == before
    assert [line for line in again.stderr.splitlines() if line.startswith("error")] == [
        f"error: {out} already exists; remove it first or choose another name."], again.stderr
