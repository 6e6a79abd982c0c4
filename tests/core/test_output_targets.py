"""Saves replace regular files only; a bad `--out` is one line before any work starts (real CLI, real nodes)."""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core.atomic import OutputPathError, atomic_write_bytes, check_output_file

ROOT = Path(__file__).resolve().parents[2]
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod of a device needs root")


def _device(tmp_path: Path, name: str = "null-device") -> Path:
    """A character device node like /dev/null (1, 3), made in a temp folder."""
    node = tmp_path / name
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return node


@pytest.fixture()
def where(tmp_path) -> Path:
    """An empty folder of its own (the studio home is elsewhere in tmp_path)."""
    folder = tmp_path / "here"
    folder.mkdir()
    return folder


def _intact(node: Path, kind) -> bool:
    st = os.lstat(node)
    return kind(st.st_mode)


def test_atomic_saves_refuse_a_fifo_a_socket_and_a_folder(where):
    tmp_path = where
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    folder = tmp_path / "folder"
    folder.mkdir()
    try:
        for target, kind, word in ((fifo, stat.S_ISFIFO, "FIFO"), (sock_path, stat.S_ISSOCK, "socket"),
                                   (folder, stat.S_ISDIR, "folder")):
            with pytest.raises(OutputPathError, match=word):
                atomic_write_bytes(target, b"png")
            assert _intact(target, kind)
        # A link to a FIFO is refused as well (the link is not replaced either).
        link = tmp_path / "link"
        link.symlink_to(fifo)
        with pytest.raises(OutputPathError, match="FIFO"):
            atomic_write_bytes(link, b"png")
        assert link.is_symlink()
    finally:
        sock.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link", "pipe", "sock"]  # no temp files left
    regular = tmp_path / "a.png"
    regular.write_bytes(b"old")
    atomic_write_bytes(regular, b"new")
    assert regular.read_bytes() == b"new"


@as_root
def test_atomic_save_never_replaces_a_device_node(tmp_path):
    node = _device(tmp_path)
    rdev = os.lstat(node).st_rdev
    with pytest.raises(OutputPathError, match="device"):
        atomic_write_bytes(node, b"png")
    assert _intact(node, stat.S_ISCHR) and os.lstat(node).st_rdev == rdev


def test_output_checks_name_the_problem(where):
    tmp_path = where
    (tmp_path / "file.txt").write_text("x")
    cases = {tmp_path / "file.txt" / "x.png": "which is a file", tmp_path / "missing" / "x.png": "does not exist",
             Path("/proc/studio-test.png"): "does not accept new files", tmp_path: "folder"}
    for path, words in cases.items():
        with pytest.raises(OutputPathError, match=words):
            check_output_file(path)
    assert check_output_file(tmp_path / "new.png") == tmp_path / "new.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # the write probe leaves nothing


def _bad_outs(tmp_path: Path) -> dict[str, Path | None]:
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    (tmp_path / "file.txt").write_text("x")
    outs: dict[str, Path | None] = {str(fifo): fifo, str(tmp_path / "file.txt" / "x.png"): None,
                                    str(tmp_path / "missing" / "x.png"): None, "/proc/studio-test.png": None,
                                    str(tmp_path / "missing-folder") + "/": None}
    if os.geteuid() == 0:
        node = _device(tmp_path, "null-device.png")
        outs[str(node)] = node
    return outs


@pytest.mark.parametrize("command", [["generate", "image", "--prompt", "a cat", "--steps", "2"],
                                     ["generate", "faces", "--seed", "1"]])
def test_cli_out_is_checked_before_the_work_starts(command, tmp_path, studio_home, capsys):
    from studio.cli import main

    outs = _bad_outs(tmp_path)
    modes = {p: os.lstat(p).st_mode for p in outs.values() if p is not None}
    for out in outs:
        assert main([*command, "--out", out]) == 1, out
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and captured.out == "", (out, captured)
    for node, mode in modes.items():
        assert os.lstat(node).st_mode == mode
    # Nothing was generated: the check came first.
    assert not (studio_home / "outputs").exists() or not any((studio_home / "outputs").rglob("*.png"))
    assert not (tmp_path / "missing").exists() and not (tmp_path / "missing-folder").exists()


def test_upscale_out_onto_a_fifo_is_refused(tmp_path, capsys):
    from PIL import Image

    from studio.cli import main

    src = tmp_path / "in.png"
    Image.new("RGB", (8, 8), (200, 10, 10)).save(src)
    fifo = tmp_path / "out.png"
    os.mkfifo(fifo)
    assert main(["upscale", str(src), "--out", str(fifo)]) == 1
    assert "FIFO" in capsys.readouterr().err and stat.S_ISFIFO(os.lstat(fifo).st_mode)


@as_root
def test_real_process_out_dev_null_style_node_is_refused_and_intact(tmp_path, studio_home):
    node = _device(tmp_path)
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "generate", "image", "--prompt", "x",
                           "--out", str(node)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"error: {node} is a device; the studio only replaces regular files. Choose a file name."]
    assert stat.S_ISCHR(os.lstat(node).st_mode) and os.lstat(node).st_rdev == os.makedev(1, 3)


@as_root
def test_out_on_a_read_only_file_system_is_one_line(tmp_path, studio_home):
    """A read-only tmpfs in a private mount namespace (gone when the process ends)."""
    import shlex
    import shutil

    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("needs a private mount namespace (unshare -m)")
    ro = tmp_path / "ro"
    ro.mkdir()
    cli = shlex.join([sys.executable, str(ROOT / "main.py"), "generate", "image", "--prompt", "x",
                      "--out", str(ro / "x.png")])
    script = f"mount -t tmpfs -o ro,size=1m tmpfs {shlex.quote(str(ro))} || exit 77; exec {cli}"
    env = dict(os.environ, AIGC_STUDIO_HOME=str(studio_home), OMP_NUM_THREADS="1")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    if proc.returncode == 77:
        pytest.skip("cannot mount here")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"error: Cannot write into {ro}: Read-only file system."]
    assert not any((studio_home / "outputs").rglob("*.png")) if (studio_home / "outputs").exists() else True
