"""Where the studio reads and writes. Everything written lives under the studio home.

The home is ``$AIGC_STUDIO_HOME`` when set (every test sets a fresh one), else the user's
platform data folder. Bundled, read-only resources (configs, the built-in models) are found
beside the code, or inside a PyInstaller bundle.
"""
from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from studio import APP_ID
from studio.core.errors import StudioError
from studio.core.i18n import _

HOME_ENV = "AIGC_STUDIO_HOME"


def default_home() -> Path:
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def resources_dir() -> Path:
    """The read-only ``resources/`` folder (repo checkout or PyInstaller bundle)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@dataclass(frozen=True)
class StudioPaths:
    """All folders and files under one studio home. Folders are created on first use."""

    root: Path

    @classmethod
    def from_env(cls) -> "StudioPaths":
        return cls(default_home())

    def _dir(self, *parts: str) -> Path:
        p = self.root.joinpath(*parts)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def check_usable(self) -> None:
        """StudioError (one line) when the home cannot hold the studio's files: it is a file, on a
        read-only file system, or not writable. Creates the home when it does not exist yet."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise StudioError(_("The studio home {home} is a file, not a folder: move it away, or set {env} "
                                "to a folder.").format(home=root, env=HOME_ENV))
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / "logs").mkdir(exist_ok=True)
        except OSError as exc:
            raise StudioError(_("The studio home {home} cannot be created: {reason}. Set {env} to a folder "
                                "you can write.").format(home=root, reason=exc.strerror or exc, env=HOME_ENV)) from exc
        if not os.access(root, os.W_OK | os.X_OK):
            raise StudioError(_("The studio home {home} is not writable ({reason}). Set {env} to a folder you "
                                "can write.").format(home=root, reason=os.strerror(errno.EACCES), env=HOME_ENV))

    @property
    def models(self) -> Path:
        """The user's own models folder (imports, trained models, converted weights)."""
        return self._dir("models")

    @property
    def outputs(self) -> Path:
        return self._dir("outputs")

    @property
    def cache(self) -> Path:
        """Derived files that can be rebuilt (converted weights, hash cache)."""
        return self._dir("cache")

    @property
    def logs(self) -> Path:
        return self._dir("logs")

    @property
    def conversations(self) -> Path:
        return self._dir("conversations")

    @property
    def training(self) -> Path:
        return self._dir("training")

    @property
    def datasets(self) -> Path:
        """Datasets the studio made (generated images with captions, for training)."""
        return self._dir("datasets")

    @property
    def queue_db(self) -> Path:
        return self._dir() / "queue.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self._dir() / "settings.json"

    @property
    def content_filter_dir(self) -> Path:
        """The user's editable sensitive-word lists (copied from ``resources/content_filter`` on first use)."""
        return self._dir("content_filter")

    @property
    def wildcards(self) -> Path:
        """The user's wildcard files (``__name__`` in a prompt → ``wildcards/name.txt``)."""
        return self._dir("wildcards")

    @property
    def prompt_history_file(self) -> Path:
        return self._dir() / "prompt_history.json"

    @property
    def log_file(self) -> Path:
        return self.logs / "studio.log"
