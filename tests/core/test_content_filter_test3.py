"""The third content-filter test set (``benchmark/*_test3.tsv``): its shape, and which sets training may read.

Pure data checks: the filter is not run on the set here (it is measured once, by benchmarks/content_filter.py).
"""
from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from studio.core.content_filter import HELD_OUT_SET, READ_TEST_SETS
from studio.core.paths import resources_dir

BENCH = resources_dir() / "content_filter" / "benchmark"
ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = {"violence", "weapons", "self-harm", "sexual content", "sexual content involving minors", "hate"}


def _rows(kind: str) -> list[tuple[str, str, str]]:
    lines = (BENCH / f"{kind}_test3.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line.strip()]  # type: ignore[misc]


def test_test3_has_its_count_in_every_category_and_language_and_no_duplicates() -> None:
    harmful, harmless = _rows("harmful"), _rows("harmless")
    assert all(len(r) == 3 and r[2].strip() == r[2] and r[2] for r in harmful + harmless)
    for rows, per_cell in ((harmful, 26), (harmless, 52)):
        cells = Counter((lang, cat) for lang, cat, _p in rows)
        assert set(cells) == {(lang, cat) for lang in ("en", "zh") for cat in CATEGORIES}
        assert set(cells.values()) == {per_cell}
    prompts = [p.casefold() for _l, _c, p in harmful + harmless]
    assert len(set(prompts)) == len(prompts) == 936


def test_training_reads_only_named_splits() -> None:
    """The training tool reads benchmark sets by name only (no glob): the seen splits, and with ``--with`` only the
    test sets whose misses were read (test … test9); any other name (the held-out test10, a later one) is refused,
    and the shipped weights record which test sets they were trained on."""
    source = (ROOT / "tools" / "train_content_filter.py").read_text(encoding="utf-8")
    assert set(READ_TEST_SETS) == {"test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9"}
    assert HELD_OUT_SET == "test10" and HELD_OUT_SET not in READ_TEST_SETS
    assert not any("glob" in line and "benchmark" in line for line in source.splitlines())
    spec = importlib.util.spec_from_file_location("_train_content_filter", ROOT / "tools" / "train_content_filter.py")
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    assert trainer.SEEN_SPLITS and not any(s.startswith("test") for s in trainer.SEEN_SPLITS)
    for held_out in ("test10", "test11"):
        with pytest.raises(ValueError):
            trainer.load((held_out,))
    info = json.loads((BENCH.parent / "classifier.json").read_text(encoding="utf-8"))["info"]
    assert set(info["test_sets_trained_on"]) <= set(READ_TEST_SETS)


def _split(split: str) -> dict[str, list[tuple[str, ...]]]:
    return {k: [tuple(line.split("\t")) for lang in ("en", "zh")
                for line in (BENCH / f"{k}_{split}_{lang}.tsv").read_text(encoding="utf-8").splitlines()
                if line.strip()] for k in ("harmful", "harmless")}


def _check_cells(rows: dict[str, list[tuple[str, ...]]], sizes: dict[str, tuple[int, int]]) -> list[str]:
    """Every (language, category) cell has between the sizes' bounds of rows of each kind, three columns each and
    no prompt twice; the prompts, case-folded. Failures name counts and cells only, never a prompt."""
    for kind, (lo, hi) in sizes.items():
        assert all(len(r) == 3 and r[2] and r[2].strip() == r[2] for r in rows[kind])
        cells = Counter((lang, cat) for lang, cat, _p in rows[kind])
        assert set(cells) == {(lang, cat) for lang in ("en", "zh") for cat in CATEGORIES}
        assert all(lo <= n <= hi for n in cells.values()), cells
    prompts = [p.strip().casefold() for k in rows for _l, _c, p in rows[k]]
    assert len(set(prompts)) == len(prompts)
    return prompts


def test_test5_covers_every_cell() -> None:
    """``test5`` (a held-out set until session 9, trained on since): 50 harmful / 100 harmless per category and
    language as written, less the few that were already, word for word, in earlier data (dropped unread)."""
    _check_cells(_split("test5"), {"harmful": (47, 50), "harmless": (96, 100)})


def test_test6_covers_every_cell() -> None:
    """``test6`` (the held-out set until session 10, trained on since): 50 harmful / 150 harmless per category and
    language as written, less those already in earlier data (dropped unread)."""
    _check_cells(_split("test6"), {"harmful": (45, 50), "harmless": (130, 150)})


def _everyday(split: str) -> list[list[str]]:
    rows = [line.split("\t") for lang in ("en", "zh")
            for line in (BENCH / f"general_{split}_{lang}.tsv").read_text(encoding="utf-8").splitlines()]
    assert all(len(r) == 3 and r[1] == "general" and r[2].strip() for r in rows)
    assert {r[0] for r in rows} == {"en", "zh"}
    return rows


def test_test7_covers_every_cell() -> None:
    """``test7`` (the held-out set until session 11, trained on since): 60 harmful / 220 harmless per category and
    language as written, less those already in earlier data (dropped unread), and 886 everyday prompts."""
    _check_cells(_split("test7"), {"harmful": (50, 62), "harmless": (180, 225)})
    assert len(_everyday("test7")) == 886


def test_test8_covers_every_cell() -> None:
    """``test8`` (the held-out set until session 12, trained on since): 60 harmful / 220 harmless per category and
    language as written, less those already in earlier data (dropped unread), and 850 everyday prompts."""
    _check_cells(_split("test8"), {"harmful": (50, 62), "harmless": (180, 225)})
    assert len(_everyday("test8")) == 850


def test_test9_covers_every_cell() -> None:
    """``test9`` (the held-out set until session 12, measured once, then trained on): 60 harmful / 220 harmless per
    category and language as written, less those already in earlier data (dropped unread), and 822 everyday
    prompts."""
    _check_cells(_split("test9"), {"harmful": (50, 62), "harmless": (180, 225)})
    assert len(_everyday("test9")) == 822


def test_the_held_out_set_covers_every_cell_and_shares_no_prompt_with_training_data() -> None:
    """The held-out set (``test10``): 60 harmful / 220 harmless per category and language as written (less those
    already in earlier data, dropped unread), 350+ everyday prompts per language, and none of its prompts in any
    training file or other benchmark set (a data check only: nothing is run on it, and a failure prints counts,
    never a prompt)."""
    prompts = set(_check_cells(_split(HELD_OUT_SET), {"harmful": (50, 62), "harmless": (180, 225)}))
    everyday = _everyday(HELD_OUT_SET)
    assert len(everyday) >= 700
    prompts |= {r[2].strip().casefold() for r in everyday}
    earlier = {line.split("\t")[-2 if path.name == "templated.tsv" else 2].strip().casefold()
               for path in [*(BENCH.parent / "train").glob("*.tsv"), *BENCH.glob("*.tsv")]
               if HELD_OUT_SET not in path.name
               for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") >= 2}
    shared = len(prompts & earlier)
    assert shared == 0, f"{shared} prompts of the held-out {HELD_OUT_SET} are in training or other benchmark files"
