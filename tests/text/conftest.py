"""Text-studio fixtures: SmolLM2's real tokenizer, tiny random-weight LMs built on it, an engine context."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.text.tiny_lm import build_tiny_gpt2, build_tiny_llama, save_smol_tokenizer


@pytest.fixture(scope="session")
def smol_tokenizer_dir(tmp_path_factory) -> Path:
    return save_smol_tokenizer(tmp_path_factory.mktemp("smol-tokenizer"))


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory, smol_tokenizer_dir) -> Path:
    """A 2-layer Llama (context 256) with SmolLM2's tokenizer and chat template."""
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama", smol_tokenizer_dir)


@pytest.fixture(scope="session")
def tiny_llama_no_template_dir(tmp_path_factory, smol_tokenizer_dir) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama-plain", smol_tokenizer_dir,
                            chat_template=False)


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory, smol_tokenizer_dir) -> Path:
    """A GPT-2 with 32 learned positions: generating past them raises inside generate()."""
    return build_tiny_gpt2(tmp_path_factory.mktemp("models") / "tiny-gpt2", smol_tokenizer_dir, positions=32)


@pytest.fixture()
def text_ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")


class Recorder:
    """A reporter that keeps everything the engine says (and can cancel after N text chunks)."""

    def __init__(self, cancel=None, cancel_after: int = 0) -> None:
        self.chunks: list[str] = []
        self.progress_calls: list[tuple[int, int, str]] = []
        self.messages: list[str] = []
        self._cancel, self._after = cancel, cancel_after

    def progress(self, done, total, message=""):
        self.progress_calls.append((done, total, message))

    def wants_preview(self):
        return False

    def preview(self, image):
        pass

    def text(self, chunk):
        self.chunks.append(chunk)
        if self._cancel is not None and len(self.chunks) >= self._after:
            self._cancel.cancel()

    def metrics(self, step, values):
        pass

    def log(self, message):
        self.messages.append(message)


@pytest.fixture()
def recorder():
    return Recorder()


@pytest.fixture(scope="session")
def tiny_llama_long_dir(tmp_path_factory, smol_tokenizer_dir) -> Path:
    """Like tiny_llama_dir with a 4096-token context, so an answer runs long enough to be stopped."""
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama-long", smol_tokenizer_dir, context=4096)


@pytest.fixture()
def text_pool(qtbot, paths, monkeypatch):
    """A real, started JobPool on the test's studio home (the real text engine behind it; its hosts are
    forked from the session's warm parent, tests/fixtures/host_zygote.py)."""
    from studio.core.settings import Settings
    from studio.jobs.pool import WorkerPool
    from tests.fixtures.host_zygote import use_warm_hosts

    use_warm_hosts(monkeypatch)

    pool = WorkerPool(paths, Settings(device="cpu", scan_hf_cache=False))
    pool.start()
    yield pool
    pool.shutdown(wait=True, timeout=30)
