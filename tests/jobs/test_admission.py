"""One gate before a job runs (studio.jobs.admission.admit): the window's pool and the CLI validate and screen
each job there, once."""
from __future__ import annotations

import pytest

import studio.jobs.admission as admission
from studio.cli import main
from studio.core.content_filter import ContentFlagged
from studio.core.settings import Settings, save_settings
from studio.core.specs.image import ImageSpec
from tests.jobs.conftest import TEST_ENGINES, use_engines
from tests.text.test_content_filter_cli import FLAGGED


@pytest.fixture()
def screened(monkeypatch) -> list[str]:
    """The prompts the gate screened, in order."""
    prompts: list[str] = []
    real = admission.screen

    def counting(spec, policy, paths):
        prompts.append(spec.prompt)
        return real(spec, policy, paths)

    monkeypatch.setattr(admission, "screen", counting)
    return prompts


def test_the_cli_screens_each_job_of_a_batch_once(paths, monkeypatch, screened, capsys):
    save_settings(paths.settings_file, Settings(device="cpu", engine_prewarm=False, content_filter="warn"))
    use_engines(monkeypatch, TEST_ENGINES)
    assert main(["generate", "image", "--prompt", "count a {red|blue} cat", "--seed", "1", "--steps", "2",
                 "--batch", "2"]) == 0
    assert len(capsys.readouterr().out.split()) == 2
    assert len(screened) == 2 and all(p in ("count a red cat", "count a blue cat") for p in screened)

    assert main(["generate", "image", "--prompt", FLAGGED, "--steps", "2"]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "error" in line] == [
        "error: The content filter flagged this job (violence). Not run: add --allow-flagged to run it anyway."]
    assert len(screened) == 3


def test_the_pool_admits_through_the_same_gate(make_pool, test_engines, screened):
    pool = make_pool(Settings(device="cpu", engine_prewarm=False, content_filter="warn"), start=False)
    with pytest.raises(ContentFlagged, match="Not queued"):
        pool.submit(ImageSpec(prompt=FLAGGED, steps=2))
    assert screened == [FLAGGED]
