"""Train the content filter's prompt classifier (``resources/content_filter/classifier.json``).

Data: the training prompts of ``resources/content_filter/train/`` (hand-written ``*.tsv`` files, and
``templated.tsv`` built by tools/content_filter_corpus.py) and the benchmark sets the word lists were tuned on
or measured with before (``benchmark/{dev,heldout,heldout2,heldout3}.tsv``, ``harmless_prompts.txt``), and the
word lists' allowed phrases (``[allow]``, harmless look-alikes such as 紫砂壶 or "nude lipstick"): all seen data.
``--with test,test2,…`` adds those test sets (their misses have been read; the weights file records which, and the
benchmark labels them seen), with their everyday prompts (``general_<set>``) where they have them. No other test set
(the held-out :data:`studio.core.content_filter.HELD_OUT_SET`, or a newer one) is ever read
here: each set's files are named (:func:`studio.core.content_filter.benchmark_files`), no pattern matches them.
Each prompt also gets one obfuscated copy (leetspeak, spaced letters, full-width, traditional Chinese, spaces
between Chinese characters), in the same fold as its original.

Folds: grouped, so that near-duplicates never fall on both sides: a template frame's prompts form one group,
and so do prompts sharing half their word pairs / Chinese character triples (Jaccard >= 0.5, union-find).

Model: one hidden layer (``--hidden`` ReLU units) over the bag of :func:`studio.core.content_classifier.features`
(counts scaled by 1/sqrt(their number)), trained with torch (Adam, input feature dropout), with two heads: harmful
(sigmoid) and, for harmful prompts, the category (softmax); ``--category-weight`` may weigh a category's harmful
prompts more in the harmful loss, ``--near-miss-weight`` its harmless near-misses (both off: tried, not better out
of fold). ``--nets`` (2) such networks are trained from different seeds and their logits
averaged (in validation too); the weights file holds them as one network with their hidden units side by side
(see :func:`quantised`). Features kept: those of ``--min-df`` (2) prompts or more, an obfuscated copy counting as
a prompt; ``--min-df-zh`` (3) for a feature with a Chinese character: a copy often reads back to the same
features, so 2 keeps nearly every feature of a single Chinese prompt (a weights file half as large again, for
no gain out of fold). ``--min-count N`` scales by 1/sqrt(max(number, N)) so a short prompt's few features are not
magnified (60 tied with 1 in nested cross-validation: 7 cells each, so it is off). The shipped weights:
``--with test,test2,test3,test4,test5,test6,test7`` and these defaults (one threshold per language; nested, English
recall 0.891, Chinese 0.905 at 1.04 % false positives; a short prompt scores 0 here, see ``judged`` below). At
inference it runs in pure Python (a feature's row of the first layer is int8 with a per-row scale).

Thresholds, per language (a prompt with a Chinese character is ``zh``), chosen on the out-of-fold scores of the
hand-written prompts the lists were never tuned on (``train/*.tsv``, ``heldout3`` and the test sets of ``--with``):
the pair (threshold: the classifier alone blocks at or above it; veto: a word-list hit blocks unless the classifier
scores below it and knows every word, see PromptClassifier.knows) that maximises recall with false positives at
most --fp. A threshold per language and predicted category (the category the classifier names decides which
applies at inference) is chosen too, on the same scores: the one that maximises that category's recall with false
positives at most --cell-fp among the harmless prompts it puts in that category, the language's veto kept
(:func:`choose_per_category`; --cell-min, --cell-shrink keep small categories near the language's threshold). The
trainer prints, per true category, recall and false positives out of fold for both, and nested (each fold's
prompts judged by thresholds chosen on the other folds' scores), which is the fair comparison; --per-category
keeps the per-category thresholds in the weights file (``category_threshold``).

    OMP_NUM_THREADS=1 python tools/train_content_filter.py --with test,test2,test3,test4,test5,test6,test7,test8

rebuilt the shipped weights at commit 216644c, before ``train/written10_*`` was added (``--out`` elsewhere to compare;
about 20 minutes on one core). The same command with test9 and written10 scored worse on test10 (see the README).
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.content_classifier import BLOCK_HAN, FORMAT, features, has_context, language, words  # noqa: E402
from studio.core.content_classifier import knows as known_words  # noqa: E402
from studio.core.content_filter import (ALLOW, READ_TEST_SETS, SEEN_SPLITS, ContentFilter,  # noqa: E402
                                        _char_table, benchmark_files, parse_list)

LISTS = ROOT / "resources" / "content_filter"
HAND = {"train", "heldout3", *READ_TEST_SETS}
"""Hand-written prompts the word lists were never tuned on: the thresholds are chosen on them."""
LEET = str.maketrans({"o": "0", "e": "3", "a": "@", "s": "$", "i": "1", "t": "7"})
_HAN = re.compile(r"[\u3400-\u9fff]")


def load(extra: tuple[str, ...] = ()) -> list[dict]:
    """Every training prompt once: {text, harmful, category, lang, source[, frame]}; ``extra``: names from
    :data:`~studio.core.content_filter.READ_TEST_SETS` (test sets whose misses have been read) to read too; any
    other benchmark file (the held-out set) is never read."""
    if not set(extra) <= set(READ_TEST_SETS):
        raise ValueError(f"not a test set whose misses were read: {sorted(set(extra) - set(READ_TEST_SETS))}")
    rows: list[dict] = []
    files = [(p, "harmful" in p.name, "train") for p in sorted((LISTS / "train").glob("*.tsv"))
             if p.name != "templated.tsv"]
    files += [(path, k == "harmful", s) for k in ("harmful", "harmless") for s in SEEN_SPLITS + tuple(extra)
              for path in benchmark_files(k, s)]
    files += [(path, False, s) for s in extra for path in benchmark_files("general", s)
              if path.exists()]  # the everyday prompts written with a test set (test7 on)
    for path, harmful, source in files:
        assert "_test" not in path.name or source in READ_TEST_SETS
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) >= 3 and cols[2].strip():
                rows.append({"text": cols[2].strip(), "harmful": harmful, "category": cols[1], "lang": cols[0],
                             "source": source})
    for line in (LISTS / "benchmark" / "harmless_prompts.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append({"text": line.strip(), "harmful": False, "category": "general", "lang": "?",
                         "source": "harmless_prompts"})
    for path in sorted(LISTS.glob("*.txt")):  # the lists' allowed phrases: known harmless look-alikes (紫砂壶)
        for category, term in parse_list(path.read_text(encoding="utf-8")):
            if category == ALLOW:
                rows.append({"text": term, "harmful": False, "category": "general", "lang": "?", "source": "allow"})
    for line in (LISTS / "train" / "templated.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():  # tools/content_filter_corpus.py: kind, language, category, prompt, frame
            kind, lang, category, text, frame = line.split("\t")
            rows.append({"text": text, "harmful": kind == "harmful", "category": category, "lang": lang,
                         "source": "templated", "frame": frame})
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["text"].casefold() not in seen:
            seen.add(r["text"].casefold())
            out.append(r)
    return out


def obfuscate(text: str, rng: random.Random) -> str:
    """``text`` as an evader (or a careless typist) might write it."""
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        if rng.random() < 0.5:
            to_trad = {v: chr(k) for k, v in _char_table().items()}
            return "".join(to_trad.get(c, c) for c in text)
        return " ".join(text)
    how = rng.choice(("fullwidth", "leet", "spaced", "upper"))
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)
    if how == "upper":
        return text.upper()
    ws = text.split()
    if how == "leet":
        return " ".join(w.translate(LEET) if len(w) > 3 and rng.random() < 0.6 else w for w in ws)
    k = max(range(len(ws)), key=lambda i: len(ws[i]))
    ws[k] = " ".join(ws[k])
    return " ".join(ws)


def _shingles(text: str) -> set[str]:
    ws = words(text)
    out = {a + " " + b for a, b in zip(ws, ws[1:])}
    for w in ws:
        if w[0] >= "\x80":
            out.update(w[i:i + 3] for i in range(len(w) - 2))
    return out


def near_groups(rows: list[dict], jaccard: float = 0.5) -> list[int]:
    """A group id per row: one template frame, or prompts sharing >= ``jaccard`` of their shingles, are one group."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    frames: dict[str, int] = {}
    for i, r in enumerate(rows):
        if "frame" in r:
            parent[find(i)] = find(frames.setdefault(r["frame"], i))
    sh = [_shingles(r["text"]) for r in rows]
    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sh):
        for x in s:
            index[x].append(i)
    for i, s in enumerate(sh):
        shared = Counter(j for x in s if len(index[x]) <= 60 for j in index[x] if j > i)
        for j, c in shared.items():
            if c / (len(s) + len(sh[j]) - c) >= jaccard:
                parent[find(i)] = find(j)
    # a group's id is its first row: the union-find roots depend on the order of the unions, which follows a
    # set's order and so changed with PYTHONHASHSEED (and with it the folds and the thresholds, run to run)
    canon: dict[int, int] = {}
    return [canon.setdefault(find(i), i) for i in range(len(rows))]


def choose(p, y, listed, fp_max: float, hard=None) -> tuple[float, float, float, float]:
    """(threshold, veto, recall, fp) maximising recall with false positives <= fp_max, where a prompt is blocked
    when ``hard`` (a list hit the classifier may not overrule), p >= threshold, or ``listed`` and p >= veto."""
    import numpy as np

    p, y, listed = np.asarray(p, float), np.asarray(y, bool), np.asarray(listed, bool)
    hard = np.zeros_like(y) if hard is None else np.asarray(hard, bool)
    neg, pos = int((~y).sum()), int(y.sum())
    budget = int(math.floor(fp_max * neg + 1e-9))
    free_neg = np.sort(p[~hard & ~listed & ~y])[::-1]
    vetoes = list(np.unique(np.quantile(p[listed], np.linspace(0, 1, 201)))) if listed.any() else []
    best = (1.0, 1.0, -1.0, 1.0)
    for v in vetoes + [math.inf]:
        base = hard | (listed & (p >= v))
        k = budget - int((base & ~y).sum())  # harmless prompts without a list hit allowed at or above the threshold
        if k < 0:
            continue
        t = float(np.nextafter(free_neg[k], 2.0)) if k < len(free_neg) else 0.0
        block = base | (p >= t)
        rec, fpr = float((block & y).sum() / pos), float((block & ~y).sum() / neg)
        if fpr <= fp_max and rec > best[2]:
            best = (t, float(min(v, t)), rec, fpr)
    return best


def choose_per_category(p, y, listed, hard, predicted, threshold: float, veto: float, fp_max: float,
                        min_count: int = 0, shrink: float = 0.0) -> dict[str, float]:
    """A threshold per predicted category (the prompts of ``predicted`` category c: the classifier's category
    decides which threshold applies at inference), maximising its recall with false positives <= ``fp_max``
    among its harmless prompts, the language's ``veto`` kept (a listed prompt blocks at or above it). A category
    with fewer than ``min_count`` harmless prompts keeps the language's ``threshold``; ``shrink`` k pulls a
    category's threshold toward it in log-odds, by the weight k / (n + k) for n harmless prompts. Never below
    ``veto`` (and the highest threshold, 1, where the list hits alone exceed the budget)."""
    import numpy as np

    p, y, listed, hard = (np.asarray(a) for a in (p, y, listed, hard))
    predicted = np.asarray(predicted)

    def logit(x: float) -> float:
        x = min(max(x, 1e-12), 1 - 1e-12)
        return math.log(x / (1 - x))
    out: dict[str, float] = {}
    for cat in sorted(set(predicted.tolist())):
        m = predicted == cat
        n = int((m & ~y.astype(bool)).sum())
        if n < max(1, min_count):
            continue
        base = hard[m] | (listed[m] & (p[m] >= veto))  # blocked whatever the threshold
        budget = int(math.floor(fp_max * n + 1e-9)) - int((base & ~y[m].astype(bool)).sum())
        free = np.sort(p[m][~base & ~y[m].astype(bool)])[::-1]
        t = 1.0 if budget < 0 else float(np.nextafter(free[budget], 2.0)) if budget < len(free) else 0.0
        if shrink > 0 and t < 1.0:
            w = n / (n + shrink)
            t = 1 / (1 + math.exp(-(w * logit(t) + (1 - w) * logit(threshold))))
        out[cat] = float(min(1.0, max(t, veto)))
    return out


def pick_thresholds(p, y, soft, hard, predicted, args) -> tuple[float, float, dict[str, float]]:
    """(threshold, veto) of one language (:func:`choose`, false positives <= ``args.fp``) and, when
    ``args.cell_fp``, a threshold per predicted category (:func:`choose_per_category`)."""
    t, v, _rec, _fp = choose(p, y, soft, args.fp, hard)
    cells = choose_per_category(p, y, soft, hard, predicted, t, v, args.cell_fp, args.cell_min,
                                args.cell_shrink) if args.cell_fp else {}
    return t, v, cells


def apply_thresholds(p, soft, hard, predicted, threshold: float, veto: float, cells: dict[str, float]) -> list[bool]:
    """Which prompts are blocked, as the filter decides: a list hit the classifier may not overrule, a score at or
    above the threshold of the prompt's predicted category (else the language's), or a list hit scored at or above
    the veto."""
    return [h or pi >= cells.get(c, threshold) or (s and pi >= veto)
            for pi, s, h, c in zip(p, soft, hard, predicted)]


def cell_table(categories: list[str], y: list[bool], blocked: list[bool]) -> list[str]:
    """Lines of recall and false positives per (true) category."""
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for cat, harmful, b in zip(categories, y, blocked):
        cell = cells[cat]
        cell[0 if harmful else 2] += b
        cell[1 if harmful else 3] += 1
    lines = [f"{cat:<34} recall {c[0]}/{c[1]} {c[0] / max(1, c[1]):.3f}  false positives {c[2]}/{c[3]} "
             f"{c[2] / max(1, c[3]):.2%}" for cat, c in sorted(cells.items())]
    tot = [sum(c[k] for c in cells.values()) for k in range(4)]
    lines.append(f"{'all':<34} recall {tot[0]}/{tot[1]} {tot[0] / max(1, tot[1]):.3f}  false positives "
                 f"{tot[2]}/{tot[3]} {tot[2] / max(1, tot[3]):.2%}")
    return lines


class Model:
    """The network: a bag of feature rows (the first layer), ReLU, a harmful logit and category logits."""

    def __init__(self, n_features: int, hidden: int, n_cats: int, seed: int) -> None:
        import torch

        torch.manual_seed(seed)
        self.emb = torch.nn.EmbeddingBag(n_features, hidden, mode="sum", sparse=True)
        torch.nn.init.normal_(self.emb.weight, 0, 0.05)
        self.b1 = torch.nn.Parameter(torch.zeros(hidden))
        self.out = torch.nn.Linear(hidden, 1 + n_cats)

    def __call__(self, flat, offsets, weights):
        import torch

        return self.out(torch.relu(self.emb(flat, offsets, per_sample_weights=weights) + self.b1))


def _batch(ids: list[list[int]], scale: list[float], rows: list[int]):
    import torch

    flat, offs, w = [], [], []
    for i in rows:
        offs.append(len(flat))
        flat += ids[i]
        w += [scale[i]] * len(ids[i])
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offs, dtype=torch.long), torch.tensor(w)


def train(ids, scale, y, ycat, rows: list[int], args, n_features: int, n_cats: int, seed: int,
          row_weights: list[float] | None = None) -> Model:
    """One network; ``row_weights``: each prompt's share of the harmful loss, by row (``--category-weight``,
    ``--near-miss-weight``; None: all 1)."""
    import torch
    import torch.nn.functional as F

    m = Model(n_features, args.hidden, n_cats, seed)
    opt_sparse = torch.optim.SparseAdam(list(m.emb.parameters()), lr=args.lr)
    opt = torch.optim.Adam([m.b1, *m.out.parameters()], lr=args.lr)
    g = torch.Generator().manual_seed(seed)
    for _epoch in range(args.epochs):
        perm = torch.randperm(len(rows), generator=g).tolist()
        for s in range(0, len(perm), 64):
            batch = [rows[i] for i in perm[s:s + 64]]
            flat, offs, w = _batch(ids, scale, batch)
            w = w * (torch.rand(len(w), generator=g) >= args.dropout)  # input feature dropout
            o = m(flat, offs, w)
            yt = torch.tensor([float(y[i]) for i in batch])
            yc = torch.tensor([ycat[i] for i in batch])
            if row_weights is None:
                loss = F.binary_cross_entropy_with_logits(o[:, 0], yt)
            else:  # --category-weight, --near-miss-weight: a prompt's share of the harmful loss by its category
                sw = torch.tensor([row_weights[i] for i in batch])
                loss = (F.binary_cross_entropy_with_logits(o[:, 0], yt, reduction="none") * sw).mean()
            if (yc >= 0).any():
                loss = loss + 0.5 * F.cross_entropy(o[yc >= 0, 1:], yc[yc >= 0])
            opt.zero_grad()
            opt_sparse.zero_grad()
            loss.backward()
            opt.step()
            opt_sparse.step()
    return m


def train_nets(ids, scale, y, ycat, rows: list[int], args, n_features: int, n_cats: int, seed: int,
               row_weights: list[float] | None = None) -> list[Model]:
    """``args.nets`` networks trained alike from different seeds (their logits are averaged)."""
    return [train(ids, scale, y, ycat, rows, args, n_features, n_cats, seed + 1000 * k, row_weights)
            for k in range(args.nets)]


def predict(nets: list[Model], ids, scale, rows: list[int]) -> list[float]:
    """P(harmful): the sigmoid of the networks' mean harmful logit."""
    return predict_with_category(nets, ids, scale, rows)[0]


def predict_with_category(nets: list[Model], ids, scale, rows: list[int]) -> tuple[list[float], list[int]]:
    """(P(harmful), the index of the likeliest category) per row, from the networks' mean logits (as the
    classifier reads them: one wider network)."""
    import torch

    with torch.no_grad():
        probs: list[float] = []
        cats: list[int] = []
        for s in range(0, len(rows), 1024):
            batch = _batch(ids, scale, rows[s:s + 1024])
            o = sum(m(*batch) for m in nets) / len(nets)
            probs += torch.sigmoid(o[:, 0]).tolist()
            cats += o[:, 1:].argmax(dim=1).tolist()
        return probs, cats


def quantised(nets: list[Model]) -> dict:
    """The weights file's network fields: int8 rows with a float32 scale each, base64. Several networks become
    one wider one (their hidden units side by side, the output weights divided by their number, the output biases
    averaged): the same mean logits, read by the classifier as one network."""
    import numpy as np

    table = np.concatenate([m.emb.weight.detach().numpy() for m in nets], axis=1).astype(np.float32)
    row_scale = np.maximum(np.abs(table).max(axis=1), 1e-8) / 127.0
    q = np.clip(np.round(table / row_scale[:, None]), -127, 127).astype(np.int8)
    output = np.concatenate([m.out.weight.detach().numpy() for m in nets], axis=1) / len(nets)
    output_bias = np.mean([m.out.bias.detach().numpy() for m in nets], axis=0)
    return {"hidden": int(table.shape[1]), "table": base64.b64encode(q.tobytes()).decode("ascii"),
            "row_scale": base64.b64encode(row_scale.astype("<f4").tobytes()).decode("ascii"),
            "hidden_bias": [round(float(x), 6) for m in nets for x in m.b1.detach()],
            "output": [[round(float(x), 6) for x in row] for row in output],
            "output_bias": [round(float(x), 6) for x in output_bias]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=LISTS / "classifier.json")
    ap.add_argument("--fp", type=float, default=0.01, help="false-positive budget on validation (0.01)")
    ap.add_argument("--cell-fp", type=float, default=0.01,
                    help="false-positive budget of each (language, predicted category) threshold; 0: none, one "
                    "threshold per language (0.01)")
    ap.add_argument("--per-category", action=argparse.BooleanOptionalAction, default=False,
                    help="keep the thresholds per predicted category in the weights file (else they are only "
                    "compared, out of fold, with the language's; off: see the module's doc)")
    ap.add_argument("--cell-min", type=int, default=300, help="a predicted category with fewer harmless "
                    "validation prompts keeps its language's threshold (300)")
    ap.add_argument("--cell-shrink", type=float, default=0.0, help="a category's threshold is pulled toward its "
                    "language's, in log-odds, by the weight k / (n + k), n its harmless prompts (0: not pulled)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=32, help="hidden units per network")
    ap.add_argument("--nets", type=int, default=2, help="networks trained from different seeds, logits averaged (2)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--category-weight", default="", help="weights of harmful prompts' loss by category, "
                    "e.g. 'self-harm=2,weapons=2' (others 1)")
    ap.add_argument("--near-miss-weight", default="", help="weights of harmless prompts' loss by the category "
                    "they nearly hit, e.g. 'self-harm=2' (others 1)")
    ap.add_argument("--min-df", type=int, default=2, help="a feature is kept when this many prompts have it, "
                    "an obfuscated copy counting as one (2)")
    ap.add_argument("--min-df-zh", type=int, default=3,
                    help="the same for a feature with a Chinese character (3)")
    ap.add_argument("--with", dest="extra", default="", help="comma-separated test sets to train on too, "
                    f"from {', '.join(READ_TEST_SETS)} (their misses were read; the benchmark then labels them seen)")
    ap.add_argument("--min-count", type=int, default=1, help="the features' sum is scaled by 1/sqrt(max(their "
                    "number, this)): a short prompt's few features are not magnified (1: no floor)")
    ap.add_argument("--oof", type=Path, help="write the out-of-fold scores here (JSON, for analysis)")
    args = ap.parse_args()
    import numpy.ma  # noqa: F401  (numpy loads it lazily, in choose(): imported before the long part)
    import torch

    torch.set_num_threads(1)
    t0 = time.time()
    extra = tuple(x for x in args.extra.split(",") if x)
    rows = load(extra)
    rng = random.Random(25)
    groups = near_groups(rows)
    data = rows + [dict(r, text=obfuscate(r["text"], rng)) for r in rows]
    group = groups + groups  # an obfuscated copy stays with its original
    order = sorted(set(groups))
    random.Random(1).shuffle(order)
    fold_of = {g: k % args.folds for k, g in enumerate(order)}
    folds = [fold_of[g] for g in group]
    print(f"{len(rows)} prompts ({sum(r['harmful'] for r in rows)} harmful) in {len(order)} groups, {len(data)} "
          f"with obfuscated copies; sources {dict(Counter(r['source'] for r in rows))}")
    pairs = [(c, t, p.stem) for p in sorted(LISTS.glob("*.txt")) for c, t in parse_list(p.read_text(encoding="utf-8"))]
    lists = ContentFilter(pairs)
    listed = [lists.check(r["text"]) is not None for r in data]
    feats = [features(r["text"]) for r in data]
    df = Counter(f for fs in feats for f in set(fs))
    names = sorted(f for f, c in df.items() if c >= (args.min_df_zh if _HAN.search(f) else args.min_df))
    vocab = {f: i for i, f in enumerate(names)}
    ids = [[vocab[f] for f in fs if f in vocab] for fs in feats]
    scale = [1 / math.sqrt(max(len(fs), args.min_count)) if fs else 0.0 for fs in feats]
    y = [r["harmful"] for r in data]
    cats = sorted({r["category"] for r in data if r["harmful"]})
    ycat = [cats.index(r["category"]) if r["harmful"] else -1 for r in data]
    def category_weights(flag: str, text: str) -> dict[str, str]:
        """``self-harm=2,weapons=2`` → {category: weight}; a name that is not a category is refused."""
        weights = dict(kv.rsplit("=", 1) for kv in text.split(",") if kv)
        if set(weights) - set(cats):
            ap.error(f"{flag}: not a category: {sorted(set(weights) - set(cats))} (categories: {cats})")
        return weights
    given = category_weights("--category-weight", args.category_weight)
    near = category_weights("--near-miss-weight", args.near_miss_weight)
    row_weights = [float((given if r["harmful"] else near).get(r["category"], 1.0)) for r in data] \
        if given or near else None

    oof = [0.0] * len(data)
    oof_cat = [""] * len(data)  # the predicted category, which picks a prompt's threshold
    for k in range(args.folds):
        tr = [i for i, f in enumerate(folds) if f != k]
        te = [i for i, f in enumerate(folds) if f == k]
        nets = train_nets(ids, scale, y, ycat, tr, args, len(names), len(cats), k, row_weights)
        for i, p, c in zip(te, *predict_with_category(nets, ids, scale, te)):
            oof[i], oof_cat[i] = p, cats[c]
        print(f"  fold {k + 1}/{args.folds} ({time.time() - t0:.0f} s)")
    known = set(names)
    ws = [words(r["text"]) for r in data]
    hard = [listed[i] and not known_words(ws[i], known) for i in range(len(data))]
    # The filter never lets the classifier block a prompt without context on its own (may_block): such a prompt
    # counts with score 0 when thresholds are chosen and judged (a listed one is a hard hit, as at inference).
    judged = [p if has_context(ws[i], BLOCK_HAN) else 0.0 for i, p in enumerate(oof)]
    soft = [listed[i] and not hard[i] for i in range(len(data))]
    thresholds, vetoes, info = {}, {}, {}
    cell_thresholds: dict[str, dict[str, float]] = {}
    for lang in ("en", "zh"):
        sel = [i for i, r in enumerate(data) if r["source"] in HAND and language(r["text"]) == lang]
        p_, y_, soft_, hard_, pred_ = ([v[i] for i in sel] for v in (judged, y, soft, hard, oof_cat))
        t, v, cells = pick_thresholds(p_, y_, soft_, hard_, pred_, args)
        thresholds[lang], vetoes[lang] = t, v
        if args.per_category:
            cell_thresholds[lang] = cells
        true_cats = [data[i]["category"] for i in sel]
        print(f"{lang}: hand-written validation, {len(sel)} prompts (threshold {t:.6f}, veto {v:.6f}; per "
              "predicted category" + (" (not kept)" if not args.per_category else "")
              + "".join(f", {c} {ct:.6f}" for c, ct in sorted(cells.items())) + ")")
        info[lang] = {}
        for name, per_cat in (("one threshold for the language", False),
                              (f"a threshold per predicted category (false positives <= {args.cell_fp:.2%} of "
                               f"its harmless prompts, {args.cell_min}+ of them, shrunk by {args.cell_shrink:g})",
                               True)):
            if per_cat and not args.cell_fp:
                continue
            blocked = apply_thresholds(p_, soft_, hard_, pred_, t, v, cells if per_cat else {})
            nested = [False] * len(sel)  # thresholds chosen on the other folds' prompts, applied to this fold's
            fold_ = [folds[i] for i in sel]
            for k in range(args.folds):
                fit = [j for j, f in enumerate(fold_) if f != k]
                kt, kv, kcells = pick_thresholds(*([a[j] for j in fit] for a in (p_, y_, soft_, hard_, pred_)), args)
                for j in (j for j, f in enumerate(fold_) if f == k):
                    nested[j] = apply_thresholds([p_[j]], [soft_[j]], [hard_[j]], [pred_[j]], kt, kv,
                                                 kcells if per_cat else {})[0]
            for title, b in (("out of fold", blocked), ("nested (thresholds from the other folds)", nested)):
                print(f"  {title}, {name}:")
                for line in cell_table(true_cats, y_, b):
                    print("    " + line)
            key = "per_category" if per_cat else "language"
            pos, neg = sum(y_), len(y_) - sum(y_)
            info[lang][key] = {"recall": round(sum(b and h for b, h in zip(blocked, y_)) / pos, 4),
                               "fp": round(sum(b and not h for b, h in zip(blocked, y_)) / neg, 4),
                               "nested_recall": round(sum(b and h for b, h in zip(nested, y_)) / pos, 4),
                               "nested_fp": round(sum(b and not h for b, h in zip(nested, y_)) / neg, 4)}
    if args.oof:
        args.oof.write_text(json.dumps([[oof[i], y[i], listed[i], hard[i], data[i]["source"], data[i]["text"],
                                         data[i]["category"], oof_cat[i], folds[i]] for i in range(len(data))],
                                        ensure_ascii=False), encoding="utf-8")

    nets = train_nets(ids, scale, y, ycat, list(range(len(data))), args, len(names), len(cats), 99,
                      row_weights)
    out = {
        "format": FORMAT, "features": names, **quantised(nets), "categories": cats,
        "threshold": thresholds, "veto": vetoes, "min_count": args.min_count,
        **({"category_threshold": cell_thresholds} if cell_thresholds else {}),
        "info": {"trained_on": len(rows), "harmful": sum(r["harmful"] for r in rows),
                 "hidden": args.hidden * args.nets, "nets": args.nets, "epochs": args.epochs, "min_df": args.min_df,
                 "min_df_zh": args.min_df_zh, "category_weight": args.category_weight,
                 "near_miss_weight": args.near_miss_weight, "fp": args.fp,
                 "per_category": args.per_category, "cell_fp": args.cell_fp, "cell_min": args.cell_min,
                 "cell_shrink": args.cell_shrink, "validation": info,
                 "test_sets_trained_on": list(extra),
                 "note": "tools/train_content_filter.py; benchmark test sets read: " + (", ".join(extra) or "none")},
    }
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(names)} features) in "
          f"{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
