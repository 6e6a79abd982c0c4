#!/usr/bin/env python3
"""Build the Linux bundle of AIGC Studio, prove it works offline, and pack it (``python3 dev.py package``).

Steps: PyInstaller (onedir, ``packaging/aigc_studio.spec``) → desktop entry, icon and install
scripts into the folder → the bundle's own ``self-test`` with networking disabled for that
process → a check that nothing was written inside the install folder → (under Xvfb) open the
window, time the cold start and take a screenshot → ``.tar.gz``. Prints the bundle size and the
times, and writes them to ``build/package/report.json``. Exit code non-zero on any failure.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_config as cfg  # noqa: E402

OUT = cfg.ROOT / "build" / "package"
DIST, WORK = OUT / "dist", OUT / "work"
BUNDLE = DIST / cfg.EXE_NAME
EXE = BUNDLE / cfg.EXE_NAME
SIZE_GOAL = 1.2e9
WINDOW_TIMEOUT_S = 180


def say(msg: str) -> None:
    print(f"[package] {msg}", flush=True)


def run_pyinstaller() -> float:
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", str(cfg.PACKAGING / "aigc_studio.spec"), "--noconfirm",
           "--log-level", "WARN", "--distpath", str(DIST), "--workpath", str(WORK)]
    say(" ".join(cmd[2:]))
    subprocess.run(cmd, cwd=cfg.ROOT, check=True)
    return time.monotonic() - t0


def add_desktop_files() -> None:
    """The menu entry, icon and (un)install scripts go into the folder the user unpacks."""
    linux = cfg.PACKAGING / "linux"
    for name in ("aigc-studio.desktop", "install.sh", "uninstall.sh"):
        shutil.copy2(linux / name, BUNDLE / name)
    shutil.copy2(cfg.ICON_PNG, BUNDLE / "aigc-studio.png")
    # Installed system-wide (e.g. unpacked by root into /opt), every user must be able to read every file:
    # some sources are private to their owner (0600), and copies keep that mode.
    for path in [BUNDLE, *BUNDLE.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file: compared before and after running the app."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def written_inside(folder: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Files added, changed or removed in ``folder`` since ``before`` was taken."""
    after = snapshot(folder)
    return sorted(k for k, v in after.items() if before.get(k) != v) + sorted(set(before) - set(after))


def app_env(home: Path) -> dict[str, str]:
    """A fresh studio home, and the runtime hook's network block on."""
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), PYTHONDONTWRITEBYTECODE="1")
    env[cfg.BLOCK_NETWORK_ENV] = "1"
    env.pop("PYTHONPATH", None)
    return env


def no_network_prefix() -> list[str]:
    """``unshare -n`` (a process without any network) where we may make one; the env block always applies."""
    if shutil.which("unshare") and hasattr(os, "geteuid") and os.geteuid() == 0:
        if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
            return ["unshare", "-n", "--"]
    return []


def run_selftest(home: Path) -> tuple[bool, float]:
    prefix = no_network_prefix()
    how = "network namespace + socket block" if prefix else "socket block (no network namespace available)"
    say(f"self-test of the bundle, offline ({how})")
    t0 = time.monotonic()
    proc = subprocess.run([*prefix, str(EXE), "self-test"], env=app_env(home), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print(proc.stdout, flush=True)
    if "network blocked" in proc.stdout:
        say("warning: the app tried to open a network connection (see 'network blocked' lines above)")
    return proc.returncode == 0, time.monotonic() - t0


def time_version() -> float:
    t0 = time.monotonic()
    subprocess.run([str(EXE), "--version"], check=True, capture_output=True)
    return time.monotonic() - t0


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{number}"


def find_window(display: str) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "AIGC Studio"],
                           env=dict(os.environ, DISPLAY=display), capture_output=True, text=True)
    return found.returncode == 0 and bool(found.stdout.strip())


def _stop(app: subprocess.Popen) -> None:
    if app.poll() is None:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()


def screenshot_gui(home: Path, display: str, shot: Path) -> float | None:
    """Open the bundled app as a user does; seconds until its window is visible, and a screenshot."""
    log = home / "gui-output.txt"
    env = dict(app_env(home), DISPLAY=display, QT_QPA_PLATFORM="xcb")
    with open(log, "w") as out:
        t0 = time.monotonic()
        app = subprocess.Popen([str(EXE)], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        shown = None
        try:
            while time.monotonic() - t0 < WINDOW_TIMEOUT_S and app.poll() is None:
                if find_window(display):
                    shown = time.monotonic() - t0
                    break
                time.sleep(0.1)
            if shown is not None:
                time.sleep(4.0)  # let it paint and settle before the screenshot
                subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True)
        finally:
            _stop(app)
    output = log.read_text(errors="replace")
    if shown is None:
        say(f"the window did not show within {WINDOW_TIMEOUT_S} s; app output:\n{output[-3000:]}")
    if "network blocked" in output:
        say("warning: the window tried to open a network connection:\n"
            + "\n".join(line for line in output.splitlines() if "network blocked" in line))
    return shown


def probe_startup(home: Path, display: str) -> dict[str, float]:
    """Second launch with the app's start-up probe: seconds to the first paint and to the engine being ready."""
    env = dict(app_env(home), DISPLAY=display, QT_QPA_PLATFORM="xcb", AIGC_STUDIO_STARTUP_PROBE="1")
    t0 = time.time()
    app = subprocess.Popen([str(EXE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        out, _ = app.communicate(timeout=WINDOW_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _stop(app)
        out = ""
    times = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "STARTUP":
            times[parts[1]] = round(float(parts[2]) - t0, 2)
    return times


def check_gui(home: Path, report: dict[str, object]) -> bool:
    xvfb, display = start_xvfb()
    try:
        shot = OUT / "screenshot.png"
        shown = screenshot_gui(home, display, shot)
        report["window_shown_s"] = None if shown is None else round(shown, 2)
        if shown is None:
            return False
        say(f"screenshot: {shot}")
        probe = probe_startup(home, display)
        report["probe_window_shown_s"] = probe.get("window_shown")
        report["probe_engine_ready_s"] = probe.get("engine_ready")
        return True
    finally:
        xvfb.terminate()
        xvfb.wait()


def make_archive() -> tuple[Path, float]:
    name = f"{cfg.EXE_NAME}-{cfg.app_version()}-linux-{os.uname().machine}"
    archive = OUT / f"{name}.tar.gz"
    t0 = time.monotonic()
    compressor = "pigz" if shutil.which("pigz") else "gzip"
    subprocess.run(["tar", "-I", compressor, "-cf", str(archive), "-C", str(DIST),
                    f"--transform=flags=rh;s,^{cfg.EXE_NAME},{name},", cfg.EXE_NAME], check=True)
    return archive, time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip-build", action="store_true", help="reuse the bundle already in build/package/dist")
    ap.add_argument("--no-gui", action="store_true", help="skip the window/screenshot check")
    ap.add_argument("--no-archive", action="store_true", help="skip the .tar.gz")
    args = ap.parse_args(argv)
    if not sys.platform.startswith("linux"):
        say("this script builds the Linux bundle; see packaging/README.md for Windows and macOS")
        return 2
    report: dict[str, object] = {"version": cfg.app_version()}
    failures: list[str] = []
    if not args.skip_build:
        report["build_s"] = round(run_pyinstaller(), 1)
        add_desktop_files()
    if not EXE.is_file():
        say(f"no bundle at {BUNDLE}")
        return 1
    dangling = sorted(str(p.relative_to(BUNDLE)) for p in BUNDLE.rglob("*") if p.is_symlink() and not p.exists())
    if dangling:
        failures.append(f"links to files left out of the bundle: {', '.join(dangling[:10])}")
    size = folder_size(BUNDLE)
    report["bundle_bytes"] = size
    before = snapshot(BUNDLE)
    with tempfile.TemporaryDirectory(prefix="aigc-package-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        report["version_cmd_s"] = round(time_version(), 2)
        ok, secs = run_selftest(home)
        report["selftest_s"], report["selftest_ok"] = round(secs, 1), ok
        if not ok:
            failures.append("the bundle's self-test failed")
        if args.no_gui:
            pass
        elif not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("import")):
            say("skipping the window check: Xvfb, xdotool or ImageMagick's import is not installed")
        elif not check_gui(home, report):
            failures.append("the bundled app's window did not open")
    changed = written_inside(BUNDLE, before)
    if changed:
        failures.append(f"the app wrote inside its install folder: {', '.join(changed[:10])}")
    if not args.no_archive and not failures:
        archive, secs = make_archive()
        report["archive"], report["archive_bytes"], report["archive_s"] = str(archive), archive.stat().st_size, round(secs, 1)
        say(f"archive: {archive} ({archive.stat().st_size / 1e6:.0f} MB, {secs:.0f} s)")
    (OUT / "report.json").write_text(json.dumps(report, indent=2))
    say(f"bundle: {BUNDLE} = {size / 1e6:.0f} MB (goal <= {SIZE_GOAL / 1e6:.0f} MB)"
        + ("" if size <= SIZE_GOAL else "  ** over the goal **"))
    for key, label in (("build_s", "build"), ("version_cmd_s", "`--version`"), ("selftest_s", "self-test"),
                       ("window_shown_s", "first launch to visible window"),
                       ("probe_window_shown_s", "second launch to first paint"),
                       ("probe_engine_ready_s", "second launch to engine ready (torch loaded)")):
        if report.get(key) is not None:
            say(f"{label}: {report[key]} s")
    for failure in failures:
        say(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
