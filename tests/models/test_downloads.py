"""Downloads against a fake hub on 127.0.0.1: consent with the size first, resume, SHA-256 check, offline block."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.core.settings import Settings
from studio.engines.downloads import DownloadError, plan_download, run_download

COMMIT = "c0ffee" + "0" * 34
WEIGHTS = os.urandom(3 * 2**20 + 77)
CONFIG = json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}).encode()


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


class FakeHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = {"model.safetensors": WEIGHTS, "config.json": CONFIG}
        self.cut_after: int | None = None  # drop the connection after this many bytes (once)
        self.corrupt = False
        self.requests: list[tuple[str, str | None]] = []
        self.extra_names: list[str] = []  # more files listed (served with CONFIG's bytes and its true hash)
        self.sha = COMMIT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, *a):
        pass

    def do_GET(self):
        hub = self.server
        path = self.path.split("?")[0]
        hub.requests.append((path, self.headers.get("Range")))
        if path.startswith("/api/models/acme/tiny"):
            siblings = [{"rfilename": "model.safetensors", "size": len(WEIGHTS), "blobId": git_sha1(WEIGHTS),
                         "lfs": {"sha256": hashlib.sha256(WEIGHTS).hexdigest(), "size": len(WEIGHTS), "pointerSize": 134}},
                        {"rfilename": "config.json", "size": len(CONFIG), "blobId": git_sha1(CONFIG)}]
            siblings += [{"rfilename": n, "size": len(CONFIG), "blobId": git_sha1(CONFIG)} for n in hub.extra_names]
            return self._send(200, json.dumps({"id": "acme/tiny", "sha": hub.sha, "siblings": siblings}).encode(),
                              "application/json")
        if path.startswith(f"/acme/tiny/resolve/{COMMIT}/"):
            data = hub.files.get(path.rsplit("/", 1)[1], CONFIG)
            if hub.corrupt:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            start = 0
            rng = self.headers.get("Range")
            if rng:
                start = int(rng.split("=")[1].split("-")[0])
            body = data[start:]
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body)))
            if rng:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if hub.cut_after is not None:
                self.wfile.write(body[:hub.cut_after])
                hub.cut_after = None
                self.wfile.flush()
                self.connection.shutdown(2)  # an interrupted transfer
                return
            self.wfile.write(body)
            return
        self._send(404, b"{}", "application/json")

    def _send(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def hub(monkeypatch):
    from huggingface_hub import constants

    server = FakeHub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # the test suite sets it; the user turned offline off
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # ... also for the engine processes started from now on
    yield server
    server.shutdown()
    server.server_close()


ONLINE = Settings(offline=False)


def test_plan_shows_files_and_total_size_before_anything_is_downloaded(hub, paths):
    plan = plan_download("acme/tiny", ONLINE)
    assert plan.revision == COMMIT and plan.total_size == len(WEIGHTS) + len(CONFIG)
    text = plan.describe()
    assert "model.safetensors" in text and "3.0 MB" in text
    assert not any("/resolve/" in p for p, _ in hub.requests)
    assert not (paths.models / "acme--tiny").exists()


def test_download_verifies_records_revision_and_is_identified(hub, paths):
    from studio.core.models.hashing import HashCache
    from studio.core.models.identify import identify_path

    dest = run_download(plan_download("acme/tiny", ONLINE), paths, ONLINE)
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    record = json.loads((dest / ".studio_source.json").read_text())
    assert record["revision"] == COMMIT and record["repo_id"] == "acme/tiny"
    assert record["files"]["model.safetensors"] == hashlib.sha256(WEIGHTS).hexdigest()
    # the verified hash is in the cache already: the manager will not hash it again
    assert HashCache.for_paths(paths).lookup(dest / "model.safetensors") == hashlib.sha256(WEIGHTS).hexdigest()
    e = identify_path(dest, "user")
    assert e.type == "causal_lm" and (e.details["repo_id"], e.details["revision"]) == ("acme/tiny", COMMIT)


def test_include_filter_and_unknown_repo(hub):
    plan = plan_download("acme/tiny", ONLINE, include=["*.json"])
    assert [f.name for f in plan.files] == ["config.json"]
    with pytest.raises(DownloadError, match="not found"):
        plan_download("acme/missing", ONLINE)


def test_interrupted_download_resumes_where_it_stopped(hub, paths):
    plan = plan_download("acme/tiny", ONLINE, include=["model.safetensors"])
    hub.cut_after = 2**20 + 5
    with pytest.raises(DownloadError, match="resume"):
        run_download(plan, paths, ONLINE)
    parts = list((paths.cache / "downloads").rglob("*.part"))
    kept = parts[0].stat().st_size if parts else 0
    assert 0 < kept <= 2**20 + 5
    dest = run_download(plan, paths, ONLINE)
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    assert hub.requests[-1] == ("/acme/tiny/resolve/" + COMMIT + "/model.safetensors", f"bytes={kept}-")


def test_corrupted_file_is_caught_and_removed(hub, paths):
    hub.corrupt = True
    with pytest.raises(DownloadError, match="corrupt.*SHA-256"):
        run_download(plan_download("acme/tiny", ONLINE, include=["model.safetensors"]), paths, ONLINE)
    assert not (paths.models / "acme--tiny" / "model.safetensors").exists()
    assert not list((paths.cache / "downloads").rglob("*.part"))


def test_small_files_are_checked_by_git_blob_id(hub, paths):
    hub.corrupt = True
    with pytest.raises(DownloadError, match="git blob"):
        run_download(plan_download("acme/tiny", ONLINE, include=["config.json"]), paths, ONLINE)


def test_offline_mode_blocks_without_any_connection(hub, paths, no_network):
    with pytest.raises(DownloadError, match="Offline mode is on.*--online"):
        plan_download("acme/tiny", Settings())
    with pytest.raises(DownloadError, match="Offline mode"):
        run_download(_fake_plan(), paths, Settings())
    assert no_network == [] and hub.requests == []


def _fake_plan():
    from studio.engines.downloads import DownloadPlan, RemoteFile

    return DownloadPlan("acme/tiny", COMMIT, "main", (RemoteFile("x", 1, url="http://127.0.0.1:9/x"),))


def test_cli_asks_with_the_size_and_downloads_with_yes(hub, paths, capsys, monkeypatch):
    from studio.cli import main

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["models", "download", "acme/tiny"]) == 1  # offline by default
    assert "Offline mode is on" in capsys.readouterr().err
    assert main(["models", "download", "acme/tiny", "--online"]) == 1  # no consent, nothing fetched
    captured = capsys.readouterr()
    assert "3.0 MB" in captured.out and "without confirmation" in captured.err
    assert not any("/resolve/" in p for p, _ in hub.requests)
    assert main(["models", "download", "acme/tiny", "--online", "--yes"]) == 0
    assert (paths.models / "acme--tiny" / "model.safetensors").read_bytes() == WEIGHTS


def _files(root):
    return sorted(str(p) for p in root.rglob("*") if "logs" not in p.parts)


def test_hub_names_that_leave_the_folder_are_refused_before_anything_is_written(hub, paths, tmp_path, capsys):
    from studio.cli import main

    outside = tmp_path / "outside"
    outside.mkdir()
    evil = ["../../../../../../outside/x", f"{outside}/abs", "..\\..\\outside\\x", "C:/outside/x", "a//b", "./x",
            "sub/../../../x", "~/x", "a/\x00b", "../x"]
    before = _files(tmp_path)
    for name in evil:
        hub.extra_names = [name]
        with pytest.raises(DownloadError, match="Nothing was downloaded"):
            plan_download("acme/tiny", ONLINE)
        assert main(["models", "download", "acme/tiny", "--online", "--yes"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err and "Nothing was downloaded" in err, err
    assert not any("/resolve/" in p for p, _ in hub.requests)
    audit = paths.root / "network-audit.jsonl"  # the network guard recorded the consented check, nothing else
    assert [f for f in _files(tmp_path) if f != str(audit)] == before
    from studio.core.netguard import read_log

    assert {(e["event"], e["purpose"]) for e in read_log(paths)} == {("allowed", "download check of acme/tiny")}


def test_a_plan_with_a_bad_name_or_a_link_out_writes_nothing(hub, paths, tmp_path):
    from studio.engines.downloads import DownloadPlan, RemoteFile

    outside = tmp_path / "outside"
    outside.mkdir()
    dest = paths.models / "acme--tiny"
    dest.mkdir()
    (dest / "sub").symlink_to(outside)  # a link inside the folder must not carry a file outside
    url = f"{hub.url}/acme/tiny/resolve/{COMMIT}/config.json"
    for name in ("../../../outside/y", "sub/x"):
        plan = DownloadPlan("acme/tiny", COMMIT, "main", (RemoteFile(name, len(CONFIG), git_sha1=git_sha1(CONFIG),
                                                                     url=url),), target_name="acme--tiny")
        with pytest.raises(DownloadError, match="Nothing was downloaded"):
            run_download(plan, paths, ONLINE)
    assert list(outside.iterdir()) == [] and hub.requests == []


def test_a_hub_commit_id_that_is_a_path_is_refused(hub, paths):
    hub.sha = "../../../../x"
    with pytest.raises(DownloadError, match="invalid commit id"):
        plan_download("acme/tiny", ONLINE)


def test_a_repo_id_that_could_name_a_path_is_refused_before_any_request(hub):
    for repo in ("../x", "a/..", "/x", "x/", "a/b/c", "acme/.."):
        with pytest.raises(DownloadError, match="not a repo id"):
            plan_download(repo, ONLINE)
    assert hub.requests == []


def test_a_folder_the_user_made_is_never_written_into(hub, paths):
    mine = paths.models / "acme--tiny"
    mine.mkdir()
    (mine / "config.json").write_text("my own")
    with pytest.raises(DownloadError, match="not downloaded from acme/tiny"):
        run_download(plan_download("acme/tiny", ONLINE), paths, ONLINE)
    assert [p.name for p in mine.iterdir()] == ["config.json"] and (mine / "config.json").read_text() == "my own"
    assert not any("/resolve/" in p for p, _ in hub.requests)
    mine.rename(paths.models / "mine")  # moved away: the download goes ahead, and again as an update
    dest = run_download(plan_download("acme/tiny", ONLINE), paths, ONLINE)
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    assert run_download(plan_download("acme/tiny", ONLINE), paths, ONLINE) == dest


def test_a_url_download_never_replaces_a_file_of_the_same_name(hub, paths):
    url = f"{hub.url}/acme/tiny/resolve/{COMMIT}/config.json"
    mine = paths.models / "downloads" / "config.json"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own")
    got = run_download(plan_download(url, ONLINE), paths, ONLINE)
    assert got == paths.models / "downloads" / "config-2.json" and got.read_bytes() == CONFIG
    assert mine.read_text() == "my own"
