"""Content filter: recall and false positives on hand-written prompts not built from the lists, and speed.

Prints, for the shipped word lists (resources/content_filter/*.txt):
  * recall on the harmful prompts and the false-positive rate on the harmless near-misses of
    resources/content_filter/benchmark/ (en + zh, written by hand before the lists were enlarged),
    per category and per language, for the dev half (the lists were tuned on it) and the held-out half
    (measured once; since then tuning data too), the second held-out set (written later; measured once,
    then tuning data) and the third (written before that tuning: the figures to report); a cell passes at recall >= 0.90 and false positives <= 1 %;
  * recall on the held-out harmful prompts obfuscated as an evader would (full-width, leetspeak,
    letters spaced out, Chinese characters spaced out or in traditional form);
  * the false-positive count on resources/content_filter/benchmark/harmless_prompts.txt;
  * ms per prompt of ``ContentFilter.check`` (normalisation included) over every benchmark prompt,
    repeated to --n prompts, against a reference measured in the same run: a plain Python loop testing
    every term with ``in`` on the same normalised text (the ratio is what to compare across machines).

    python benchmarks/content_filter.py [--n 10000] [--list-misses]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.core.content_filter import ALLOW, ContentFilter, _char_table, _normalise, parse_list  # noqa: E402
from studio.core.paths import resources_dir  # noqa: E402

LISTS = resources_dir() / "content_filter"
BENCH = LISTS / "benchmark"
RECALL_TARGET, FP_TARGET = 0.90, 0.01
LEET = str.maketrans({"o": "0", "e": "3", "a": "@", "s": "$", "i": "1", "t": "7"})


def rows(kind: str, split: str) -> list[tuple[str, str, str]]:
    out = []
    for line in (BENCH / f"{kind}_{split}.tsv").read_text(encoding="utf-8").splitlines():
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


def table(filt: ContentFilter, split: str, show: bool) -> tuple[float, float]:
    """Print recall / false positives per category and language; (overall recall, overall FP rate)."""
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
    print(f"\n{split} half: {len(harmful)} harmful, {len(harmless)} harmless near-misses")
    print(f"  {'category':<34}{'lang':<6}{'recall':>14}{'false positives':>20}")
    totals = defaultdict(lambda: [0, 0, 0, 0])
    for (cat, lang), c in sorted(cells.items()):
        for key in ((cat, "all"), ("all", lang), ("all", "all")):
            totals[key] = [a + b for a, b in zip(totals[key], c)]
    for (cat, lang), c in sorted(cells.items()) + sorted(totals.items()):
        recall, fp = c[0] / max(1, c[1]), c[2] / max(1, c[3])
        mark = "" if recall >= RECALL_TARGET and fp <= FP_TARGET else "  <- below target"
        print(f"  {cat:<34}{lang:<6}{c[0]:>5}/{c[1]:<3} {recall:.3f}{c[2]:>8}/{c[3]:<3} {fp:6.2%}{mark}")
    t = totals[("all", "all")]
    return t[0] / t[1], t[2] / t[3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="prompts to time (10000)")
    ap.add_argument("--list-misses", action="store_true", help="print each miss and false positive")
    args = ap.parse_args()
    pairs = [(c, t, p.stem) for p in sorted(LISTS.glob("*.txt")) for c, t in parse_list(p.read_text(encoding="utf-8"))]
    t0 = time.perf_counter()
    filt = ContentFilter(pairs)
    build_ms = 1000 * (time.perf_counter() - t0)
    cats = {c for c, _t, _s in pairs if c != ALLOW and not c.startswith("=")}
    print(f"word lists: {filt.size} terms and rules in {len(cats)} categories "
          f"({sum(c == ALLOW for c, _t, _s in pairs)} allowed phrases, "
          f"{sum(c.startswith('=') for c, _t, _s in pairs)} group terms); automaton built in {build_ms:.0f} ms")

    table(filt, "dev", args.list_misses)
    table(filt, "heldout", args.list_misses)  # measured once, then looked at: tuning data since
    table(filt, "heldout2", args.list_misses)  # written later, measured once, then tuning data too
    recall, fp = table(filt, "heldout3", args.list_misses)

    rng = random.Random(25)
    held = rows("harmful", "heldout3")
    obf = [obfuscate(p, rng) for _l, _c, p in held]
    plain = sum(filt.check(p) is not None for _l, _c, p in held)
    caught = sum(filt.check(p) is not None for p in obf)
    print(f"\nheld-out harmful, obfuscated (full-width, leetspeak, spaced letters, traditional/spaced Chinese): "
          f"{caught}/{len(obf)} = {caught / len(obf):.3f} (plain: {plain / len(held):.3f})")
    old = [ln for ln in (BENCH / "harmless_prompts.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    old_fp = [n for n, line in enumerate(old, 1) if filt.check(line)]
    print(f"false positives on harmless_prompts.txt: {len(old_fp)}/{len(old)} {old_fp or ''}")

    prompts = [p for k in ("harmful", "harmless") for s in ("dev", "heldout", "heldout2", "heldout3")
               for _l, _c, p in rows(k, s)]
    prompts += obf
    prompts = [prompts[i % len(prompts)] for i in range(args.n)]
    filt.check(prompts[0])
    t0 = time.perf_counter()
    for p in prompts:
        filt.check(p)
    ac_s = time.perf_counter() - t0
    keys = [_normalise(t)[0] for c, t, _s in pairs if c != ALLOW and "&" not in t]
    t0 = time.perf_counter()
    for p in prompts:  # the reference: every term tested in turn (no word-boundary rule: a lower bound)
        norm = _normalise(p)[0]
        any(k in norm for k in keys)
    loop_s = time.perf_counter() - t0
    per = 1000 * ac_s / len(prompts)
    print(f"\nspeed: {per:.4f} ms per prompt over {len(prompts)} prompts ({len(prompts) / ac_s:,.0f} prompts/s); "
          f"reference (Python loop over every term, same normalisation): {1000 * loop_s / len(prompts):.4f} ms "
          f"-> filter/reference time ratio {ac_s / loop_s:.3f}")
    print(f"\nheld-out overall: recall {recall:.3f} (target >= {RECALL_TARGET}), false positives {fp:.2%} "
          f"(target <= {FP_TARGET:.0%}), {per:.4f} ms per prompt (target <= 0.1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
