"""A remote engine over 127.0.0.1: a real ``main.py engine serve`` process with its own studio home, used by
a client with another home. The init image travels inline, the model goes by name, the result comes back
and is stored by the client; a wrong token is refused."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from studio.core.progress import CancelToken, NullReporter
from studio.core.results import ImageResult
from studio.core.protocol.remote import RemoteEngineError, model_name_problem, parse_address, safe_output_name
from studio.core.settings import Settings
from studio.core.specs.image import ImageSpec
from studio.core.specs.training import TrainSpec
from studio.jobs.host_client import HostStartError
from studio.jobs.remote_client import RemoteHostClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_sd_dir):
    home = tmp_path_factory.mktemp("remote") / "engine-home"
    shutil.copytree(tiny_sd_dir, home / "models" / "tiny-sd")
    (home / "settings.json").write_text('{"scan_hf_cache": false, "device": "cpu"}')
    env = dict(os.environ, AIGC_STUDIO_HOME=str(home), OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "main.py", "engine", "serve", "--listen", "127.0.0.1:0"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("engine listening on 127.0.0.1:"), line + proc.stderr.read()
        token = (home / "engine-token").read_text().strip()
        assert oct((home / "engine-token").stat().st_mode & 0o777) == "0o600"  # the owner's only
        yield SimpleNamespace(address=f"127.0.0.1:{int(line.rsplit(':', 1)[1])}", token=token, home=home)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.slow
def test_an_img2img_job_with_an_inline_init_image_runs_on_the_remote_engine(server, paths, tmp_path):
    photo = tmp_path / "only-on-the-client" / "photo.png"
    photo.parent.mkdir()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(photo)
    client = RemoteHostClient(paths, Settings(device="cpu", scan_hf_cache=False), server.address, server.token)
    try:
        # The client names the model by its local path; only its name reaches the engine.
        spec = ImageSpec(prompt="a red square", model=str(tmp_path / "my-models" / "tiny-sd"), init_image=str(photo),
                         strength=0.5, steps=2, width=64, height=64, seed=3)
        end = client.run_job(1, spec, NullReporter(), CancelToken())
        assert end.state == "done", end.message
        result = end.result
        [out] = result.outputs
        assert Path(out).parent == paths.outputs and Image.open(out).size == (64, 64)  # stored by the client
        assert isinstance(result, ImageResult) and result.model == "tiny-sd" and result.operation == "img2img"
        assert result.source == ""  # the engine's own paths stay there
        # A training job reads and writes folders: it is refused before anything is sent.
        refused = client.run_job(2, TrainSpec(family="gan", data="digits", out="x"), NullReporter(), CancelToken())
        assert refused.state == "failed" and "local engine" in refused.message
    finally:
        client.close()
    assert not list(server.home.rglob("photo.png"))  # the client's file name never became a path there
    inbox = server.home / "cache" / "remote"
    deadline = time.monotonic() + 10  # the engine removes a job's inline inputs once its result is sent
    while [p for p in inbox.rglob("*") if p.is_file()] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in inbox.rglob("*") if p.is_file()]


def test_a_wrong_token_is_refused(server, paths):
    client = RemoteHostClient(paths, Settings(), server.address, "not-" + server.token)
    with pytest.raises(HostStartError, match="wrong token"):
        client.ensure_started()
    client.close()
    right = RemoteHostClient(paths, Settings(), server.address, server.token)
    try:
        assert right.ensure_started().endswith("@ " + server.address)  # the engine still serves
    finally:
        right.close()


def test_addresses_model_names_and_output_names_from_a_peer():
    assert parse_address("127.0.0.1:7861") == ("127.0.0.1", 7861)
    assert parse_address("[::1]:80") == ("::1", 80)
    for bad in ("127.0.0.1", "host:99999", "a b:1", ""):
        with pytest.raises(RemoteEngineError):
            parse_address(bad)
    assert model_name_problem("tiny-sd") is None and model_name_problem("") is None
    for path in ("/etc/passwd", "../models/x", "C:\\x", "~/m", "a/b"):
        assert model_name_problem(path)
    assert safe_output_name("../../etc/cron.d/evil") == "evil.png"
    assert safe_output_name("img-1.PNG") == "img-1.png" and safe_output_name("walk.gif") == "walk.gif"


@pytest.mark.slow
def test_the_window_s_pool_sends_jobs_to_the_engine_of_the_settings(server, paths, qtbot, tmp_path):
    from studio.jobs.pool import WorkerPool

    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64), (30, 30, 200)).save(photo)
    settings = Settings(device="cpu", scan_hf_cache=False, shared_lane=True, engine_address=server.address,
                        engine_token=server.token)
    pool = WorkerPool(paths, settings)
    results = []
    pool.start()
    try:
        job = pool.submit(ImageSpec(prompt="a blue square", model="tiny-sd", init_image=str(photo), strength=0.5,
                                    steps=2, width=64, height=64, seed=4))
        job.finished.connect(results.append)
        qtbot.waitUntil(lambda: pool.job(job.job_id).is_final, timeout=120_000)
        record = pool.job(job.job_id)
        assert record.state == "done", record.error
        qtbot.waitUntil(lambda: bool(results), timeout=10_000)  # the signal crosses from the worker's thread
        assert Path(results[0].outputs[0]).parent == paths.outputs
        assert pool.gallery.for_job(job.job_id)[0].path == results[0].outputs[0]  # in this studio's history
    finally:
        pool.shutdown(wait=True, timeout=30)
