"""The torch-free dataset look-ups behind "Preview dataset": bundled sets, folders, text files."""
from __future__ import annotations

import json

import pytest

from studio.core import datasets_info


def test_bundled_digits_preview_reads_real_images():
    assert datasets_info.unavailable_reason("digits") == ""
    p = datasets_info.preview_dataset("digits", count=16)
    assert p.total == 1797 and len(p.images) == 16
    assert p.images[0].size == (8, 8)
    assert len(set(p.captions)) > 5 and all(c.startswith("digit ") for c in p.captions)
    # Not blank: the 8x8 digits have ink.
    assert max(im.getextrema()[1] for im in p.images) > 200


def test_missing_fashion_mnist_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets_info.FASHION_DIR_ENV, str(tmp_path))
    reason = datasets_info.unavailable_reason("fashion-colour")
    assert "dataset-fashion-mnist" in reason
    with pytest.raises(ValueError, match="dataset-fashion-mnist"):
        datasets_info.preview_dataset("fashion-mnist")


def test_folder_preview_counts_captions_and_reports_unreadable(image_folder):
    p = datasets_info.preview_dataset(str(image_folder), count=4)
    assert p.total == 8 and p.captioned == 8 and len(p.images) == 4
    assert p.captions[0] == "a red square"
    assert [s.endswith("broken.png") for s in p.skipped] == [True]
    assert "8 images, 8 with captions" in p.summary() and "broken.png" in p.summary()


def test_text_dataset_and_errors(tmp_path):
    f = tmp_path / "pairs.jsonl"
    f.write_text("\n".join(json.dumps({"instruction": f"q{i}", "response": f"a{i}"}) for i in range(5)) + "\n")
    p = datasets_info.preview_dataset(str(f), count=2)
    assert p.total == 5 and p.texts == ["q0 → a0", "q1 → a1"] and not p.images
    with pytest.raises(ValueError, match="Dataset not found"):
        datasets_info.preview_dataset(str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="No readable images"):
        datasets_info.preview_dataset(str(empty))


def test_grid_keeps_small_images_crisp(image_folder):
    p = datasets_info.preview_dataset(str(image_folder), count=8)
    grid = datasets_info.preview_grid(p.images, columns=4, cell=48, pad=2)
    assert grid.size == (4 * 50 + 2, 2 * 50 + 2)
    # Nearest enlargement: only the source colours appear (no blended edge colours).
    colours = {c for _, c in grid.getcolors(maxcolors=10_000)}
    assert colours <= {(0, 0, 0), (24, 24, 24), (220, 30, 30), (30, 30, 220), (30, 200, 30), (230, 220, 30)}
