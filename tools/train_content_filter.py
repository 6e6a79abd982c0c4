"""Train the content filter's prompt classifier (``resources/content_filter/classifier.json``).

Data: the training prompts of ``resources/content_filter/train/`` (written for it; ``templated.tsv`` built by
tools/content_filter_corpus.py, a template frame's prompts in one fold) and the benchmark sets the
word lists were tuned on or measured with before (``benchmark/{dev,heldout,heldout2,heldout3}.tsv``,
``harmless_prompts.txt``): all seen data. The test sets (``benchmark/*_test.tsv``, ``*_test2.tsv``) are never
read here.
With --augment each prompt also gets one obfuscated copy (leetspeak, spaced letters, full-width, traditional
Chinese, spaces between Chinese characters), in the same fold as its original.

Model: logistic regression (scikit-learn) over :func:`studio.core.content_classifier.features` (counts
scaled by 1/sqrt(their number), as the classifier scores them), C chosen by 5-fold cross-validation; a multinomial one over the harmful prompts names the
category. Thresholds, chosen on the out-of-fold scores (validation, never the test set):
  * ``veto``: a word-list hit blocks unless the classifier scores below it. Chosen on the prompts the lists
    were never tuned on (``train/`` and ``heldout3``), where the lists alone flag ~2.5 % of near-misses;
  * ``threshold``: the classifier alone blocks at or above it.
The pair maximises recall with false positives at most --fp (1 %) on those prompts (a hit the classifier may not
overrule, see PromptClassifier.knows, always counts). The veto is written only with --veto (else 0: every list
hit blocks). As shipped:

    python tools/train_content_filter.py --augment --veto --c 300 [--out resources/content_filter/classifier.json]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.content_classifier import FORMAT, features, words
from studio.core.content_classifier import knows as known_words  # noqa: E402
from studio.core.content_filter import ContentFilter, _char_table, parse_list  # noqa: E402

LISTS = ROOT / "resources" / "content_filter"
SEEN_SPLITS = ("dev", "heldout", "heldout2", "heldout3")
FRESH = {"train", "heldout3", "templated"}  # sources the word lists were never tuned on
LEET = str.maketrans({"o": "0", "e": "3", "a": "@", "s": "$", "i": "1", "t": "7"})


def load() -> list[dict]:
    """Every training prompt once: {text, harmful, category, lang, source}."""
    rows: list[dict] = []
    for kind in ("harmful", "harmless"):
        files = [(LISTS / "train" / f"{kind}.tsv", "train")]
        files += [(f, "train") for f in sorted((LISTS / "train").glob(f"written2_{kind}.tsv"))]
        files += [(LISTS / "benchmark" / f"{kind}_{s}.tsv", s) for s in SEEN_SPLITS]
        for path, source in files:
            assert "_test" not in path.name
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    lang, category, text = line.split("\t")
                    rows.append({"text": text, "harmful": kind == "harmful", "category": category, "lang": lang,
                                 "source": source})
    for line in (LISTS / "benchmark" / "harmless_prompts.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append({"text": line.strip(), "harmful": False, "category": "general", "lang": "?",
                         "source": "harmless_prompts"})
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
    words = text.split()
    if how == "leet":
        return " ".join(w.translate(LEET) if len(w) > 3 and rng.random() < 0.6 else w for w in words)
    k = max(range(len(words)), key=lambda i: len(words[i]))
    words[k] = " ".join(words[k])
    return " ".join(words)


def vectors(texts: list[str]) -> list[dict[str, float]]:
    out = []
    for t in texts:
        f = features(t)
        v = 1.0 / math.sqrt(len(f)) if f else 0.0
        out.append({k: n * v for k, n in Counter(f).items()})
    return out


def choose(p: list[float], y: list[bool], listed: list[bool], fp_max: float,
           hard: list[bool] | None = None) -> tuple[float, float, float, float]:
    """(threshold, veto, recall, fp) maximising recall with false positives <= fp_max; ``listed``: a list hit the
    classifier may overrule, ``hard``: one it may not."""
    hard = hard or [False] * len(p)
    grid = sorted(set(round(x, 3) for x in p) | {0.0, 1.0})
    grid = [g for g in grid if 0.05 <= g <= 0.99] or [0.5]
    pos = sum(y)
    neg = len(y) - pos
    best = (0.99, 0.99, -1.0, 1.0)
    for t in grid[::max(1, len(grid) // 200)]:
        vetoes = [g for g in grid[::max(1, len(grid) // 100)] if g <= t] + [t] if any(listed) else [t]
        for v in vetoes:
            block = [h or pi >= t or (li and pi >= v) for pi, li, h in zip(p, listed, hard)]
            tp = sum(b and yi for b, yi in zip(block, y))
            fp = sum(b and not yi for b, yi in zip(block, y))
            rec, fpr = tp / pos, fp / neg
            if fpr <= fp_max and (rec, t) > (best[2], best[0]):
                best = (t, v, rec, fpr)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=LISTS / "classifier.json")
    ap.add_argument("--fp", type=float, default=0.01, help="false-positive budget on validation (0.01)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--c", type=float, nargs="+", default=[300.0], help="C values to cross-validate (300)")
    ap.add_argument("--oof", type=Path, help="write the out-of-fold scores here (JSON, for analysis)")
    ap.add_argument("--veto", action="store_true", help="let the classifier overrule list hits it scores low")
    ap.add_argument("--augment", action="store_true",
                    help="add an obfuscated copy of each prompt (the normalisation undoes most obfuscation)")
    args = ap.parse_args()
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = load()
    rng = random.Random(25)
    frames: dict[str, int] = {}
    for i, r in enumerate(rows):  # a template frame's prompts share one fold
        r["group"] = frames.setdefault(r["frame"], i) if "frame" in r else i
    data = rows + ([dict(r, text=obfuscate(r["text"], rng)) for r in rows] if args.augment else [])
    print(f"{len(rows)} prompts ({sum(r['harmful'] for r in rows)} harmful), {len(data)} with obfuscated copies; "
          f"sources {dict(Counter(r['source'] for r in rows))}")
    pairs = [(c, t, p.stem) for p in sorted(LISTS.glob("*.txt")) for c, t in parse_list(p.read_text(encoding="utf-8"))]
    lists = ContentFilter(pairs)
    listed = [lists.check(r["text"]) is not None for r in data]
    vec = DictVectorizer()
    x = vec.fit_transform(vectors([r["text"] for r in data])).tocsr()
    x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")  # liblinear wants 32-bit indices
    y = [r["harmful"] for r in data]
    folds = [r["group"] % args.folds for r in data]
    fresh = [r["source"] in FRESH for r in data]

    best = None
    for c in args.c:
        oof = [0.0] * len(data)
        for k in range(args.folds):
            tr = [i for i, f in enumerate(folds) if f != k]
            te = [i for i, f in enumerate(folds) if f == k]
            m = LogisticRegression(C=c, solver="liblinear").fit(x[tr], [y[i] for i in tr])
            for i, pi in zip(te, m.predict_proba(x[te])[:, 1]):
                oof[i] = float(pi)
        sel = [i for i in range(len(data)) if fresh[i]]
        t, v, rec, fpr = choose([oof[i] for i in sel], [y[i] for i in sel], [listed[i] for i in sel], args.fp)
        alone = choose(oof, y, [False] * len(data), args.fp)
        print(f"C={c:g}: fresh validation recall {rec:.3f} at fp {fpr:.2%} (threshold {t}, veto {v}); "
              f"classifier alone, all validation: recall {alone[2]:.3f} at fp {alone[3]:.2%}")
        if best is None or rec > best[1]:
            best = (c, rec, t, v, fpr, alone)
            best_oof = list(oof)
        if args.oof:
            args.oof.write_text(json.dumps([[oof[i], y[i], listed[i], fresh[i], data[i]["text"], data[i]["category"]]
                                            for i in range(len(data))], ensure_ascii=False), encoding="utf-8")
    c, rec, t, v, fpr, alone = best  # noqa: F841 (t, v: chosen again below)
    print(f"chosen C={c:g}, threshold {t}, veto {v}")

    model = LogisticRegression(C=c, solver="liblinear").fit(x, y)
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, model.coef_[0]) if abs(w) >= 5e-4}
    harm = [i for i, r in enumerate(data) if r["harmful"]]
    cats = sorted({data[i]["category"] for i in harm})
    cm = LogisticRegression(C=c, max_iter=500).fit(x[harm], [data[i]["category"] for i in harm])
    order = [list(cm.classes_).index(k) for k in cats]
    cat_weights = {}
    for j, n in enumerate(names):
        row = [round(float(cm.coef_[k][j]), 3) for k in order]
        if max(abs(w) for w in row) >= 5e-3:
            cat_weights[str(n)] = row
    # the veto only applies where the classifier knows every word (PromptClassifier.knows): thresholds again,
    # on the same out-of-fold scores, with the hits on unknown words kept (known = the final model's words)
    known = set(weights) | {str(n) for n in names}
    def knows(text: str) -> bool:
        return known_words(words(text), known)
    sel = [i for i in range(len(data)) if fresh[i]]
    soft = [listed[i] and knows(data[i]["text"]) for i in sel]
    hard = [listed[i] and not knows(data[i]["text"]) for i in sel]
    t, v, rec, fpr = choose([best_oof[i] for i in sel], [y[i] for i in sel], soft, args.fp, hard)
    print(f"with hits on unknown words kept: fresh validation recall {rec:.3f} at fp {fpr:.2%} (threshold {t}, "
          f"veto {v})")
    out = {
        "format": FORMAT,
        "info": {"trained_on": len(rows), "harmful": sum(r["harmful"] for r in rows), "C": c,
                 "validation_recall": round(rec, 4), "validation_fp": round(fpr, 4),
                 "note": "tools/train_content_filter.py; benchmark/*_test.tsv never read"},
        "threshold": t, "veto": v if args.veto else 0.0, "bias": round(float(model.intercept_[0]), 4), "weights": weights,
        "categories": cats, "category_bias": [round(float(cm.intercept_[k]), 4) for k in order],
        "category_weights": cat_weights,
    }
    args.out.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(weights)} weights, "
          f"{len(cat_weights)} category rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
