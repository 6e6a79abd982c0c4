"""The third content-filter test set (``benchmark/*_test3.tsv``): its shape, and which sets training may read.

Pure data checks: the filter is not run on the set here (it is measured once, by benchmarks/content_filter.py).
"""
from __future__ import annotations

import ast
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

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
    test sets whose misses were read (test … test4); any other name is refused, and the shipped weights
    record which test sets they were trained on."""
    source = (ROOT / "tools" / "train_content_filter.py").read_text(encoding="utf-8")
    names = {t.id: ast.literal_eval(node.value) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assign)
             for t in node.targets if getattr(t, "id", None) in ("SEEN_SPLITS", "LOOKED_AT")}
    assert names["SEEN_SPLITS"] and not any(s.startswith("test") for s in names["SEEN_SPLITS"])
    assert set(names["LOOKED_AT"]) == {"test", "test2", "test3", "test4"}
    assert not any("glob" in line and "benchmark" in line for line in source.splitlines())
    spec = importlib.util.spec_from_file_location("_train_content_filter", ROOT / "tools" / "train_content_filter.py")
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    with pytest.raises(ValueError):
        trainer.load(("test5",))
    info = json.loads((BENCH.parent / "classifier.json").read_text(encoding="utf-8"))["info"]
    assert set(info["test_sets_trained_on"]) <= set(names["LOOKED_AT"])


def test_test5_covers_every_cell_and_shares_no_prompt_with_earlier_data() -> None:
    """The held-out set ``test5``: 50 harmful / 100 harmless per category and language as written, less the few
    that were already, word for word, in earlier data (dropped unread), and none of it in any training file."""
    rows = {k: [tuple(line.split("\t")) for lang in ("en", "zh")
                for line in (BENCH / f"{k}_test5_{lang}.tsv").read_text(encoding="utf-8").splitlines() if line.strip()]
            for k in ("harmful", "harmless")}
    for kind, lo, hi in (("harmful", 47, 50), ("harmless", 96, 100)):
        cells = Counter((lang, cat) for lang, cat, _p in rows[kind])
        assert set(cells) == {(lang, cat) for lang in ("en", "zh") for cat in CATEGORIES}
        assert all(lo <= n <= hi for n in cells.values()), cells
    prompts = [p.strip().casefold() for k in rows for _l, _c, p in rows[k]]
    assert len(set(prompts)) == len(prompts)
    earlier = {line.split("\t")[-2 if path.name == "templated.tsv" else 2].strip().casefold()
               for path in [*(BENCH.parent / "train").glob("*.tsv"), *BENCH.glob("*.tsv")] if "test5" not in path.name
               for line in path.read_text(encoding="utf-8").splitlines() if line.count("\t") >= 2}
    assert not set(prompts) & earlier
