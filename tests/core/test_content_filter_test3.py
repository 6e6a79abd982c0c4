"""The third content-filter test set (``benchmark/*_test3.tsv``): its shape, and that training never reads it.

Pure data checks: the filter is not run on the set here (it is measured once, by benchmarks/content_filter.py).
"""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

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


def test_training_never_reads_test3() -> None:
    """The training tool reads the seen splits by name, none of them a test set, and globs no benchmark file."""
    source = (ROOT / "tools" / "train_content_filter.py").read_text(encoding="utf-8")
    seen = next(ast.literal_eval(node.value) for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SEEN_SPLITS" for t in node.targets))
    assert seen and not any(s.startswith("test") for s in seen)
    assert not any("glob" in line and "benchmark" in line for line in source.splitlines())
