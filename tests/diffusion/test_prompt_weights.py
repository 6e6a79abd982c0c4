"""A1111 prompt-weight syntax parsing."""
from __future__ import annotations

import pytest

from studio.core.specs.prompt_weights import is_plain, parse, strip_weights


def approx(frags):
    return [(t, pytest.approx(w)) for t, w in frags]


def test_plain_prompt_is_one_fragment():
    assert parse("a photo of a cat") == [("a photo of a cat", 1.0)]
    assert is_plain("a photo of a cat") and is_plain("")
    assert parse("") == [("", 1.0)]


def test_explicit_and_bracket_weights():
    assert parse("a (cat:1.5) on [grass]") == approx([("a ", 1.0), ("cat", 1.5), (" on ", 1.0), ("grass", 1 / 1.1)])
    assert parse("((cat))") == approx([("cat", 1.21)])
    assert parse("[[cat]]") == approx([("cat", 1 / 1.21)])


def test_nesting_multiplies():
    assert parse("(a (b:2) c)") == approx([("a ", 1.1), ("b", 2.2), (" c", 1.1)])
    assert parse("(red (cat:0.5):2)") == approx([("red ", 2.0), ("cat", 1.0)])


def test_escapes_are_literal():
    assert parse(r"a \(cat\) \[x\] \\") == [("a (cat) [x] \\", 1.0)]
    assert not is_plain(r"a \(cat\)")
    assert strip_weights(r"a \(cat\)") == "a (cat)"


def test_colon_without_weight_and_unbalanced_brackets():
    assert parse("time: noon") == [("time: noon", 1.0)]
    assert parse("a (cat") == approx([("a ", 1.0), ("cat", 1.1)])
    assert parse("a cat)") == [("a cat)", 1.0)]


def test_break_splits_chunks():
    frags = parse("a cat BREAK a dog")
    assert frags == [("a cat", 1.0), ("BREAK", -1.0), ("a dog", 1.0)]
    assert strip_weights("(a cat:1.2) BREAK dog") == "a cat dog"
    assert parse("BREAKFAST") == [("BREAKFAST", 1.0)]
