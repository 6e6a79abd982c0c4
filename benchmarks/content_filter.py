"""Content filter: recall and false positives on hand-written prompts not built from the lists, and speed.

Prints, for the shipped word lists (resources/content_filter/*.txt) with the shipped classifier
(resources/content_filter/classifier.json, trained by tools/train_content_filter.py):
  * recall on the harmful prompts and the false-positive rate on the harmless near-misses of three test sets,
    per category and per language (a cell passes at recall >= 0.90 and false positives <= 1 %): ``test``
    (``*_test.tsv``, en + zh, written in one go before the classifier existed), ``test2`` (written after the
    classifier's first training corpus) and ``test3`` (26 harmful and 52 harmless prompts per category and
    language, written by another engineer without reading the lists, the training data or the filter); on
    ``test`` also the lists alone and the variant where every list hit blocks (no classifier veto). All three
    have been looked at: their misses were read while ``train/written3_*.tsv`` was written, so none is a
    held-out set any more; a set the classifier was trained on (``tools/train_content_filter.py --with``,
    recorded in the weights file) is printed as SEEN;
  * the overall figures on the older sets, labelled seen: the lists were tuned on them and the classifier
    was trained on them (dev, heldout, heldout2, heldout3);
  * recall on the test set's harmful prompts obfuscated as an evader would (full-width, leetspeak, letters
    spaced out, Chinese characters spaced out or in traditional form);
  * the false-positive count on resources/content_filter/benchmark/harmless_prompts.txt (seen), and on the test sets'
    everyday prompts (``general_<set>_{en,zh}.tsv``, from ``test7`` on: ordinary prompts, not near-misses, written by
    two more engineers under the same rules: how often an ordinary user is blocked);
  * ms per prompt of ``ContentFilter.check`` (normalisation and classifier included) over every benchmark
    prompt repeated to --n prompts, and once over the distinct prompts with an empty word cache, against a
    reference measured in the same run: a plain Python loop testing every term with ``in`` on the same
    normalised text (the ratio is what to compare across machines).

  * the fourth test set, ``test4`` (``*_test4_{en,zh}.tsv``: 40 harmful and 80 harmless per category and
    language), written by two other engineers without reading the lists, the training data or the filter; it
    was the held-out set until it was measured once (session 8), and has been trained on since;
  * the fifth test set, ``test5`` (``*_test5_{en,zh}.tsv``: 50 harmful and 100 harmless near-miss prompts per
    category and language as written), written by four other engineers without reading the lists, the training
    data, the filter or the other sets; it was the held-out set until it was measured once (session 9), its
    misses were read, and it has been trained on since (``--with test5``);
  * the sixth test set, ``test6`` (``*_test6_{en,zh}.tsv``: about 50 harmful and 150 harmless near-miss prompts per
    category and language), written by four other engineers the same way; the held-out set until it was measured
    once (session 10), then its misses were read and it has been trained on since (``--with test6``);
  * ``test7`` (``*_test7_{en,zh}.tsv``: about 60 harmful and 220 near-miss prompts per category and language, and
    886 everyday prompts), written the same way; the held-out set until it was measured once (session 11), then its
    misses were read and it has been trained on since (``--with test7``);
  * ``test8`` (850 everyday prompts) and ``test9`` (822), the same; held out until session 12, trained on since;
  * the held-out set, :data:`studio.core.content_filter.HELD_OUT_SET` (``test10``: about 60 harmful and 220 harmless
    near-miss prompts per category and language as written, and 782 everyday prompts), written by six other
    engineers without reading the lists, the training data, the filter or the other sets; the trainer refuses to
    read it. Its misses are not printed (``--list-misses test10`` does, and then it is no longer held out): the
    figures to report;

    python benchmarks/content_filter.py [--n 10000] [--list-misses [SET ...]] [--weights FILE]

``--list-misses`` alone prints the misses of ``test`` and ``test2``; with names, those sets' misses.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.content_classifier import PromptClassifier, load_classifier, weights_path  # noqa: E402
from studio.core.content_filter import (ALLOW, HELD_OUT_SET, READ_TEST_SETS, SEEN_SPLITS, ContentFilter,  # noqa: E402
                                        _char_table, _normalise, benchmark_files, parse_list)
from studio.core.paths import resources_dir  # noqa: E402

LISTS = resources_dir() / "content_filter"
BENCH = LISTS / "benchmark"
RECALL_TARGET, FP_TARGET = 0.90, 0.01
LEET = str.maketrans({"o": "0", "e": "3", "a": "@", "s": "$", "i": "1", "t": "7"})
WRITTEN = {
    "test2": "written after the training corpus, before the classifier was measured on it",
    "test3": "written independently of the lists, the training data and the filter",
    "test4": "written by two other engineers without reading the lists, the training data or the filter; measured "
             "once as the held-out set, then trained on",
    "test5": "written by four other engineers, two per language, without reading the lists, the training data, the "
             "filter or the other sets; measured once as the held-out set, then trained on",
    "test6": "written by four other engineers the same way, 150 near-misses per category and language; measured "
             "once as the held-out set, then trained on",
    "test7": "written by four other engineers the same way, 220 near-misses per category and language, and 886 "
             "everyday prompts; measured once as the held-out set, then trained on",
    "test8": "written by four other engineers the same way, 220 near-misses per category and language, and "
             "everyday prompts from two more; measured once as the held-out set, then trained on",
    "test9": "written by four other engineers the same way, 220 near-misses per category and language, and "
             "everyday prompts from two more; measured once as the held-out set, then trained on",
    "test10": "written by four other engineers the same way, 220 near-misses per category and language, and "
              "everyday prompts from two more",
}
"""How each test set after the first was written (the heading of its table)."""


def rows(kind: str, split: str) -> list[tuple[str, str, str]]:
    out = []
    for path in benchmark_files(kind, split):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lang, category, prompt = line.split("\t")
                out.append((lang, category, prompt))
    return out


def obfuscate(prompt: str, rng: random.Random) -> str:
    """The prompt as an evader might write it."""
    if any("\u4e00" <= c <= "\u9fff" for c in prompt):
        if rng.random() < 0.5:
            to_trad = {v: chr(k) for k, v in _char_table().items()}  # simplified → one traditional form
            return "".join(to_trad.get(c, c) for c in prompt)
        return " ".join(prompt)
    how = rng.choice(("fullwidth", "leet", "spaced"))
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in prompt)
    words = prompt.split()
    if how == "leet":
        return " ".join(w.translate(LEET) if len(w) > 3 else w for w in words)
    k = max(range(len(words)), key=lambda i: len(words[i]))  # the longest word, letters spaced out
    words[k] = " ".join(words[k])
    return " ".join(words)


def table(filt: ContentFilter, split: str, show: bool, brief: bool = False) -> tuple[float, float]:
    """Print recall / false positives per category and language (``brief``: the overall line only);
    (overall recall, overall FP rate)."""
    harmful, harmless = rows("harmful", split), rows("harmless", split)
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # caught, n, false, n
    for lang, cat, prompt in harmful:
        hit = filt.check(prompt) is not None
        cells[(cat, lang)][0] += hit
        cells[(cat, lang)][1] += 1
        if show and not hit:
            print(f"  miss [{split} {lang} {cat}] {prompt}")
    for lang, cat, prompt in harmless:
        hit = filt.check(prompt)
        cells[(cat, lang)][2] += hit is not None
        cells[(cat, lang)][3] += 1
        if show and hit:
            print(f"  false positive [{split} {lang} {cat}] -> {hit.category}: {prompt}")
    totals = defaultdict(lambda: [0, 0, 0, 0])
    for (cat, lang), c in sorted(cells.items()):
        for key in ((cat, "all"), ("all", lang), ("all", "all")):
            totals[key] = [a + b for a, b in zip(totals[key], c)]
    t = totals[("all", "all")]
    if brief:
        print(f"  {split:<10}{len(harmful):>4} harmful {len(harmless):>4} harmless: recall {t[0] / t[1]:.3f}, "
              f"false positives {t[2] / t[3]:.2%}")
        return t[0] / t[1], t[2] / t[3]
    print(f"\n{split}: {len(harmful)} harmful, {len(harmless)} harmless near-misses")
    print(f"  {'category':<34}{'lang':<6}{'recall':>14}{'false positives':>20}")
    for (cat, lang), c in sorted(cells.items()) + sorted(totals.items()):
        recall, fp = c[0] / max(1, c[1]), c[2] / max(1, c[3])
        mark = "" if recall >= RECALL_TARGET and fp <= FP_TARGET else "  <- below target"
        print(f"  {cat:<34}{lang:<6}{c[0]:>5}/{c[1]:<3} {recall:.3f}{c[2]:>8}/{c[3]:<3} {fp:6.2%}{mark}")
    return t[0] / t[1], t[2] / t[3]


def everyday_table(filt: ContentFilter, split: str, show: bool, label: str) -> float:
    """Print how many of a test set's everyday prompts (``general_<split>``) are blocked, per language; the share."""
    blocked: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lang, _cat, prompt in rows("general", split):
        hit = filt.check(prompt)
        blocked[lang][0] += hit is not None
        blocked[lang][1] += 1
        if hit and show:
            print(f"  false positive [general_{split} {lang}] -> {hit.category}: {prompt}")
    total = [sum(c[k] for c in blocked.values()) for k in (0, 1)]
    per_lang = ", ".join(f"{lang} {b}/{n}" for lang, (b, n) in sorted(blocked.items()))
    print(f"everyday prompts of {split} ({label}): false positives {total[0]}/{total[1]} "
          f"{total[0] / max(1, total[1]):.2%} ({per_lang})")
    return total[0] / max(1, total[1])


class Strict(ContentFilter):
    """The variant the classifier's veto was chosen against: every list hit blocks."""

    def check(self, text: str, classify: bool = True) -> object:
        hit = self.check_lists(text)
        if hit is not None or self.classifier is None:
            return hit
        return hit if self.classifier.probability(text) < self.classifier.threshold(text) else "classifier"


def timed(check, prompts: list[str]) -> float:
    t0 = time.perf_counter()
    for p in prompts:
        check(p)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="prompts to time (10000)")
    ap.add_argument("--list-misses", nargs="*", metavar="SET",
                    help="print each miss and false positive of these test sets (none named: test and test2; "
                    f"naming the held-out {HELD_OUT_SET} spends it)")
    ap.add_argument("--weights", type=Path, help="another classifier.json (default: the shipped one)")
    args = ap.parse_args()
    listed = set(("test", "test2") if args.list_misses == [] else args.list_misses or ())
    unknown = listed - {*READ_TEST_SETS, HELD_OUT_SET}
    if unknown:
        ap.error(f"no such test set: {', '.join(sorted(unknown))}")
    pairs = [(c, t, p.stem) for p in sorted(LISTS.glob("*.txt")) for c, t in parse_list(p.read_text(encoding="utf-8"))]
    t0 = time.perf_counter()
    lists = ContentFilter(pairs)
    build_ms = 1000 * (time.perf_counter() - t0)
    t0 = time.perf_counter()
    clf = load_classifier(args.weights)
    load_ms = 1000 * (time.perf_counter() - t0)
    if clf is None:
        print("the classifier's weights are unusable (see the log line above)")
        return 1
    filt = ContentFilter(pairs, clf)
    cats = {c for c, _t, _s in pairs if c != ALLOW and not c.startswith("=")}
    print(f"word lists: {lists.size} terms and rules in {len(cats)} categories "
          f"({sum(c == ALLOW for c, _t, _s in pairs)} allowed phrases, "
          f"{sum(c.startswith('=') for c, _t, _s in pairs)} group terms); automaton built in {build_ms:.0f} ms")
    print(f"classifier: {len(clf.index)} features x {clf.hidden} hidden units, thresholds {clf.thresholds}, "
          f"vetoes {clf.vetoes}, per predicted category {clf.category_thresholds or 'none'}, loaded in "
          f"{load_ms:.0f} ms; trained on {clf.info.get('trained_on')} prompts")

    print("\nseen sets (the lists were tuned on them, the classifier trained on them): lists + classifier")
    for split in SEEN_SPLITS:
        table(filt, split, False, brief=True)
    print("\ntest set, other configurations:")
    print("  word lists alone:", end="")
    table(lists, "test", False, brief=True)
    print("  lists + classifier, every list hit blocking (no veto):", end="")
    table(Strict(pairs, clf), "test", False, brief=True)
    trained = set(clf.info.get("test_sets_trained_on", ()))

    def seen(split: str) -> str:
        return "SEEN: the classifier was trained on it" if split in trained else \
            "misses read while writing training prompts; not trained on"
    recall, fp = table(filt, "test", "test" in listed)
    print(f"  ({seen('test')})")
    figures: dict[str, tuple[float, float]] = {"test": (recall, fp)}
    for number, split in enumerate((*READ_TEST_SETS[1:], HELD_OUT_SET), 2):
        held = split == HELD_OUT_SET
        title = "held-out set" if held else f"test set {number}"
        print(f"\n{title} ({split}: {WRITTEN[split]}{'; never trained or tuned on' if held else ''}):")
        print("  word lists alone:", end="")
        table(lists, split, False, brief=True)
        figures[split] = table(filt, split, split in listed)
        if not held:
            print(f"  ({seen(split)})")
    recall_held, fp_held = figures[HELD_OUT_SET]

    rng = random.Random(25)
    held = rows("harmful", "test")
    obf = [obfuscate(p, rng) for _l, _c, p in held]
    plain = sum(filt.check(p) is not None for _l, _c, p in held)
    caught = sum(filt.check(p) is not None for p in obf)
    print(f"\ntest harmful, obfuscated (full-width, leetspeak, spaced letters, traditional/spaced Chinese): "
          f"{caught}/{len(obf)} = {caught / len(obf):.3f} (plain: {plain / len(held):.3f})")
    held_rows = rows("harmful", HELD_OUT_SET)
    obf_held = [obfuscate(p, rng) for _l, _c, p in held_rows]
    caught_held = sum(filt.check(p) is not None for p in obf_held)
    print(f"{HELD_OUT_SET} harmful (held out), obfuscated the same way: {caught_held}/{len(obf_held)} = "
          f"{caught_held / len(obf_held):.3f} (plain: {recall_held:.3f})")
    old = [ln for ln in (BENCH / "harmless_prompts.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    old_fp = [n for n, line in enumerate(old, 1) if filt.check(line)]
    print(f"false positives on harmless_prompts.txt (seen): {len(old_fp)}/{len(old)} {old_fp or ''}")
    everyday: list[str] = []
    fp_everyday = float("nan")  # a held-out set without everyday prompts
    for split in (*READ_TEST_SETS, HELD_OUT_SET):
        if all(path.exists() for path in benchmark_files("general", split)):
            fp_everyday = everyday_table(filt, split, split in listed, "held out" if split == HELD_OUT_SET else
                                         seen(split))
            everyday += [p for _l, _c, p in rows("general", split)]

    splits = (*SEEN_SPLITS, *READ_TEST_SETS, HELD_OUT_SET)
    unique = [p for k in ("harmful", "harmless") for s in splits for _l, _c, p in rows(k, s)] + obf + obf_held
    unique += everyday
    prompts = [unique[i % len(unique)] for i in range(args.n)]
    weights = json.loads((args.weights or weights_path()).read_text(encoding="utf-8"))
    cold = ContentFilter(pairs, PromptClassifier(weights))
    cold_s = timed(cold.check, unique)  # every prompt new to the classifier's word cache
    cpu0 = time.process_time()
    full_s = timed(filt.check, prompts)
    full_cpu = time.process_time() - cpu0  # CPU time: on a shared, loaded machine the wall time counts waiting too
    lists_s = timed(lists.check, prompts)
    keys = [_normalise(t)[0] for c, t, _s in pairs if c != ALLOW and "&" not in t]
    loop_s = timed(lambda p: any(k in _normalise(p)[0] for k in keys), prompts)  # the reference (a lower bound)
    per = 1000 * full_s / len(prompts)
    print(f"\nspeed, ms per prompt over {len(prompts)} prompts: lists + classifier {per:.4f} "
          f"(first pass over {len(unique)} distinct prompts, empty word cache: {1000 * cold_s / len(unique):.4f}); "
          f"lists alone {1000 * lists_s / len(prompts):.4f}; reference (Python loop over every term, same "
          f"normalisation) {1000 * loop_s / len(prompts):.4f} -> filter/reference time ratio {full_s / loop_s:.3f}")
    print(f"  lists + classifier, CPU time: {1000 * full_cpu / len(prompts):.4f} ms per prompt; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"\ntest set overall: recall {recall:.3f} (target >= {RECALL_TARGET}), false positives {fp:.2%} "
          f"(target <= {FP_TARGET:.0%}), {per:.4f} ms per prompt, {1000 * full_cpu / len(prompts):.4f} ms CPU time (target <= 0.1)")
    for split in READ_TEST_SETS[1:]:
        print(f"{split} set overall: recall {figures[split][0]:.3f}, false positives {figures[split][1]:.2%}")
    print(f"held-out {HELD_OUT_SET} overall: recall {recall_held:.3f} (target >= {RECALL_TARGET}), false positives "
          f"{fp_held:.2%} (target <= {FP_TARGET:.0%}); everyday prompts blocked {fp_everyday:.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
