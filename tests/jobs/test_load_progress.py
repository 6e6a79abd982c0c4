"""Load progress: every model load reports the bytes it read, monotonic, ending at 100 %, in the queue row,
the status bar and on the CLI's line."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.progress import describe_load
from studio.core.specs.image import ImageSpec
from studio.core.specs.text import TextSpec
from studio.engines.load_meter import weight_bytes
from tests.jobs.helpers import wait_final


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory) -> Path:
    from tests.text.tiny_lm import build_tiny_llama, save_smol_tokenizer

    tok = save_smol_tokenizer(tmp_path_factory.mktemp("tok"))
    return build_tiny_llama(tmp_path_factory.mktemp("models") / "tiny-llama", tok)


def _check_monotonic_to_the_end(events: list[tuple[str, int, int]], what: str, source: Path) -> None:
    mine = [(d, t) for w, d, t in events if w == what]
    assert mine, events
    assert mine[0][0] == 0  # it starts at 0 % ...
    total = weight_bytes(source)
    assert total > 0 and all(t == total for _, t in mine)  # ... of the bytes on disk ...
    assert [d for d, _ in mine] == sorted(d for d, _ in mine)  # ... never goes back ...
    assert mine[-1] == (total, total)  # ... and ends at 100 %


def test_loads_through_a_real_engine_host_reach_100_percent(qtbot, make_pool, tiny_sd_dir, tiny_llama, monkeypatch):
    from studio.ui.queue_view import QueueView
    from studio.ui.status_bar import StudioStatusBar
    from tests.fixtures.host_zygote import use_warm_hosts

    use_warm_hosts(monkeypatch)  # the host is forked from the session's warm parent (torch imported once)
    pool = make_pool()  # the real engines, in an engine host process
    events: dict[int, list[tuple[str, int, int]]] = {}
    pool.job_load.connect(lambda job, what, done, total, eta: events.setdefault(job, []).append((what, done, total)))
    bar = StudioStatusBar()
    qtbot.addWidget(bar)
    pool.job_load.connect(bar.on_job_load)
    lines: list[str] = []
    pool.job_load.connect(lambda *a: lines.append(bar.model_label.text()))
    queue = QueueView()
    qtbot.addWidget(queue)
    queue.bind(pool)
    row_lines: list[str] = []
    pool.job_load.connect(lambda job, *a: row_lines.append(queue.model.progress_text(queue.model.row_of(job))))
    image = pool.submit(ImageSpec(prompt="a red boat", model=str(tiny_sd_dir), seed=1, steps=2, width=64, height=64))
    text = pool.submit(TextSpec(prompt="Hello", model=str(tiny_llama), max_new_tokens=2, temperature=0.0))
    wait_final(qtbot, pool, image.job_id, text.job_id, timeout=120000)
    assert pool.job(image.job_id).state == pool.job(text.job_id).state == "done"
    _check_monotonic_to_the_end(events[image.job_id], "tiny-sd", tiny_sd_dir)
    _check_monotonic_to_the_end(events[text.job_id], "tiny-llama", tiny_llama)
    assert "loading tiny-sd: 0 % · 0 B of" in lines[0]
    assert any(line.startswith("loading tiny-llama: 100 % · ") for line in lines)
    assert row_lines[0].startswith("loading tiny-sd: 0 % · ") and "loading tiny-sd: 100 % · " in "\n".join(row_lines)


def test_bytes_are_counted_as_tensors_are_read(monkeypatch, tiny_llama, paths):
    """In process, unthrottled: the events step up tensor by tensor, and what was counted is what the
    safetensors file holds (its size less its header)."""
    import json
    import struct

    import studio.engines.load_meter as meter
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext
    from studio.host.dispatch import run_spec

    class Loads(NullReporter):
        def __init__(self):
            super().__init__()
            self.loads: list[tuple[int, int]] = []

        def load(self, done, total, what):
            self.loads.append((done, total))

    monkeypatch.setattr(meter, "INTERVAL_S", 0.0)
    ctx = EngineContext.create(paths, Settings(scan_hf_cache=False), device="cpu")
    rec = Loads()
    run_spec(TextSpec(prompt="Hi", model=str(tiny_llama), max_new_tokens=1, temperature=0.0), rec, CancelToken(), ctx)
    weights = tiny_llama / "model.safetensors"
    raw = weights.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    tensor_bytes = sum(v["data_offsets"][1] - v["data_offsets"][0]
                       for k, v in json.loads(raw[8:8 + n]).items() if k != "__metadata__")
    dones = [d for d, _ in rec.loads]
    assert len(set(dones)) > 5 and dones == sorted(dones)  # one step per tensor, not 0 then 100
    assert dones[-2] == tensor_bytes and rec.loads[-1] == (weights.stat().st_size,) * 2
    assert safe_open_restored()
    rec.loads.clear()
    run_spec(TextSpec(prompt="Hi", model=str(tiny_llama), max_new_tokens=1, temperature=0.0), rec, CancelToken(), ctx)
    assert rec.loads == []  # cached: nothing is loaded again


def safe_open_restored() -> bool:
    import safetensors
    import transformers.modeling_utils as mu

    return mu.safe_open is safetensors.safe_open and "Counting" not in type(safetensors.safe_open).__name__


def test_the_cli_prints_the_load_line(tiny_llama, capsys):
    from studio.cli import main

    assert main(["generate", "text", "--prompt", "Hi", "--model", str(tiny_llama), "--temperature", "0",
                 "--max-new-tokens", "2"]) == 0
    err = capsys.readouterr().err
    total = weight_bytes(tiny_llama)
    assert describe_load("tiny-llama", 0, total) in err and describe_load("tiny-llama", total, total) in err


def test_the_load_line_in_chinese():
    from studio.core.language import use_language

    assert describe_load("m", 1, 4, 3.0) == "loading m: 25 % · 1 B of 4 B · ETA 3 s"
    assert describe_load("m", 1, 4) == "loading m: 25 % · 1 B of 4 B"  # no ETA: under a second
    assert describe_load("m", 5, 0) == "loading m: 5 B read"  # size unknown
    use_language("zh_CN")
    line = describe_load("m", 1, 4, 3.0)
    assert "loading" not in line and "25 %" in line and "ETA" not in line


def test_the_status_bar_names_a_loading_upscaler_by_its_name(qtbot, paths, tmp_path):
    """An upscaler's load is called by the model's name (was the cache key, "('upscaler', '/…/x.param/…', 'cpu')"),
    and counts the converted weights file it reads, to 100 %."""
    from PIL import Image

    from studio.core.language import use_language
    from studio.core.progress import CancelToken, NullReporter
    from studio.core.settings import Settings
    from studio.core.specs.image import UpscaleSpec
    from studio.engines.context import EngineContext
    from studio.engines.upscale.weights import converted_file
    from studio.host.dispatch import run_spec
    from studio.ui.status_bar import StudioStatusBar

    bar = StudioStatusBar()
    qtbot.addWidget(bar)
    lines: list[str] = []

    class Loads(NullReporter):
        def load(self, done, total, what):
            bar.on_job_load(1, what, done, total, -1.0)
            lines.append(bar.model_label.text())

    src = tmp_path / "small.png"
    Image.new("RGB", (8, 8), (200, 40, 40)).save(src)
    ctx = EngineContext.create(paths, Settings(), device="cpu")
    entry = ctx.registry.resolve("RealESRGAN animevideov3 x2", task="upscale")
    run_spec(UpscaleSpec(image=str(src), model=entry.name), Loads(), CancelToken(), ctx)
    size = converted_file(paths, Path(entry.path)).stat().st_size
    assert lines and all(line.startswith("loading RealESRGAN animevideov3 x2: ") for line in lines), lines
    assert lines[-1].startswith(describe_load("RealESRGAN animevideov3 x2", size, size))
    use_language("zh_CN")
    bar.on_job_load(1, "RealESRGAN animevideov3 x2", 0, size, -1.0)
    assert "RealESRGAN animevideov3 x2" in bar.model_label.text() and "upscaler" not in bar.model_label.text()
