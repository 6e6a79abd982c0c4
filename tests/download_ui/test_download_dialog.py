"""pytest-qt: the model manager's Download dialog against the fake hub on 127.0.0.1, through a real JobPool.

Size shown before consent, nothing fetched before the click, progress, verified download that the
library lists; resume after a dropped connection; cancel; offline mode blocks every network action.
"""
from __future__ import annotations

import hashlib
import json

import pytest
from PySide6.QtCore import Qt

from studio.core.errors import SpecError
from studio.core.settings import Settings, load_settings
from studio.core.specs.files import DownloadSpec
from studio.core.specs.serial import spec_from_json, spec_to_json
from studio.ui.model_manager import ModelManager
from tests.models.conftest import no_network  # noqa: F401 (fixture)
from tests.models.test_downloads import COMMIT, CONFIG, WEIGHTS, hub  # noqa: F401 (fixture)

TIMEOUT = 30000


@pytest.fixture()
def pool(qtbot, paths, monkeypatch):
    from studio.jobs.pool import WorkerPool

    # Real hosts, not forked warm ones: huggingface_hub reads HF_HUB_OFFLINE and the test hub's endpoint into
    # constants when imported, and a warm parent imported it before this test's environment was set.
    p = WorkerPool(paths, Settings(device="cpu"))
    yield p
    p.shutdown(wait=True, timeout=30)


@pytest.fixture()
def dock(qtbot, paths, pool):
    d = ModelManager(paths, Settings(), pool=lambda: pool)
    qtbot.addWidget(d)
    d.show()
    with qtbot.waitSignal(d.scan_finished, timeout=TIMEOUT):
        pass
    yield d
    d.shutdown()


def _resolves(hub) -> list:
    return [r for r in hub.requests if "/resolve/" in r[0]]


def _online_dialog(qtbot, dock, pool):
    dock.offline_check.setChecked(False)  # what the user does: untick "Offline mode"
    pool.start()
    dlg = dock.open_download_dialog()
    qtbot.addWidget(dlg)
    return dlg


def _check(qtbot, dlg, source="acme/tiny", include=""):
    dlg.source_edit.setText(source)
    dlg.include_edit.setText(include)
    with qtbot.waitSignal(dlg.checked, timeout=TIMEOUT) as checked:
        qtbot.mouseClick(dlg.check_button, Qt.MouseButton.LeftButton)
    return checked.args[0]


def test_size_is_shown_before_consent_then_download_is_verified_and_listed(qtbot, dock, pool, hub, paths):
    dlg = _online_dialog(qtbot, dock, pool)
    assert not dlg.offline_label.isVisible() and not dlg.download_button.isEnabled()
    plan = _check(qtbot, dlg)

    # The user sees every file and the total before anything is fetched.
    assert plan.revision == COMMIT and plan.total_size == len(WEIGHTS) + len(CONFIG)
    assert dlg.download_button.isEnabled() and dlg.download_button.text() == "Download 2 files (3.0 MB)"
    assert "2 files, 3.0 MB in total" in dlg.summary_label.text()
    rows = {dlg.files_table.item(r, 0).text(): (dlg.files_table.item(r, 1).text(), dlg.files_table.item(r, 2).text())
            for r in range(dlg.files_table.rowCount())}
    assert rows == {"model.safetensors": ("3.0 MB", "SHA-256 (hub LFS)"),
                    "config.json": (f"{len(CONFIG)} B", "git blob id")}
    assert _resolves(hub) == [] and not (paths.models / "acme--tiny").exists()

    shown = []  # what the user sees at each progress update (the dialog's slot ran first)
    pool.job_progress.connect(lambda *_: shown.append((dlg.progress_label.text(), dlg.cancel_button.isEnabled(),
                                                       dlg.check_button.isEnabled())))
    with qtbot.waitSignal(dlg.downloaded, timeout=TIMEOUT) as done, \
            qtbot.waitSignal(dock.scan_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dlg.download_button, Qt.MouseButton.LeftButton)
    dest = paths.models / "acme--tiny"
    assert done.args[0] == str(dest)
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    assert json.loads((dest / ".studio_source.json").read_text())["requested_revision"] == "main"
    assert shown and all(cancel and not check for _, cancel, check in shown)
    assert any(" of 3.0 MB" in text for text, _, _ in shown) and dlg.progress.value() == dlg.progress.maximum()
    sha = hashlib.sha256(WEIGHTS).hexdigest()
    assert f"model.safetensors: SHA-256 {sha} matches the hub" in dlg.result_label.text()
    assert "config.json: git blob id matches" in dlg.result_label.text()
    # The new model is in the library, identified, and selected.
    e = dock.entry_for(str(dest))
    assert e is not None and e.type == "causal_lm" and dock.current_entry().path == str(dest)
    assert not dlg.cancel_button.isEnabled() and dlg.check_button.isEnabled() and not dlg.download_button.isEnabled()


def test_dropped_connection_resumes_from_the_dialog(qtbot, dock, pool, hub, paths):
    dlg = _online_dialog(qtbot, dock, pool)
    _check(qtbot, dlg, include="*.safetensors")
    assert dlg.download_button.text() == "Download 1 file (3.0 MB)"
    hub.cut_after = 2**20 + 5
    with qtbot.waitSignal(dlg.failed, timeout=TIMEOUT) as failed:
        qtbot.mouseClick(dlg.download_button, Qt.MouseButton.LeftButton)
    assert "resume" in failed.args[0]
    assert dlg.download_button.isEnabled() and dlg.download_button.text().startswith("Resume download")
    assert not (paths.models / "acme--tiny" / "model.safetensors").exists()
    with qtbot.waitSignal(dlg.downloaded, timeout=TIMEOUT):
        qtbot.mouseClick(dlg.download_button, Qt.MouseButton.LeftButton)
    assert (paths.models / "acme--tiny" / "model.safetensors").read_bytes() == WEIGHTS
    path, rng = _resolves(hub)[-1]
    assert path.endswith("/model.safetensors") and rng is not None and rng.startswith("bytes=")
    assert 0 < int(rng.split("=")[1].rstrip("-")) <= 2**20 + 5


def test_cancel_stops_the_download_job(qtbot, dock, pool, hub, paths):
    dlg = _online_dialog(qtbot, dock, pool)
    _check(qtbot, dlg)
    pool.set_paused(True)  # the job waits in the queue, so the cancel is certain to come first
    qtbot.mouseClick(dlg.download_button, Qt.MouseButton.LeftButton)
    assert dlg.cancel_button.isEnabled()
    with qtbot.waitSignal(dlg.download_job.cancelled, timeout=TIMEOUT):
        qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelled" in dlg.progress_label.text() and dlg.download_button.isEnabled()
    assert _resolves(hub) == [] and not (paths.models / "acme--tiny").exists()


def test_offline_mode_blocks_every_network_action(qtbot, paths, pool, hub, no_network):  # noqa: F811
    d = ModelManager(paths, Settings(), pool=lambda: pool)  # offline: the default
    qtbot.addWidget(d)
    d.show()
    assert d.offline_check.isChecked() and d.offline_label.isVisible()
    dlg = d.open_download_dialog()
    qtbot.addWidget(dlg)
    dlg.source_edit.setText("acme/tiny")
    assert dlg.offline_label.isVisible() and "Untick \u201cOffline mode\u201d" in dlg.offline_label.text()
    assert not dlg.check_button.isEnabled() and not dlg.download_button.isEnabled()
    dlg.check()  # even a programmatic call does nothing
    assert pool.jobs() == [] and hub.requests == [] and no_network == []

    d.offline_check.setChecked(False)  # the toggle is saved and enables the dialog at once
    assert load_settings(paths.settings_file).offline is False
    assert dlg.check_button.isEnabled() and not dlg.offline_label.isVisible()
    d.offline_check.setChecked(True)
    assert load_settings(paths.settings_file).offline is True and not dlg.check_button.isEnabled()
    d.shutdown()


def test_download_spec_round_trips_and_rejects_bad_input():
    spec = DownloadSpec(source="acme/tiny", include=("*.json",), commit=COMMIT, expect_files=("config.json",),
                        expect_bytes=len(CONFIG))
    assert spec_from_json(spec_to_json(spec)) == spec
    with pytest.raises(SpecError, match="org/name"):
        DownloadSpec(source="not a repo", check_only=True).validate()
    with pytest.raises(SpecError, match="Check the repo first"):
        DownloadSpec(source="acme/tiny").validate()
    assert DownloadSpec(source="https://example.com/x.safetensors", check_only=True).validate() == []


def test_engine_cancels_mid_file_keeps_the_part_and_refuses_a_changed_repo(hub, paths):
    from studio.core.errors import JobCancelled
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import save_settings
    from studio.engines.context import EngineContext
    from studio.engines.download_job import run
    from studio.engines.downloads import DownloadError

    save_settings(paths.settings_file, Settings(offline=False))
    ctx = EngineContext.create(paths, Settings(device="cpu"))  # offline in memory: the saved file decides
    plan = run(DownloadSpec(source="acme/tiny", check_only=True), NullReporter(), CancelToken(), ctx).plan
    spec = DownloadSpec(source="acme/tiny", commit=plan.revision, expect_files=("config.json", "model.safetensors"),
                        expect_bytes=plan.total_size)
    cancel = CancelToken()

    class CancelAtFirstProgress(NullReporter):
        def progress(self, done, total, message=""):
            assert total == -(-plan.total_size // 1024)  # KiB: multi-GB files fit Qt's 32-bit signals
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run(spec, CancelAtFirstProgress(), cancel, ctx)
    assert list((paths.cache / "downloads").rglob("*.part"))  # kept for the resume
    with pytest.raises(DownloadError, match="changed since you checked"):
        run(spec.replace(expect_bytes=plan.total_size + 1), NullReporter(), CancelToken(), ctx)
    result = run(spec, NullReporter(), CancelToken(), ctx)
    assert {v.name: v.method for v in result.verified} == {"model.safetensors": "sha256", "config.json": "git_blob"}
    assert (paths.models / "acme--tiny" / "model.safetensors").read_bytes() == WEIGHTS
