"""The "download" job: the model manager's Check and Download steps, run through the job pool.

A thin wrapper over :mod:`studio.engines.downloads` (which plans, streams, resumes and verifies):
the check returns the plan in ``DownloadResult.plan`` and downloads nothing; the download
re-plans at the commit the check resolved and refuses unless the files and total size are
exactly what the user agreed to. Progress is reported in KiB: Qt signals carry 32-bit ints, and
byte counts of multi-GB models would overflow them.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from studio.core.i18n import _
from studio.core.progress import CancelToken, Reporter, format_bytes
from studio.core.settings import Settings, load_settings
from studio.core.results import DownloadPlanInfo, DownloadResult, PlannedFile, VerifiedFile
from studio.core.specs.files import DownloadSpec
from studio.engines.context import EngineContext
from studio.engines.downloads import (
    DownloadError,
    DownloadPlan,
    plan_download,
    run_download,
)

PROGRESS_UNIT = 1024
"""Progress values of download jobs are KiB (the dialog multiplies back)."""


class _KiBReporter:
    """Forwards everything to ``inner``, with byte progress scaled to KiB."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner

    def progress(self, done: int, total: int, message: str = "") -> None:
        # rounded up, so the last call is exactly done == total (the reporter always sends that one)
        self.inner.progress(-(-done // PROGRESS_UNIT), max(1, -(-total // PROGRESS_UNIT)), message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def current_settings(ctx: EngineContext) -> Settings:
    """The saved settings decide: the user may have switched offline mode since the engines started."""
    f = ctx.paths.settings_file
    return load_settings(f) if f.exists() else ctx.settings


def run(spec: DownloadSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> DownloadResult:
    """Check (plan only) or download ``spec.source`` into the models folder, verified."""
    settings = current_settings(ctx)
    include = [p for p in spec.include if p.strip()]
    source = spec.source.strip()
    if spec.check_only:
        plan = plan_download(source, settings, spec.revision or None, include)
        return DownloadResult(plan=plan_info(plan))
    cancel.raise_if_cancelled()
    plan = plan_download(source, settings, spec.commit or spec.revision or None, include)
    names = sorted(f.name for f in plan.files)
    if names != sorted(spec.expect_files) or plan.total_size != spec.expect_bytes:
        raise DownloadError(_("{source} changed since you checked it (now {count} files, {size}); check it again "
                              "before downloading.").format(
            source=source, count=len(names), size=format_bytes(plan.total_size)))
    if plan.revision:  # record the revision the user asked for, not the pinned commit we passed
        plan = dataclasses.replace(plan, requested_revision=spec.revision or "main")
    dest = run_download(plan, ctx.paths, settings, _KiBReporter(reporter), cancel)
    return DownloadResult(path=str(dest), source=source, revision=plan.revision,
                          requested_revision=plan.requested_revision, verified=_verification(plan, dest, ctx))


def plan_info(plan: DownloadPlan) -> DownloadPlanInfo:
    """What the user is shown and agrees to (the plan's files, sizes and hashes, the exact commit)."""
    files = tuple(PlannedFile(name=f.name, size=f.size, sha256=f.sha256, git_sha1=f.git_sha1) for f in plan.files)
    return DownloadPlanInfo(repo_id=plan.repo_id, revision=plan.revision, requested_revision=plan.requested_revision,
                            files=files, total_size=plan.total_size)


def _verification(plan: DownloadPlan, dest: Path, ctx: EngineContext) -> tuple[VerifiedFile, ...]:
    """Per file: how it was checked and its SHA-256 (from the hash cache run_download filled)."""
    from studio.core.models.hashing import HashCache

    cache = HashCache.for_paths(ctx.paths)
    folder = dest if dest.is_dir() else dest.parent
    out = []
    for f in plan.files:
        path = folder / f.name
        method = "sha256" if f.sha256 else "git_blob" if f.git_sha1 else "none"
        out.append(VerifiedFile(name=f.name, size=f.size, method=method, expected=f.sha256 or f.git_sha1 or "",
                                sha256=cache.lookup(path) if path.is_file() else None))
    return tuple(out)
