"""Progress: ETA estimates, the cancel token, and the CLI progress bar."""
from __future__ import annotations

import io

import pytest

from studio.core.errors import JobCancelled
from studio.core.progress import CancelToken, ConsoleReporter, Eta, format_seconds


def test_eta_from_a_steady_rate():
    t = [0.0]
    eta = Eta(clock=lambda: t[0])
    for done in range(1, 6):
        t[0] += 0.5
        eta.update(done)
    assert eta.rate == pytest.approx(2.0)
    assert eta.remaining(5, 25) == pytest.approx(10.0)


def test_eta_starts_afresh_when_a_new_phase_counts_from_zero():
    t = [0.0]
    eta = Eta(clock=lambda: t[0])
    t[0] = 10.0
    eta.update(1)  # "model loaded": 1 of 1 after 10 s
    eta.update(0)  # tokens now, counted from 0
    for done in range(1, 4):
        t[0] += 0.1
        eta.update(done)
    assert eta.rate == pytest.approx(10.0)  # the tokens' rate, not blended with the slow load
    assert eta.remaining(3, 13) == pytest.approx(1.0)


def test_eta_unknown_before_any_progress():
    assert Eta().remaining(0, 10) is None
    assert format_seconds(None) == "?"
    assert format_seconds(75) == "1:15"
    assert format_seconds(3725) == "1:02:05"


def test_cancel_token_is_cooperative():
    token = CancelToken()
    token.raise_if_cancelled()  # nothing happens before cancel
    token.cancel()
    assert token.cancelled
    with pytest.raises(JobCancelled):
        token.raise_if_cancelled()


def test_console_reporter_prints_final_progress_and_text():
    err, out = io.StringIO(), io.StringIO()
    r = ConsoleReporter(stream=err, text_stream=out, min_interval=0)
    for i in range(1, 5):
        r.progress(i, 4)
    r.text("Hello")
    r.log("prompt truncated")
    assert "4/4" in err.getvalue() and "note: prompt truncated" in err.getvalue()
    assert out.getvalue() == "Hello"


def test_byte_sizes_read_like_a_file_manager():
    from studio.core.progress import format_bytes

    assert [format_bytes(n) for n in (None, 0, 1023, 3 * 2**20, 5 * 2**40)] == ["?", "0 B", "1023 B", "3.0 MB",
                                                                            "5.0 TB"]
