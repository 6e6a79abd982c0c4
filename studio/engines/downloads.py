"""Downloads from a Hugging Face repo (or a direct URL), only with consent, verified, resumable.

Two steps so the user decides with the facts: ``plan_download`` asks the hub what would be
fetched (files, total size, the exact commit), the caller shows it and asks; ``run_download``
then streams each file into ``paths.cache/downloads`` (``.part`` files are resumed with HTTP
Range requests), checks its SHA-256 against the hub's LFS hash (or the git blob id for small
files: huggingface_hub does not verify by default), and moves it into the models folder. The
repo, the requested revision and the commit actually downloaded are recorded beside the files.
With offline mode on (the default) nothing here opens a connection.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlparse

from studio.core import netguard
from studio.core.atomic import atomic_write_text, refuse_non_regular
from studio.core.errors import JobCancelled, StudioError
from studio.core.i18n import N_, _
from studio.core.models.swap import free_name
from studio.core.names import UnsafeFileName, check_model_name, check_relative_file_name, path_inside
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, NullReporter, Reporter, format_bytes
from studio.core.settings import Settings

log = logging.getLogger(__name__)

CHUNK = 1 << 20
SOURCE_FILE = ".studio_source.json"
OFFLINE_MESSAGE = N_("Offline mode is on, so the studio opens no network connection and downloads are disabled. "
                     "Turn it off in Settings (Offline mode), or set \"offline\": false in settings.json, "
                     "or pass --online to this one command.")
"""Translated where it is shown: ``_(OFFLINE_MESSAGE)``."""


class DownloadError(StudioError):
    """A download that could not be planned, completed or verified."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int | None
    sha256: str | None = None
    """The hub's LFS SHA-256 (large files)."""
    git_sha1: str | None = None
    """The git blob id (small, non-LFS files): SHA-1 of 'blob <size>\\0' + content."""
    url: str = ""


@dataclass(frozen=True)
class DownloadPlan:
    repo_id: str
    revision: str
    """The exact commit that will be downloaded (resolved before consent)."""
    requested_revision: str
    files: tuple[RemoteFile, ...]
    endpoint: str = ""
    target_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_size(self) -> int:
        return sum(f.size or 0 for f in self.files)

    def describe(self) -> str:
        """What will be downloaded, for the consent question."""
        lines = [_("{repo} @ {revision}: {count} file(s), {size} in total").format(
            repo=self.repo_id, revision=self.revision[:12] or self.requested_revision, count=len(self.files),
            size=format_bytes(self.total_size))]
        lines += [f"  {f.name}  {format_bytes(f.size) if f.size is not None else _('size unknown')}" for f in self.files]
        return "\n".join(lines)


_COMMIT = re.compile(r"[0-9a-f]{7,64}")


def _checked_names(names: Sequence[str], source: str) -> None:
    """Refuse the whole plan when one listed name would leave its folder (nothing is written yet)."""
    for name in names:
        try:
            check_relative_file_name(name)
        except UnsafeFileName as exc:
            raise DownloadError(_("{source} lists a file the studio will not write: {problem} Nothing was "
                                  "downloaded.").format(source=source, problem=exc)) from exc


def _staging_name(plan: "DownloadPlan") -> str:
    """The staging folder's name: the target and the commit (hashed when it is not a plain commit id)."""
    rev = plan.revision
    tag = rev[:12] if _COMMIT.fullmatch(rev) else (hashlib.sha256(rev.encode()).hexdigest()[:12] if rev else "url")
    return f"{plan.target_name}--{tag}"


def _check_online(settings: Settings) -> None:
    if settings.offline:
        raise DownloadError(_(OFFLINE_MESSAGE))


def _endpoint() -> str:
    from huggingface_hub import constants

    # read at call time: huggingface_hub freezes HF_ENDPOINT when it is imported
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def plan_download(repo_id: str, settings: Settings, revision: str | None = None,
                  include: Sequence[str] = ()) -> DownloadPlan:
    """Ask the hub which files ``repo_id`` has at ``revision`` (filtered by ``include`` globs) and their sizes."""
    _check_online(settings)
    # The user asked for this repo: its connections pass the network guard (each is recorded).
    with netguard.allowing(_("download check of {repo}").format(repo=repo_id[:120])):
        return _plan_download(repo_id, revision, include)


def _plan_download(repo_id: str, revision: str | None, include: Sequence[str]) -> DownloadPlan:
    if repo_id.startswith(("http://", "https://")):
        return _plan_url(repo_id)
    import httpx2
    from huggingface_hub import HfApi, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    target_name = _target_name(repo_id)  # a repo id that could name a path is refused before any request
    endpoint = _endpoint()
    try:
        info = HfApi(endpoint=endpoint).model_info(repo_id, revision=revision, files_metadata=True)
    except OfflineModeIsEnabled as exc:
        raise DownloadError(_("HF_HUB_OFFLINE is set in the environment; unset it to download.")) from exc
    except HfHubHTTPError as exc:
        code = getattr(getattr(exc, "response", None), "status_code", None)
        if code in (401, 403, 404):
            raise DownloadError(_("{repo_id} was not found on the hub (or it is private/gated): HTTP {code}.").format(
                repo_id=repo_id, code=code)) from exc
        raise DownloadError(_("The hub refused the request for {repo_id}: {error}").format(
            repo_id=repo_id, error=str(exc).splitlines()[0])) from exc
    except (OSError, ValueError, httpx2.HTTPError) as exc:
        raise DownloadError(_("Cannot reach the hub at {endpoint}: {error}").format(
            endpoint=endpoint, error=exc or type(exc).__name__)) from exc
    if info.sha is not None and not (isinstance(info.sha, str) and _COMMIT.fullmatch(info.sha)):
        raise DownloadError(_("The hub answered with an invalid commit id for {repo}; nothing was downloaded.").format(
            repo=repo_id))
    commit = info.sha or revision or "main"
    _checked_names([s.rfilename for s in info.siblings or []], repo_id)
    files = []
    for s in info.siblings or []:
        if include and not any(fnmatch.fnmatch(s.rfilename, pat) for pat in include):
            continue
        lfs = s.lfs
        files.append(RemoteFile(name=s.rfilename, size=s.size if s.size is not None else (lfs.size if lfs else None),
                                sha256=lfs.sha256 if lfs else None, git_sha1=None if lfs else s.blob_id,
                                url=hf_hub_url(repo_id, s.rfilename, revision=commit, endpoint=endpoint)))
    if not files:
        raise DownloadError(_("No file of {repo} matches {patterns}.").format(repo=repo_id, patterns=", ".join(include))
                            if include else _("{repo} has no files.").format(repo=repo_id))
    return DownloadPlan(repo_id=repo_id, revision=commit, requested_revision=revision or "main",
                        files=tuple(files), endpoint=endpoint, target_name=target_name)


def _target_name(repo_id: str) -> str:
    """``org--name``: the models folder entry a repo goes to (checked like any model name)."""
    try:
        if repo_id.count("/") != 1 or not all(repo_id.split("/")):
            raise DownloadError(repo_id)
        return check_model_name(repo_id.replace("/", "--"))
    except StudioError as exc:
        raise DownloadError(_("{repo!r} is not a repo id: write it as org/name.").format(repo=repo_id)) from exc


def _plan_url(url: str) -> DownloadPlan:
    import httpx2
    from huggingface_hub import get_session

    name = Path(urlparse(url).path).name or "download"
    _checked_names([name], url)
    try:
        r = get_session().head(url, follow_redirects=True, timeout=30)
        size = int(r.headers["content-length"]) if r.status_code < 400 and "content-length" in r.headers else None
    except (OSError, ValueError, httpx2.HTTPError) as exc:
        raise DownloadError(_("Cannot reach {url}: {error}").format(
            url=url, error=exc or type(exc).__name__)) from exc
    return DownloadPlan(repo_id=url, revision="", requested_revision="", endpoint="",
                        files=(RemoteFile(name=name, size=size, url=url),), target_name="downloads")


def _git_blob_sha1(path: Path) -> str:
    h = hashlib.sha1()
    h.update(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _fetch(f: RemoteFile, part: Path, reporter: Reporter, cancel: CancelToken, done_before: int, total: int,
           hub: bool) -> str:
    """Stream ``f`` into ``part`` (resuming it), return its SHA-256."""
    import httpx2
    from huggingface_hub import get_session
    from huggingface_hub.utils import build_hf_headers

    h = hashlib.sha256()
    have = part.stat().st_size if part.exists() else 0
    if have:
        with part.open("rb") as fh:  # the hash covers the resumed prefix too
            for block in iter(lambda: fh.read(CHUNK), b""):
                h.update(block)
    if f.size is not None and have > f.size:
        part.unlink()
        have, h = 0, hashlib.sha256()
    headers = dict(build_hf_headers()) if hub else {}  # never send a hub token to another server
    if have:
        headers["Range"] = f"bytes={have}-"
    last = 0.0
    try:
        with get_session().stream("GET", f.url, headers=headers, follow_redirects=True, timeout=60) as r:
            if r.status_code == 416 and f.size == have:
                return h.hexdigest()
            if r.status_code >= 400:
                raise DownloadError(_("{file}: the server answered HTTP {status_code}.").format(
                    file=f.name, status_code=r.status_code))
            if have and r.status_code != 206:  # the server ignored Range: start over
                have, h = 0, hashlib.sha256()
            with part.open("ab" if have else "wb") as out:
                done = have
                for block in r.iter_bytes(CHUNK):
                    out.write(block)
                    h.update(block)
                    done += len(block)
                    now = time.monotonic()
                    if now - last > 0.1:
                        last = now
                        reporter.progress(done_before + done, total, f"{f.name}")
                    if cancel.cancelled:
                        raise JobCancelled()
    except StudioError:
        raise
    except (OSError, ValueError, httpx2.HTTPError) as exc:
        raise DownloadError(_("{file}: the connection failed ({error}); run the download again to resume.").format(
            file=f.name, error=exc or type(exc).__name__)) from exc
    return h.hexdigest()


def run_download(plan: DownloadPlan, paths: StudioPaths, settings: Settings, reporter: Reporter | None = None,
                 cancel: CancelToken | None = None) -> Path:
    """Download every file of ``plan`` (after consent), verify, move into the models folder; the folder (or file)."""
    _check_online(settings)
    with netguard.allowing(_("consented download of {repo}").format(repo=plan.repo_id[:120])):
        return _run_download(plan, paths, settings, reporter, cancel)


def _run_download(plan: DownloadPlan, paths: StudioPaths, settings: Settings, reporter: Reporter | None,
                  cancel: CancelToken | None) -> Path:
    reporter = reporter or NullReporter()
    cancel = cancel or CancelToken()
    staging = paths.cache / "downloads" / _staging_name(plan)
    dest = paths.models / check_model_name(plan.target_name)
    # Every name is checked before the first byte is written (a plan may come from anywhere).
    _checked_names([f.name for f in plan.files], plan.repo_id)
    try:
        places = {f.name: (path_inside(dest, f.name), path_inside(staging, f.name + ".part")) for f in plan.files}
    except UnsafeFileName as exc:
        raise DownloadError(_("{source}: {problem} Nothing was downloaded.").format(
            source=plan.repo_id, problem=exc)) from exc
    if plan.revision:
        _check_repo_folder(dest, plan.repo_id)
    total, done = plan.total_size, 0
    hashes: dict[str, str] = {}
    written: list[Path] = []
    for f in plan.files:
        final, part = places[f.name]
        if not plan.revision and (final.exists() or final.is_symlink()):
            final = free_name(final)  # a URL download never replaces a file already in models/downloads
        refuse_non_regular(final)
        if final.exists() and f.size is not None and final.stat().st_size == f.size and f.sha256:
            from studio.core.models.hashing import HashCache

            if HashCache.for_paths(paths).file_hash(final) == f.sha256:  # already there and intact
                hashes[f.name] = f.sha256
                done += f.size
                continue
        part.parent.mkdir(parents=True, exist_ok=True)
        sha = _fetch(f, part, reporter, cancel, done, total, hub=bool(plan.revision))
        size = part.stat().st_size
        bad = ""
        if f.size is not None and size != f.size:
            bad = _("{size} bytes arrived instead of {expected}").format(size=size, expected=f.size)
        elif f.sha256 and sha != f.sha256:
            bad = _("SHA-256 {got}… does not match the hub's {expected}…").format(got=sha[:12], expected=f.sha256[:12])
        elif f.git_sha1 and _git_blob_sha1(part) != f.git_sha1:
            bad = _("its git blob id does not match the hub's")
        if bad:
            part.unlink(missing_ok=True)
            raise DownloadError(_("{file} is corrupt ({bad}); the bad file was removed. Try again.").format(
                file=f.name, bad=bad))
        final.parent.mkdir(parents=True, exist_ok=True)
        if plan.revision and not written:
            _write_record(dest, plan, {})  # from its first file on, the folder says which repo it holds
        os.replace(part, final)
        written.append(final)
        hashes[f.name] = sha
        done += size
        reporter.progress(done, total, f.name)
    if plan.revision:
        _write_record(dest, plan, hashes)
    _record_hashes(paths, dest, hashes)
    return dest if len(plan.files) > 1 or plan.revision else (written[0] if written else dest / plan.files[0].name)


def _write_record(dest: Path, plan: DownloadPlan, hashes: dict[str, str]) -> None:
    record = {"repo_id": plan.repo_id, "requested_revision": plan.requested_revision, "revision": plan.revision,
              "endpoint": plan.endpoint, "files": hashes, "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    dest.mkdir(parents=True, exist_ok=True)
    atomic_write_text(dest / SOURCE_FILE, json.dumps(record, indent=2))


def _check_repo_folder(dest: Path, repo_id: str) -> None:
    """A repo downloads into its own folder only: one the user made (or another repo's) is never written into."""
    if not (dest.exists() or dest.is_symlink()):
        return
    record = dest / SOURCE_FILE
    ours = False
    if dest.is_dir() and not dest.is_symlink():
        if not any(dest.iterdir()):
            return
        try:
            ours = json.loads(record.read_text(encoding="utf-8")).get("repo_id") == repo_id
        except (OSError, ValueError, AttributeError):
            ours = False
    if not ours:
        raise DownloadError(_("{folder} already holds a model that was not downloaded from {repo}; it is never "
                              "replaced. Rename or move it, then download again.").format(folder=dest, repo=repo_id))


def _record_hashes(paths: StudioPaths, dest: Path, hashes: dict[str, str]) -> None:
    """The verified hashes go into the hash cache so the manager never re-hashes these files."""
    from studio.core.models.hashing import HashCache

    cache = HashCache.for_paths(paths)
    for name, sha in hashes.items():
        p = dest / name
        if p.is_file():
            st = p.stat()
            cache.store(p, sha, st.st_size, st.st_mtime_ns)

