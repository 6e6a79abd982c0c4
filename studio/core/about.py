"""What this studio is and what it runs on: for the About dialog, bug reports and the self-test.

Library versions come from installed package metadata (``importlib.metadata``), never by importing
the libraries: this module stays cheap and belongs to the core (no torch, no Qt at import or in use).
The torch device is not known here (asking torch would import it); callers that know it pass it in.
"""
from __future__ import annotations

import platform
import sys
from importlib import metadata

from studio import APP_NAME, __version__
from studio.core.i18n import _
from studio.core.paths import default_home, resources_dir

# Label shown to the user -> distribution names to try, first found wins.
# Qt's version is that of the PySide6 wheels, which are built for the same Qt release.
LIBRARIES: dict[str, tuple[str, ...]] = {
    "torch": ("torch",),
    "diffusers": ("diffusers",),
    "transformers": ("transformers",),
    "Qt (PySide6)": ("PySide6_Essentials", "PySide6"),
}


def package_version(*dist_names: str) -> str:
    """The installed version of the first distribution found, or "not installed"."""
    for name in dist_names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return _("not installed")


def is_bundle() -> bool:
    """True inside a PyInstaller bundle (the installed app), False in a source checkout."""
    return bool(getattr(sys, "frozen", False))


def version_info(device: str | None = None) -> dict[str, str]:
    """Name, version, build, Python, platform, library versions and (when given) the device.

    Keys are the labels to show; values are short strings. Insertion order is display order.
    """
    info = {
        "app": APP_NAME,
        "version": __version__,
        "build": _("installed bundle") if is_bundle() else _("source checkout"),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
    }
    for label, dists in LIBRARIES.items():
        info[label] = package_version(*dists)
    if device:
        info["device"] = device
    info["studio home"] = str(default_home())
    info["resources"] = str(resources_dir())
    return info


def format_version_info(info: dict[str, str]) -> str:
    """The info as aligned "label: value" lines (for a text box, a log or a terminal)."""
    width = max(len(k) for k in info)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in info.items())
