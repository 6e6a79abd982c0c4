"""Model-file job specs: downloads and conversions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from studio.core.specs.checks import check_finite

from studio.core.errors import SpecError
from studio.core.i18n import _
from studio.core.specs.base import Spec


@dataclass(frozen=True)
class DownloadSpec(Spec):
    """Fetch a model from a Hugging Face repo id (or a direct URL) into the library.

    Two steps, both jobs: ``check_only`` asks the hub what would be downloaded (files, sizes, the
    exact commit) and downloads nothing; the download then names that commit and the files and
    bytes the user agreed to, so the engine refuses if the repo answers with anything else.
    """

    kind: ClassVar[str] = "download"
    source: str = ""
    """org/name on the hub, or an http(s):// URL of one file."""
    revision: str = ""
    """Branch, tag or commit the user asked for ('' = main)."""
    include: tuple[str, ...] = ()
    """Only files matching one of these globs (all when empty)."""
    check_only: bool = False
    commit: str = ""
    """The commit the check resolved (pins the download to what the user saw)."""
    expect_files: tuple[str, ...] = ()
    expect_bytes: int = 0

    def validate(self) -> list[str]:
        check_finite(self)
        src = self.source.strip()
        if not src:
            raise SpecError(_("Enter a Hugging Face repo id (org/name) or an https:// URL."))
        if not src.startswith(("http://", "https://")) and (src.count("/") != 1 or " " in src
                                                            or src.startswith("/") or src.endswith("/")):
            raise SpecError(_("{src!r} is not a repo id: write it as org/name (or give an https:// URL).").format(
                src=src))
        if not self.check_only and not self.expect_files:
            raise SpecError(_("Check the repo first: the download needs the list of files you agreed to."))
        return []

    def title(self) -> str:
        if self.check_only:
            return _("Check {source}").format(source=self.source)
        return _("Download {source} ({n} files, {mb} MB)").format(
            source=self.source, n=len(self.expect_files), mb=f"{self.expect_bytes / 2**20:.1f}")


@dataclass(frozen=True)
class ConvertSpec(Spec):
    """Convert a pickle checkpoint (file or folder of ``.bin``) to safetensors, beside it (safely unpickled)."""

    kind: ClassVar[str] = "convert"
    path: str = ""
    named: bool = False
    """The person running ``models convert PATH`` named this path: it may lie outside the model folders
    (a job from the window or the queue converts only a model the studio lists)."""

    def validate(self) -> list[str]:
        if not self.path.strip():
            raise SpecError(_("Choose the model to convert."))
        return []

    def title(self) -> str:
        return _("Convert {file} to safetensors").format(file=self.path.rstrip('/').rsplit('/', 1)[-1])


@dataclass(frozen=True)
class ExportSpec(Spec):
    """Write an SD 1.x/2.x diffusers folder as one original-format ``.safetensors`` checkpoint
    (``models export``); an existing ``out`` file is never replaced."""

    kind: ClassVar[str] = "export_single_file"
    folder: str = ""
    out: str = ""

    def validate(self) -> list[str]:
        if not self.folder.strip():
            raise SpecError(_("Choose the model to export."))
        if not self.out.strip():
            raise SpecError(_("Choose the file to write."))
        return []

    def title(self) -> str:
        return _("Export {name} as one file").format(name=self.folder.rstrip('/').rsplit('/', 1)[-1])
