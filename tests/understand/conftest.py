"""Fixtures for text understanding: a tiny corpus, a separable labelled CSV, a recording reporter, a context."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from tests.families.conftest import Recorder

CAPITALS = [("paris", "france"), ("berlin", "germany"), ("rome", "italy"), ("madrid", "spain"),
            ("lisbon", "portugal"), ("vienna", "austria")]
GOOD = ["great", "wonderful", "excellent", "lovely", "fantastic", "superb", "happy", "perfect"]
BAD = ["awful", "terrible", "horrible", "broken", "useless", "angry", "poor", "disappointing"]
NOUNS = ["phone", "service", "delivery", "food", "screen", "staff", "room", "battery"]


@pytest.fixture()
def recorder():
    return Recorder(previews=True)


@pytest.fixture()
def ctx(paths):
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(paths, Settings(), device="cpu")


def write_corpus(path: Path, n: int = 240) -> Path:
    """Sentences where 'capital' always sits between a city and 'of' (an obvious mask to fill)."""
    rnd = random.Random(0)
    lines = []
    for i in range(n):
        city, country = CAPITALS[i % len(CAPITALS)]
        lines.append(rnd.choice([f"{city} is the capital of {country} .", f"the capital of {country} is {city} .",
                                 f"{city} is a big city in {country} ."]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def separable_rows(n: int = 160, seed: int = 0) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        label = "positive" if i % 2 else "negative"
        words = GOOD if label == "positive" else BAD
        rows.append((f"the {rnd.choice(NOUNS)} was {rnd.choice(words)} and {rnd.choice(words)}", label))
    return rows


def write_csv(path: Path, rows, header=("text", "label")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus.txt")


@pytest.fixture()
def labelled(tmp_path):
    return write_csv(tmp_path / "reviews.csv", separable_rows())


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models train faster on one thread than fighting for a loaded machine's cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def review_corpus(tmp_path):
    """The texts the classifier will see, unlabelled: the corpus its mlm base is pretrained on."""
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(t for t, _l in separable_rows(200, seed=1)) + "\n", encoding="utf-8")
    return path
