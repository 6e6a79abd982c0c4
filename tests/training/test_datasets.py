"""Datasets: image folders with captions (corrupt files skipped and reported), bundled sets, captions."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from studio.core.errors import StudioError
from studio.core.progress import NullReporter
from studio.engines.datasets import load_dataset
from studio.engines.datasets import fashion_captions as fc

FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def test_image_folder_reads_captions_and_skips_corrupt_files(caption_folder):
    (caption_folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    (caption_folder / "notes.md").write_text("not an image")
    rep = NullReporter()
    ds = load_dataset(str(caption_folder), size=16, channels=3, reporter=rep)
    assert len(ds) == 12 and ds.images.shape == (12, 3, 16, 16) and ds.images.dtype == torch.uint8
    assert ds.skipped == [str(caption_folder / "broken.png")]
    assert any("broken.png" in m for m in rep.messages)
    x, caps = ds.batch(torch.arange(3), torch.Generator().manual_seed(0))
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert caps[0] == "a blue square"  # files are sorted: blue_0 comes first


def test_folder_of_only_broken_files_is_a_clear_error(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"garbage")
    with pytest.raises(StudioError, match="No readable images"):
        load_dataset(str(tmp_path), size=16)


def test_missing_dataset_name_is_a_clear_error():
    with pytest.raises(StudioError, match="neither a folder nor one of"):
        load_dataset("no-such-dataset")


def test_missing_fashion_mnist_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_FASHION_MNIST", str(tmp_path))
    with pytest.raises(StudioError, match="dataset-fashion-mnist"):
        load_dataset("fashion-mnist")


def test_mnist5k_and_digits_load_as_grey_images():
    for name, n in (("mnist5k", 50), ("digits", 40)):
        ds = load_dataset(name, size=32, limit=n)
        assert ds.images.shape == (n, 1, 32, 32)
        assert ds.images.max() > 200 and ds.labels is not None and ds.captions[0].startswith("digit ")


@pytest.mark.skipif(not FASHION.exists(), reason="Debian package dataset-fashion-mnist not installed")
def test_colourised_fashion_images_match_their_captions():
    ds = load_dataset("fashion-colour", size=32, limit=300)
    x, caps = ds.batch(torch.arange(64), torch.Generator().manual_seed(3))
    assert x.shape == (64, 3, 32, 32)
    for img, cap, label in zip(x, caps, ds.labels[:64].tolist()):
        primary, syn = fc.ITEMS[label]
        assert any(name in cap for name in (primary, *syn)), cap
        colour = next(c for c in fc.COLOUR_NAMES if f" {c} " in f" {cap} "
                      or any(f" {s} " in f" {cap} " for s in fc.COLOUR_SYNONYMS.get(c, ())))
        assert fc.COLOUR_NAMES[fc.judge_colour(((img + 1) / 2).numpy())] == colour, cap


def test_captions_cover_every_item_and_colour_with_consistent_phrasing():
    caps = fc.all_captions()
    assert len(fc.COLOURS) == 12 and len(fc.ITEMS) == 10
    assert "a black coat" in caps and "a gray dress" in caps and "a white t-shirt" in caps and "brown bag" in caps
    assert len(fc.all_captions(fc.FIRST_COLOURS)) == len([c for c in caps if not any(
        w in c.split() for w in ("black", "white", "grey", "gray", "brown"))])
    assert "a red sneaker" in caps and "blue ankle boot" in caps and "a photo of a green dress" in caps
    assert "a pair of yellow trousers" in caps and "an orange bag" in caps
    assert all(not c.startswith(("trousers", "pants")) for c in caps)  # plurals always get "a pair of"


def test_trimmed_tokenizer_splits_like_the_full_clip_tokenizer():
    from transformers import CLIPTokenizer

    from studio.engines.clip_vocab import bundled_tokenizer_dir
    from studio.engines.training.vocab import trimmed_clip_tokenizer

    caps = fc.all_captions()
    full = CLIPTokenizer.from_pretrained(str(bundled_tokenizer_dir()))
    small = trimmed_clip_tokenizer(bundled_tokenizer_dir(), caps, max_length=16)
    assert len(small) < 200 < len(full)
    for c in caps[::7]:
        assert small.tokenize(c) == full.tokenize(c)
    ids = small("a red hat", padding="max_length", max_length=16).input_ids
    assert len(ids) == 16 and ids[0] == small.bos_token_id and small.unk_token_id in ids


def test_flip_doubles_a_folder_and_the_preview_grid_shows_it(caption_folder):
    ds = load_dataset(str(caption_folder), size=16, channels=3, flip=True)
    assert len(ds) == 24 and ds.captions[12] == ds.captions[0]
    assert torch.equal(ds.images[12], ds.images[0].flip(-1))
    grid = ds.preview_grid(n=16)
    assert grid.size == (4 * 18 + 2, 4 * 18 + 2) and grid.mode == "RGB"
